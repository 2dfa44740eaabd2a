import { accountBusinessHours } from './accountHours.js'
import { ANSWERABLE_CHANNELS, type Settings } from './config.js'
import { AuthError } from './gorgias/errors.js'
import {
  findUserByEmail,
  getAccount,
  listIntegrations,
  searchTags,
  type GorgiasClient
} from './gorgias/client.js'
import { SettingsError } from './inputs.js'
import { resolveMessages } from './macros.js'
import type { Integration, Tag, Ticket, User } from './gorgias/types.js'

/**
 * The account check's items on the account's setup (user, rate-limit header, tags, channels, email
 * integration). `ok` verified; `info` nothing to fix (or not verifiable, said so); `warning` works,
 * probably not as intended; `problem` a run would fail or do nothing useful.
 */

export type CheckStatus = 'ok' | 'info' | 'warning' | 'problem'

/** What was checked (in a few words), what the account answered, and what to do if anything. */
export interface CheckItem {
  status: CheckStatus
  check: string
  found: string
  fix?: string
}

export type CheckClient = Pick<
  GorgiasClient,
  'getJson' | 'list' | 'listViewItems' | 'listTickets' | 'readTicket' | 'rateLimitReading' | 'stats'
>

/** The items of one check, all with the same `check` words. */
export const sayer =
  (check: string) =>
  (status: CheckStatus, found: string, fix?: string): CheckItem =>
    fix ? { status, check, found, fix } : { status, check, found }

export function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const status = (err as { status?: unknown }).status
  return typeof status === 'number' && !err.message.includes(String(status))
    ? `${err.message} (HTTP ${status})`
    : err.message
}

/** What to do, by situation. */
const FIX = {
  userUnverified:
    'make sure gorgias-email is the user who owns the API key: follow-ups are sent as that user',
  userForbidden:
    "give the key's user an admin or lead role in Gorgias (Settings > Users), or use an admin's key",
  credentials:
    'check the API key (gorgias-api-key, GORGIAS_API_KEY; Settings > REST API in Gorgias), that gorgias-email is the user who owns it, and that api-url (GORGIAS_API_URL) points at your account',
  noSuchUser:
    'set gorgias-email (GORGIAS_EMAIL) to the email of the Gorgias user who owns the API key: follow-ups are sent as that user',
  inactiveUser:
    'reactivate the user in Gorgias (Settings > Users), or use the key of an active user',
  noHeader: (share: number) =>
    `the action then paces itself at the documented 40 requests per 20 s without seeing what the store's other apps use; if runs meet many 429s, lower rate-limit-share (now ${share})`,
  tagUnconfirmed: 'check the name against Settings > Tags in Gorgias',
  integrationsRefused:
    "give the key's user the permission to read integrations, or use an admin's key",
  integrationsUnlisted:
    'check in Gorgias (Settings > Channels > Email) that the support mailbox is connected',
  noMailbox:
    'connect or reactivate the support mailbox in Gorgias (Settings > Channels > Email), or remove email from channels',
  accountUnread: 'run the check again; a run that cannot read it stops before any write',
  accountHours:
    "set the account's business hours in Gorgias (Settings > Business hours), or write them in business-hours",
  macro:
    'fix the macro in Gorgias (Settings > Macros), or name another: a run stops on it before any write'
}

/** 1. The credentials and the API user; the error when the credentials were refused. */
export async function checkUser(
  client: CheckClient,
  settings: Settings
): Promise<[CheckItem, AuthError | null]> {
  const say = sayer('Credentials, API user (GET /api/users)')
  const { email } = settings
  const host = new URL(settings.apiUrl).host
  let user: User | null
  try {
    user = await findUserByEmail(client, email)
  } catch (err) {
    if (!(err instanceof AuthError)) {
      // Not verified, not refused either: the checks below show whether the key works.
      const found = `${host}: the users could not be listed, so the API user was not verified: ${reason(err)}`
      return [say('warning', found, FIX.userUnverified), null]
    }
    if (err.status === 403) {
      const found = `${host} refused ${email} the list of users (HTTP 403): the key's user lacks a permission`
      return [say('problem', found, FIX.userForbidden), null]
    }
    const found = `${host} rejected the credentials of ${email} (HTTP ${err.status ?? 401}); nothing else was checked`
    return [say('problem', found, FIX.credentials), err]
  }
  if (user === null) {
    const found = `${host} accepted the key, but no user of the account has the email ${email}`
    return [say('problem', found, FIX.noSuchUser), null]
  }
  if (user.active === false) {
    return [say('problem', `${email} is a deactivated user of ${host}`, FIX.inactiveUser), null]
  }
  const joined = [user.firstname, user.lastname]
    .filter(p => typeof p === 'string' && p.trim())
    .join(' ')
  const name = (typeof user.name === 'string' && user.name.trim()) || joined || user.email
  const found = `${host} accepted the key of ${email}; follow-ups are sent as "${name}" (user ${user.id})`
  return [say('ok', found), null]
}

/** 2. The rate-limit header the pacing reads. */
export function checkRateLimitHeader(client: CheckClient, settings: Settings): CheckItem {
  const say = sayer('Rate-limit header')
  const reading = client.rateLimitReading()
  const { rateLimitShare } = settings
  if (reading === null) {
    const found = 'the answers carry no readable X-Gorgias-Account-Api-Call-Limit header'
    return say('warning', found, FIX.noHeader(rateLimitShare))
  }
  const { used, limit } = reading
  const share = Math.max(1, Math.floor(limit * rateLimitShare))
  return say(
    'ok',
    `X-Gorgias-Account-Api-Call-Limit: ${used}/${limit} used in the current window; the sweep fills at most ${share} of ${limit} (rate-limit-share ${rateLimitShare})`
  )
}

type TagInput = 'exclude-tags' | 'only-tags' | 'follow-up-tag' | 'closed-tag'

/** The comma-separated list a space-separated value probably meant, e.g. "vip,escalated". */
export function commaListFor(name: string): string | null {
  const words = name.trim().split(/\s+/)
  return words.length > 1 ? words.join(',') : null
}

/** 5. Each configured tag once (any case), under the input that named it first. */
export async function checkTags(
  client: CheckClient,
  settings: Settings,
  scope: 'full' | 'tags'
): Promise<CheckItem[]> {
  const named: Array<[TagInput, string[]]> = [
    ['exclude-tags', settings.excludeTags],
    ['only-tags', settings.onlyTags],
    ['follow-up-tag', scope === 'full' ? [settings.followUpTag] : []],
    ['closed-tag', scope === 'full' ? [settings.closedTag] : []]
  ]
  const seen = new Set<string>()
  const items: CheckItem[] = []
  for (const [input, names] of named) {
    for (const name of names) {
      if (seen.has(name.toLowerCase())) continue
      seen.add(name.toLowerCase())
      items.push(await checkTag(client, settings, input, name))
    }
  }
  return items
}

async function checkTag(
  client: CheckClient,
  settings: Settings,
  input: TagInput,
  name: string
): Promise<CheckItem> {
  const say = sayer(`${input} "${name}" (GET /api/tags?search=)`)
  // Names are case-sensitive (gorgias-api.md): the action's own tags match exactly; the tags that
  // select tickets (exclude-tags, only-tags) match in any case, as the sweep compares them.
  const own = input === 'follow-up-tag' || input === 'closed-tag'
  const lower = name.toLowerCase()
  const match = (t: Tag) =>
    typeof t?.name === 'string' && (own ? t.name === name : t.name.toLowerCase() === lower)
  let search: Awaited<ReturnType<typeof searchTags>>
  try {
    search = await searchTags(client, name, match)
  } catch (err) {
    // Refused credentials stop a run here, at its first request, as they would anywhere else.
    if (err instanceof AuthError && err.status === 401) throw err
    return say('warning', `the tags could not be searched: ${reason(err)}`, 'run the check again')
  }
  if (search.found) return say('ok', `"${name}" is a tag of the account`)
  if (!search.complete) {
    const found = `not among the first ${search.seen} tags whose name contains "${name}": could not confirm it exists`
    return say('warning', found, FIX.tagUnconfirmed)
  }
  if (own) {
    const first = input === 'follow-up-tag' ? 'follow-up' : 'close'
    return say(
      'info',
      `"${name}" is not on the account yet: the action adds it by name with the first ${first} (expected before the first real run)`
    )
  }
  const list = commaListFor(name)
  const fix = list
    ? `Tag names may contain spaces, so "${name}" is read as one tag; if you meant several, separate them with commas: ${input}: ${list}`
    : `check the spelling against Settings > Tags in Gorgias, or remove it from ${input}`
  const missing = `no tag named "${name}" on the account: `
  if (input === 'exclude-tags') return say('warning', `${missing}no ticket is protected by it`, fix)
  const effect =
    settings.onlyTags.length === 1
      ? 'no ticket carries it, so nothing would be handled'
      : 'no ticket is handled because of it'
  return say('warning', missing + effect, fix)
}

/** 6. The channels of the open tickets listed, against `channels`. */
export function checkChannels(settings: Settings, open: Ticket[] | null): CheckItem {
  const say = sayer('Channels of open tickets')
  const configured = settings.channels.join(', ')
  if (!open?.length) {
    const found = `no open ticket was listed, so the channels were not compared (channels is ${configured})`
    return say('info', found)
  }
  const byChannel = new Map<string, number>()
  for (const t of open) {
    const channel = typeof t.channel === 'string' && t.channel ? t.channel.toLowerCase() : '(none)'
    byChannel.set(channel, (byChannel.get(channel) ?? 0) + 1)
  }
  const others = [...byChannel]
    .filter(([channel]) => !settings.channels.includes(channel))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const handled = open.length - others.reduce((sum, [, n]) => sum + n, 0)
  const sample = `of the ${open.length} open tickets on the first page`
  if (others.length === 0) {
    return say('ok', `all ${sample} are on handled channels (${configured})`)
  }
  const notHandled = others.map(([c, n]) => `${n} ${c}`).join(', ')
  const verb = others.length === 1 && others[0]![1] === 1 ? 'is' : 'are'
  const found = `${sample}, ${handled} are handled; ${notHandled} ${verb} not handled: channels is ${configured}`
  const answerable = (c: string): boolean => (ANSWERABLE_CHANNELS as readonly string[]).includes(c)
  const can = others.map(([c]) => c).filter(answerable)
  const cannot = others.map(([c]) => c).filter(c => !answerable(c))
  const advice = [
    ...(can.length > 0 ? [`add ${can.join(', ')} to channels to follow up there too`] : []),
    ...(cannot.length > 0 ? [`this action cannot answer ${cannot.join(', ')}`] : [])
  ].join('; ')
  return handled === 0
    ? say('warning', `${found}: none would get a follow-up`, advice)
    : say('info', found, `nothing to do if that is intended; ${advice}`)
}

const EMAIL_TYPES = ['email', 'gmail', 'outlook']

/** 7. An email integration a follow-up can go out from. */
export async function checkEmailIntegration(
  client: CheckClient,
  settings: Settings
): Promise<CheckItem> {
  const say = sayer('Email integration (GET /api/integrations)')
  if (!settings.channels.includes('email')) {
    return say('info', `not checked: channels (${settings.channels.join(', ')}) has no email`)
  }
  let integrations: Integration[]
  try {
    integrations = await listIntegrations(client)
  } catch (err) {
    if (err instanceof AuthError) {
      const found = `the integrations were refused (HTTP ${err.status}): ${reason(err)}`
      return say('problem', found, FIX.integrationsRefused)
    }
    // Not verified: said as such, and each follow-up still replies from the agent's own address.
    const found = `the integrations could not be listed, so no sending address was verified: ${reason(err)}`
    return say('warning', found, FIX.integrationsUnlisted)
  }
  const email = integrations.filter(i => EMAIL_TYPES.includes(String(i?.type).toLowerCase()))
  const address = (i: Integration): string | null =>
    typeof i.meta?.address === 'string' && i.meta.address.trim() ? i.meta.address.trim() : null
  const usable = email.filter(i => !i.deactivated_datetime && address(i) !== null)
  if (usable.length === 0) {
    const found =
      email.length === 0
        ? 'the account has no email, gmail or outlook integration: an email follow-up has no address to come from'
        : `the account's ${email.length} email integration${email.length === 1 ? ' is' : 's are'} deactivated or without an address (${email.length})`
    return say('problem', found, FIX.noMailbox)
  }
  const first = usable[0]!
  const more = usable.length > 1 ? ` and ${usable.length - 1} more` : ''
  const named = first.name ? `, "${first.name}"` : ''
  const found = `${address(first)} (${first.type} integration ${first.id}${named})${more}; each follow-up goes out from the address of the agent's last reply`
  return say('ok', found)
}

/** 8. What the settings read from the account before a run's first write: hours and macros. */
export async function checkFromAccount(
  client: CheckClient,
  settings: Settings
): Promise<CheckItem[]> {
  const items: CheckItem[] = []
  const given = settings.accountBusinessHours
  if (given) {
    const say = sayer('business-hours: gorgias (GET /api/account)')
    try {
      const hours = accountBusinessHours(await getAccount(client), given)
      items.push(say('ok', `the account's business hours: ${hours.describe}`))
    } catch (err) {
      items.push(unread(err, say, FIX.accountHours))
    }
  }
  const refs = Object.values(settings.messages.byLanguage).flatMap(t =>
    Object.values(t.macros ?? {})
  )
  if (refs.length === 0) return items
  const macroCheck = (input: string, name: string) => sayer(`${input} "${name}" (GET /api/macros)`)
  try {
    const { macros: uses = [] } = await resolveMessages(client, settings.messages, settings.email)
    for (const use of uses) {
      const ids = use.macros.map(m => `#${m.id}${m.language ? ` ${m.language}` : ''}`).join(', ')
      const ignored = use.ignoredActions.length ? use.ignoredActions.join(', ') : 'none'
      items.push(macroCheck(use.input, use.name)('ok', `${ids}; not applied: ${ignored}`))
    }
  } catch (err) {
    const ref = refs.find(r => err instanceof SettingsError && r.input === err.input) ?? refs[0]!
    items.push(unread(err, macroCheck(ref.input, String(ref.name ?? ref.id)), FIX.macro))
  }
  return items
}

/** The item of a read that failed: refused settings are a problem; 401 stops, as anywhere. */
function unread(err: unknown, say: ReturnType<typeof sayer>, fix: string): CheckItem {
  if (err instanceof AuthError && err.status === 401) throw err
  if (err instanceof SettingsError || err instanceof AuthError)
    return say('problem', reason(err), fix)
  return say('warning', `could not be read: ${reason(err)}`, FIX.accountUnread)
}
