import { resolve } from 'node:path'
import {
  badValue,
  DEFAULTS,
  HOURS,
  inputResolver,
  MINUTES,
  parseApiUrl,
  parseBoolean,
  parseDomain,
  parseEmail,
  parseList,
  parseNumber,
  parsePath,
  parseTag,
  parseTicketIds,
  required,
  SettingsError,
  SHARE,
  WHOLE,
  type InputName,
  type InputReader
} from './inputs.js'
import {
  catalogFromInputs,
  loadMessageCatalog,
  MessagesError,
  parseMacroRef,
  parseTemplate,
  type MacroRef,
  type MessageCatalog,
  type ReadFile,
  type TemplateKind
} from './messages.js'
import {
  BusinessHoursError,
  parseBusinessHours,
  isValidTimeZone,
  type BusinessHours
} from './businessHours.js'

/**
 * Inputs -> a validated, typed Settings object, in one pass. Every error names the input, what it
 * got and what it takes, and is raised before any request is made. Its only I/O is reading the
 * messages file; it does not know whether it runs in GitHub Actions or in the CLI: both hand it a
 * `read(name)` function.
 */

/**
 * Channels the follow-up can mirror the agent's last reply on. The API documents that reply shape
 * for email; chat and sms follow the same model but are unverified live, so the default is email.
 */
export const ANSWERABLE_CHANNELS = ['email', 'chat', 'sms'] as const

export interface Settings {
  domain: string
  email: string
  apiKey: string
  /** without trailing slash, e.g. https://acme.gorgias.com/api */
  apiUrl: string
  /** ascending ages (hours since the agent's reply) at which reminder 1, 2, ... is sent */
  followUpHours: number[]
  closeHours: number
  /** lower-cased */
  excludeTags: string[]
  /** lower-cased; empty = every ticket */
  onlyTags: string[]
  channels: string[]
  followUpTag: string
  closedTag: string
  followUpMessage: string
  /** empty = the last reminder uses followUpMessage */
  finalFollowUpMessage: string
  /** empty = close without a message */
  closeMessage: string
  dryRun: boolean
  maxActions: number
  viewId: number | null
  businessHours: BusinessHours | null
  /** `business-hours: gorgias`: read by the run before any write (accountHours.ts); else null */
  accountBusinessHours: { holidays: string[]; timezone: string } | null
  /** absolute path, or null */
  policyModule: string | null
  /** fraction of the account's rate-limit bucket the sweep may fill (0 < share <= 1) */
  rateLimitShare: number
  /** after this, no new ticket is started; the rest is reported deferred */
  timeLimitMinutes: number
  /** false: the job summary shows no subject or customer name */
  summaryCustomerDetails: boolean
  /** absolute path of the messages file, or null when the message inputs are used */
  messagesFile: string | null
  /** The texts sent, by language: from the message inputs, or the messages file's catalog. */
  messages: MessageCatalog
  /** only these tickets are read and acted on, nothing is listed; null = the whole sweep */
  ticketIds: number[] | null
  /** absolute path of the JSON-lines audit file, or null */
  reportFile: string | null
  /** only the account check (read-only checklist): no sweep, no write */
  checkOnly: boolean
  /** absolute path of the state between runs (saves re-reading tickets found not due), or null */
  stateFile: string | null
}

export interface ParseContext {
  env?: Record<string, string | undefined>
  /** base for a relative path input (GITHUB_WORKSPACE in Actions, cwd in the CLI) */
  workspace?: string
  /** reads the messages file; the file system by default */
  readFile?: ReadFile
}

/**
 * Reads every input through `read` (which returns '' for an unset input) and returns the settings,
 * or throws a SettingsError naming the first bad input.
 */
export function parseSettings(read: InputReader, ctx: ParseContext = {}): Settings {
  const get = inputResolver(read, ctx.env ?? {})
  const workspace = ctx.workspace ?? process.cwd()
  const connection = parseConnection(get)
  const tags = parseTags(get)
  const { texts, macros } = parseTexts(get, workspace)
  const business = parseBusinessSettings(get)
  const schedule = parseSchedule(get)
  const channels = parseChannels(get('channels'))
  const rest = {
    dryRun: parseBoolean('dry-run', get('dry-run')),
    maxActions: parseNumber('max-actions', get('max-actions'), WHOLE),
    viewId: get('view-id').trim() ? parseNumber('view-id', get('view-id'), WHOLE) : null,
    businessHours: business === 'gorgias' ? null : business,
    accountBusinessHours:
      business === 'gorgias'
        ? { holidays: parseList(get('holidays')), timezone: get('timezone').trim() }
        : null,
    policyModule: parsePath(get('policy-module'), workspace),
    rateLimitShare: parseNumber('rate-limit-share', get('rate-limit-share'), SHARE),
    timeLimitMinutes: parseNumber('time-limit-minutes', get('time-limit-minutes'), MINUTES),
    summaryCustomerDetails: parseBoolean(
      'summary-customer-details',
      get('summary-customer-details')
    ),
    ticketIds: parseTicketIds(get('ticket-ids')),
    reportFile: parsePath(get('report-file'), workspace),
    checkOnly: parseBoolean('check-only', get('check-only')),
    stateFile: parsePath(get('state-file'), workspace)
  }
  distinctFiles([
    ['messages-file', texts.messagesFile],
    ['policy-module', rest.policyModule],
    ['report-file', rest.reportFile],
    ['state-file', rest.stateFile]
  ])
  // The file is read last, once every input is known good.
  const messages =
    texts.messagesFile === null
      ? catalogFromInputs(texts, macros)
      : asSettingsError(() => loadMessageCatalog(texts.messagesFile!, ctx.readFile))
  // In this order: the state file's fingerprint is a hash of the settings as written.
  return { ...connection, ...schedule, ...tags, channels, ...texts, messages, ...rest }
}

/** A file the run writes (report-file, state-file, listed last) may not be another input's. */
function distinctFiles(files: Array<[InputName, string | null]>): void {
  const named = new Map<string, InputName>()
  for (const [input, path] of files) {
    if (path === null) continue
    const other = named.get(resolve(path))
    if (other !== undefined && (input === 'report-file' || input === 'state-file')) {
      throw new SettingsError(
        input,
        `${input}: ${path} is already ${other}'s file, and the run would write over it; give ${input} a file of its own`
      )
    }
    named.set(resolve(path), input)
  }
}

/** An error of a module that parses part of the settings, as the SettingsError it is here. */
function asSettingsError<T>(parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof MessagesError || err instanceof BusinessHoursError) {
      throw new SettingsError(err.input, err.message)
    }
    throw err
  }
}

function parseConnection(
  get: InputReader
): Pick<Settings, 'domain' | 'email' | 'apiKey' | 'apiUrl'> {
  const domain = parseDomain(get('gorgias-domain'))
  const email = parseEmail(get('gorgias-email'))
  const apiKey = required(
    'gorgias-api-key',
    get('gorgias-api-key'),
    'pass it from a repository secret (gorgias-api-key: ${{ secrets.GORGIAS_API_KEY }}) or set GORGIAS_API_KEY'
  )
  return { domain, email, apiKey, apiUrl: parseApiUrl(get('api-url'), domain) }
}

function parseSchedule(get: InputReader): Pick<Settings, 'followUpHours' | 'closeHours'> {
  const raw = get('follow-up-hours')
  const parts = raw.split(/[,\n]/).map(p => p.trim())
  if (parts.some(p => p === '')) {
    throw badValue(
      'follow-up-hours',
      raw,
      'expected hours such as 48, or an ascending comma-separated list such as "24,72"'
    )
  }
  const followUpHours = parts.map(p => parseNumber('follow-up-hours', p, HOURS))
  if (followUpHours.some((hours, i) => i > 0 && hours <= followUpHours[i - 1]!)) {
    throw badValue(
      'follow-up-hours',
      raw,
      'reminder ages must be strictly ascending, such as "24,72"'
    )
  }
  const closeHours = parseNumber('close-hours', get('close-hours'), HOURS)
  const lastFollowUp = followUpHours[followUpHours.length - 1]!
  if (closeHours <= lastFollowUp) {
    throw new SettingsError(
      'close-hours',
      `close-hours: got ${closeHours}; it counts from the agent's reply too, so it must be more than follow-up-hours (${lastFollowUp}), e.g. ${lastFollowUp + 24}`
    )
  }
  return { followUpHours, closeHours }
}

function parseChannels(raw: string): string[] {
  const channels = parseList(raw).map(c => c.toLowerCase())
  const known = ANSWERABLE_CHANNELS.join(', ')
  if (channels.length === 0) {
    throw new SettingsError('channels', `channels: empty; expected one or more of ${known}`)
  }
  const unknown = channels.filter(c => !(ANSWERABLE_CHANNELS as readonly string[]).includes(c))
  if (unknown.length > 0) {
    throw new SettingsError(
      'channels',
      `channels: got ${unknown.map(c => `"${c}"`).join(', ')}; this action can answer only ${known}`
    )
  }
  return channels
}

function parseTags(
  get: InputReader
): Pick<Settings, 'excludeTags' | 'onlyTags' | 'followUpTag' | 'closedTag'> {
  const excludeTags = parseList(get('exclude-tags')).map(t => t.toLowerCase())
  const onlyTags = parseList(get('only-tags')).map(t => t.toLowerCase())
  const followUpTag = parseTag('follow-up-tag', get('follow-up-tag'))
  const closedTag = parseTag('closed-tag', get('closed-tag'))
  if (followUpTag.toLowerCase() === closedTag.toLowerCase()) {
    throw new SettingsError(
      'closed-tag',
      `closed-tag: got "${closedTag}", the same as follow-up-tag; use two different tags so a ticket's tags say what happened`
    )
  }
  for (const [input, tag] of [
    ['follow-up-tag', followUpTag],
    ['closed-tag', closedTag]
  ] as const) {
    if (excludeTags.includes(tag.toLowerCase())) {
      throw new SettingsError(
        input,
        `${input}: "${tag}" is also in exclude-tags, so the action would stop handling its own tickets; pick another tag or remove it from exclude-tags`
      )
    }
  }
  return { excludeTags, onlyTags, followUpTag, closedTag }
}

/** Each text's message input and macro input; the texts come from these or messages-file. */
const TEXT_INPUTS = [
  ['followUp', 'follow-up-message', 'follow-up-macro'],
  ['finalFollowUp', 'final-follow-up-message', 'final-follow-up-macro'],
  ['close', 'close-message', 'close-macro']
] as const

const isSet = (get: InputReader, input: InputName): boolean =>
  get(input).trim() !== DEFAULTS[input].trim()

/**
 * The message inputs, or the messages file: one source of text, never both. A macro input replaces
 * its message input, so the two together are refused (which text would be meant?), and so is a
 * macro input with messages-file, where each language's entry names its macro (`follow-up-macro:`).
 */
function parseTexts(get: InputReader, workspace: string) {
  const messagesFile = parsePath(get('messages-file'), workspace)
  const set = TEXT_INPUTS.find(([, input]) => messagesFile !== null && isSet(get, input))?.[1]
  if (set) {
    throw new SettingsError(
      set,
      `${set}: set together with messages-file; the texts come from one place: put them in the messages file, or leave messages-file empty`
    )
  }
  const [followUpMessage, finalFollowUpMessage, closeMessage] = TEXT_INPUTS.map(([kind, input]) =>
    asSettingsError(() => parseTemplate(input, get(input), kind === 'followUp'))
  ) as [string, string, string]
  const macros: Partial<Record<TemplateKind, MacroRef>> = {}
  for (const [kind, messageInput, input] of TEXT_INPUTS) {
    const ref = parseMacroRef(input, get(input))
    if (typeof ref === 'string') throw new SettingsError(input, `${input}: ${ref}`)
    if (ref === null) continue
    if (messagesFile !== null) {
      throw new SettingsError(
        input,
        `${input}: set together with messages-file; name the macro in the messages file instead ("${input}:" under a language), or leave messages-file empty`
      )
    }
    if (isSet(get, messageInput)) {
      throw new SettingsError(
        input,
        `${input}: set together with ${messageInput}; the text comes from one place: leave ${messageInput} unset to send the macro, or ${input} empty to send ${messageInput}`
      )
    }
    macros[kind] = ref
  }
  return { texts: { followUpMessage, finalFollowUpMessage, closeMessage, messagesFile }, macros }
}

/** `business-hours: gorgias` takes the account's hours (and time zone) at run time (run.ts). */
function parseBusinessSettings(get: InputReader): BusinessHours | null | 'gorgias' {
  const timezone = get('timezone').trim()
  if (!isValidTimeZone(timezone)) {
    const expected = 'expected an IANA time zone name such as "Europe/Paris" or "America/New_York"'
    throw badValue('timezone', timezone, expected)
  }
  const spec = get('business-hours').trim()
  const holidays = parseList(get('holidays'))
  if (!spec) {
    if (holidays.length === 0) return null
    throw new SettingsError(
      'holidays',
      'holidays: only used with business-hours; set business-hours (e.g. "Mon-Fri 09:00-18:00") or leave holidays empty'
    )
  }
  const gorgias = spec.toLowerCase() === 'gorgias'
  // For the account's hours, only the holidays are checked now.
  const hours = asSettingsError(() =>
    parseBusinessHours(gorgias ? 'Mon 09:00-10:00' : spec, timezone, holidays)
  )
  return gorgias ? 'gorgias' : hours
}
