import { isAbsolute, resolve } from 'node:path'
import { checkBaseUrl, type BaseUrlProblem } from './gorgias/transport.js'

/**
 * The action's inputs: names and defaults (the one source; a test keeps action.yml equal to it),
 * where a value comes from (input, environment fallback, default), and how one value reads. Every
 * error is a SettingsError naming the input, what it got and what it takes. config.ts puts the
 * values together into Settings.
 */

export const DEFAULTS = {
  'gorgias-domain': '',
  'gorgias-email': '',
  'gorgias-api-key': '',
  'api-url': '',
  'follow-up-hours': '48',
  'close-hours': '72',
  'exclude-tags': 'vip,escalated,priority',
  'only-tags': '',
  channels: 'email',
  'follow-up-tag': 'auto-close-sent',
  'closed-tag': 'auto-closed',
  'follow-up-message': [
    'Hi {{first_name}},',
    '',
    'We wanted to check in on your request "{{subject}}". Did our last reply help? If you still need anything, just reply to this message and we will pick it up right away.',
    '',
    "If we don't hear back, we'll assume everything is sorted and close this conversation soon. Replying at any time reopens it.",
    '',
    'Thanks!'
  ].join('\n'),
  'final-follow-up-message': '',
  'close-message': '',
  'dry-run': 'false',
  'max-actions': '100',
  'view-id': '',
  'business-hours': '',
  timezone: 'UTC',
  holidays: '',
  'policy-module': '',
  'rate-limit-share': '0.5',
  'time-limit-minutes': '20',
  'summary-customer-details': 'true',
  'messages-file': '',
  'follow-up-macro': '',
  'final-follow-up-macro': '',
  'close-macro': '',
  'ticket-ids': '',
  'report-file': '',
  'check-only': 'false',
  'state-file': ''
} as const

export type InputName = keyof typeof DEFAULTS

/** Inputs that fall back to an environment variable when empty (the secrets). */
const ENV_FALLBACK: Partial<Record<InputName, string>> = {
  'gorgias-domain': 'GORGIAS_DOMAIN',
  'gorgias-email': 'GORGIAS_EMAIL',
  'gorgias-api-key': 'GORGIAS_API_KEY'
}

/** Reads an input as given: '' when it is not set. */
export type InputReader = (name: InputName) => string

/**
 * An input's value: the input, else its environment fallback (the secrets), else its default. The
 * one resolver, also used to mask the secrets before anything can print them.
 */
export function inputResolver(
  read: InputReader,
  env: Record<string, string | undefined>
): InputReader {
  return name => {
    const envName = ENV_FALLBACK[name]
    const values = [read(name), envName ? env[envName] : undefined]
    return values.find(value => value?.trim()) ?? DEFAULTS[name]
  }
}

/** A bad input: `input` is its name, the message says what it got and what it takes. */
export class SettingsError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(message)
    this.name = 'SettingsError'
  }
}

const MAX_HOURS = 24 * 366 * 5

/** A value as quoted in an error: on one line, cut at 60 characters. */
function shown(value: string): string {
  const oneLine = value.length > 60 ? `${value.slice(0, 57)}...` : value
  return JSON.stringify(oneLine)
}

/** The error of a value an input does not take: what it got, then what it takes. */
export function badValue(input: InputName, raw: string, expected: string): SettingsError {
  return new SettingsError(input, `${input}: got ${shown(raw)}; ${expected}`)
}

/** Comma- or newline-separated list, trimmed, without empties or duplicates (case-insensitive). */
export function parseList(raw: string): string[] {
  const byKey = new Map<string, string>()
  for (const item of raw.split(/[,\n]/).map(value => value.trim())) {
    if (item && !byKey.has(item.toLowerCase())) byKey.set(item.toLowerCase(), item)
  }
  return [...byKey.values()]
}

/** What a number input takes; the error says `expected` after what it got. */
interface NumberRule {
  expected: string
  /** whole numbers only (`12`); otherwise decimals too (`1.5`) */
  whole?: boolean
  /** a decimal may start with its point (`.5`) */
  leadingPoint?: boolean
  /** the largest value taken; every number input takes only values above 0 */
  max?: number
}

/** The one number parser: digits and at most one point, above 0, at most `max`. */
export function parseNumber(input: InputName, raw: string, rule: NumberRule): number {
  const text = raw.trim()
  const form = rule.whole ? /^\d+$/ : rule.leadingPoint ? /^\d*\.?\d+$/ : /^\d+(\.\d+)?$/
  const value = Number(text)
  const fits = (!rule.whole || Number.isSafeInteger(value)) && value <= (rule.max ?? Infinity)
  if (!form.test(text) || !(value > 0) || !fits) {
    throw badValue(input, raw, `expected ${rule.expected}`)
  }
  return value
}

export const HOURS: NumberRule = {
  expected: `a positive number of hours such as 48 (decimals like 1.5 are fine, at most ${MAX_HOURS})`,
  max: MAX_HOURS
}

export const WHOLE: NumberRule = {
  expected: 'a whole number of at least 1, such as 100',
  whole: true
}

export const SHARE: NumberRule = {
  expected:
    "a fraction above 0 and at most 1, such as 0.5 (half of the account's API rate limit, leaving the rest to the store's other apps)",
  leadingPoint: true,
  max: 1
}

/** GitHub stops a job after 6 hours at most. */
const MAX_MINUTES = 360

export const MINUTES: NumberRule = {
  expected: `minutes above 0 and at most ${MAX_MINUTES}, such as 20 (keep it under the job's timeout-minutes)`,
  leadingPoint: true,
  max: MAX_MINUTES
}

export function parseBoolean(input: InputName, raw: string): boolean {
  // The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them.
  const text = raw.trim()
  if (['true', 'True', 'TRUE'].includes(text)) return true
  if (['false', 'False', 'FALSE'].includes(text)) return false
  throw badValue(input, raw, 'expected true or false')
}

/** The trimmed value, or an error that says how to provide it. */
export function required(input: InputName, raw: string, howToSet: string): string {
  const text = raw.trim()
  if (!text) throw new SettingsError(input, `${input}: missing; ${howToSet}`)
  return text
}

export function parseTag(input: InputName, raw: string): string {
  const text = raw.trim()
  if (!text || /[,\n]/.test(text)) {
    throw badValue(input, raw, 'expected one tag name')
  }
  return text
}

export function parsePath(raw: string, workspace: string): string | null {
  const text = raw.trim()
  if (!text) return null
  return isAbsolute(text) ? text : resolve(workspace, text)
}

export function parseDomain(raw: string): string {
  const text = required(
    'gorgias-domain',
    raw,
    'set the input (or the GORGIAS_DOMAIN environment variable) to your Gorgias subdomain, e.g. "acme" for acme.gorgias.com'
  )
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(text)) {
    const bare = /^(?:https?:\/\/)?([a-z0-9-]+)\.gorgias\.com\b/i.exec(text)?.[1]
    const hint = bare ? ` Use just "${bare}".` : ''
    const expected = `expected the bare subdomain (letters, digits and "-"), e.g. "acme" for acme.gorgias.com.${hint}`
    throw badValue('gorgias-domain', raw, expected)
  }
  return text.toLowerCase()
}

export function parseEmail(raw: string): string {
  const text = required(
    'gorgias-email',
    raw,
    'set the input (or GORGIAS_EMAIL) to the email of the Gorgias user that owns the API key'
  )
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
    const expected = 'expected the email address of a Gorgias user, e.g. support@acme.com'
    throw badValue('gorgias-email', raw, expected)
  }
  return text
}

export function parseApiUrl(raw: string, domain: string): string {
  if (!raw.trim()) return `https://${domain}.gorgias.com/api`
  const checked = checkBaseUrl(raw)
  if ('url' in checked) return checked.url
  if (checked.problem === 'credentials') {
    const fix = 'pass them as gorgias-email and gorgias-api-key'
    throw new SettingsError('api-url', `api-url: must not contain credentials; ${fix}`)
  }
  const expected: Record<Exclude<BaseUrlProblem, 'credentials'>, string> = {
    'not-a-url': `a URL such as https://${domain}.gorgias.com/api, or leave it empty`,
    scheme: 'an https:// URL (plain http is accepted only for loopback hosts such as 127.0.0.1)',
    query: 'no query or fragment'
  }
  throw badValue('api-url', raw, `expected ${expected[checked.problem]}`)
}

export function parseTicketIds(raw: string): number[] | null {
  const items = raw.split(/[,\s]+/).filter(item => item !== '')
  if (items.length === 0) return null
  const ids: number[] = []
  for (const item of items) {
    const id = Number(item.replace(/^#/, ''))
    if (!/^#?\d+$/.test(item) || !Number.isSafeInteger(id) || id < 1) {
      const expected = `expected ticket ids separated by commas, such as "1234, 5678" (the number in the ticket's URL)`
      throw badValue('ticket-ids', item, expected)
    }
    if (!ids.includes(id)) ids.push(id)
  }
  if (ids.length > MAX_TICKET_IDS) {
    throw new SettingsError(
      'ticket-ids',
      `ticket-ids: got ${ids.length} ids; at most ${MAX_TICKET_IDS} at once (leave it empty for a whole sweep)`
    )
  }
  return ids
}

const MAX_TICKET_IDS = 100
