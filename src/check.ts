import { ANSWERABLE_CHANNELS, type Settings } from './config.js'
import { AuthError, NotFoundError, ValidationError, ViewUnusableError } from './gorgias/errors.js'
import {
  PAGE_LIMIT,
  findUserByEmail,
  listIntegrations,
  searchTags,
  type GorgiasClient
} from './gorgias/client.js'
import type { Integration, Tag, Ticket, User } from './gorgias/types.js'
import { OPEN_TICKETS_VIEW } from './sweep/listing.js'

/**
 * The account check (preflight): a few read-only requests (read methods only) that show, before
 * anything is sent, whether this account and these settings will work, as a checklist. Statuses:
 * `ok` verified; `info` nothing to fix (or not verifiable, said so); `warning` works, probably not
 * as intended; `problem` a run would fail or do nothing useful.
 */

export type CheckStatus = 'ok' | 'info' | 'warning' | 'problem'

/** What was checked (in a few words), what the account answered, and what to do if anything. */
interface CheckItem {
  status: CheckStatus
  check: string
  found: string
  fix?: string
}

/**
 * `host`: the API host asked (acme.gorgias.com); `scope`: the whole checklist, or the tag check of
 * a real run only; `requests`: sent for the check, retries included; `refused`: the credentials
 * were refused (HTTP 401), so the other checks were not made.
 */
export interface Checklist {
  host: string
  email: string
  scope: 'full' | 'tags'
  items: CheckItem[]
  requests: number
  refused: AuthError | null
}

type CheckClient = Pick<
  GorgiasClient,
  'list' | 'listViewItems' | 'listTickets' | 'readTicket' | 'rateLimitReading' | 'stats'
>

/** The items of one check, all with the same `check` words. */
type Say = (status: CheckStatus, found: string, fix?: string) => CheckItem
const sayer =
  (check: string): Say =>
  (status, found, fix) => ({ status, check, found, ...(fix ? { fix } : {}) })

const AGAIN = 'run the check again; if it persists, the sweep will fail the same way'

/** The items `fill` pushes, with the requests they took; `fill` answers refused credentials. */
async function checklist(
  client: CheckClient,
  settings: Settings,
  scope: Checklist['scope'],
  fill: (items: CheckItem[]) => Promise<AuthError | null>
): Promise<Checklist> {
  const start = client.stats().total
  const items: CheckItem[] = []
  const refused = await fill(items)
  const requests = client.stats().total - start
  const host = new URL(settings.apiUrl).host
  return { host, email: settings.email, scope, items, requests, refused }
}

/** The whole checklist, in the order a rollout meets its failures. */
export function checkAccount(client: CheckClient, settings: Settings): Promise<Checklist> {
  return checklist(client, settings, 'full', async items => {
    const [user, refused] = await checkUser(client, settings)
    items.push(user)
    if (refused) return refused
    items.push(checkRateLimitHeader(client, settings))
    const [listing, open] = await checkOpenTickets(client, settings)
    items.push(listing, await checkTicketRead(client, open))
    items.push(...(await checkTags(client, settings, 'full')), checkChannels(settings, open))
    items.push(await checkEmailIntegration(client, settings))
    return null
  })
}

/** A real run's tag check before any write: exclude-tags and only-tags, warnings only. */
export function checkRunTags(client: CheckClient, settings: Settings): Promise<Checklist> {
  return checklist(client, settings, 'tags', async items => {
    items.push(...(await checkTags(client, settings, 'tags')).filter(i => i.status === 'warning'))
    return null
  })
}

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const status = (err as { status?: unknown }).status
  return typeof status === 'number' && !err.message.includes(String(status))
    ? `${err.message} (HTTP ${status})`
    : err.message
}

/** 1. The credentials and the API user; the error when the credentials were refused. */
async function checkUser(
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
      return [say('warning', `${host}: the users could not be listed, so the API user was not verified: ${reason(err)}`, 'make sure gorgias-email is the user who owns the API key: follow-ups are sent as that user'), null] // prettier-ignore
    }
    if (err.status === 403) {
      return [say('problem', `${host} refused ${email} the list of users (HTTP 403): the key's user lacks a permission`, "give the key's user an admin or lead role in Gorgias (Settings > Users), or use an admin's key"), null] // prettier-ignore
    }
    return [say('problem', `${host} rejected the credentials of ${email} (HTTP ${err.status ?? 401}); nothing else was checked`, 'check the API key (gorgias-api-key, GORGIAS_API_KEY; Settings > REST API in Gorgias), that gorgias-email is the user who owns it, and that api-url (GORGIAS_API_URL) points at your account'), err] // prettier-ignore
  }
  if (user === null) {
    return [say('problem', `${host} accepted the key, but no user of the account has the email ${email}`, 'set gorgias-email (GORGIAS_EMAIL) to the email of the Gorgias user who owns the API key: follow-ups are sent as that user'), null] // prettier-ignore
  }
  if (user.active === false) {
    return [say('problem', `${email} is a deactivated user of ${host}`, 'reactivate the user in Gorgias (Settings > Users), or use the key of an active user'), null] // prettier-ignore
  }
  return [say('ok', `${host} accepted the key of ${email}; follow-ups are sent as "${userName(user)}" (user ${user.id})`), null] // prettier-ignore
}

function userName(user: User): string {
  const joined = [user.firstname, user.lastname]
    .filter(p => typeof p === 'string' && p.trim())
    .join(' ')
  return (typeof user.name === 'string' && user.name.trim()) || joined || user.email
}

/** 2. The rate-limit header the pacing reads. */
function checkRateLimitHeader(client: CheckClient, settings: Settings): CheckItem {
  const say = sayer('Rate-limit header')
  const reading = client.rateLimitReading()
  if (reading === null) {
    return say('warning', 'the answers carry no readable X-Gorgias-Account-Api-Call-Limit header', `the action then paces itself at the documented 40 requests per 20 s without seeing what the store's other apps use; if runs meet many 429s, lower rate-limit-share (now ${settings.rateLimitShare})`) // prettier-ignore
  }
  const share = Math.max(1, Math.floor(reading.limit * settings.rateLimitShare))
  return say('ok', `X-Gorgias-Account-Api-Call-Limit: ${reading.used}/${reading.limit} used in the current window; the sweep fills at most ${share} of ${reading.limit} (rate-limit-share ${settings.rateLimitShare})`) // prettier-ignore
}

/** The listing's item, and the open tickets of its first page (the sample the next checks use; null: none read). */
type Listed = [item: CheckItem, open: Ticket[] | null]

const isOpen = (t: Ticket): boolean => t?.status === 'open' && !t.trashed_datetime

/** The first two pages of the listing the sweep uses: the ad-hoc view, or the saved view-id. */
async function firstPages(pages: AsyncIterable<Ticket[]>): Promise<Ticket[][]> {
  const got: Ticket[][] = []
  for await (const page of pages) {
    got.push(page)
    if (got.length === 2) break
  }
  return got
}

function pagesFound(pages: Ticket[][], what: string) {
  const first = pages[0] ?? []
  const open = first.filter(isOpen)
  const notOpen = first.length - open.length
  const openWords =
    first.length === 0
      ? 'no ticket'
      : `${first.length} tickets, ${notOpen === 0 ? 'all open' : `${notOpen} of them not open`}`
  const second =
    pages.length === 2
      ? `; the second page it named came through (${pages[1]!.length} tickets)`
      : '; it named no second page (nothing more to list, so paging was not exercised)'
  return { found: `${what}: first page ${openWords}${second}`, listed: first.length, open, notOpen }
}

/** 3. The open-tickets listing a sweep starts with. */
async function checkOpenTickets(client: CheckClient, settings: Settings): Promise<Listed> {
  if (settings.viewId !== null) return checkSavedView(client, settings, settings.viewId)
  const say = sayer('Open-tickets view (PUT /api/views/0/items)')
  let pages: Ticket[][]
  try {
    pages = await firstPages(client.listViewItems(OPEN_TICKETS_VIEW))
  } catch (err) {
    if (!(err instanceof ViewUnusableError)) {
      return [say('problem', `the view query failed: ${reason(err)}`, AGAIN), null]
    }
    const why =
      err.status === undefined || err.status === 200
        ? `answered something this action cannot trust (${err.message})`
        : `was refused (HTTP ${err.status})`
    const fallback = await latestOpen(client)
    return [say('warning', `the open-tickets view query ${why}; the sweep falls back to listing every untrashed ticket`, 'that works but costs more requests on a large account: create a saved view of open tickets in Gorgias and set view-id to its id (the number in its URL)'), fallback] // prettier-ignore
  }
  const { found, listed, open, notOpen } = pagesFound(pages, 'the open-tickets view answered')
  if (listed === 0) {
    const latest = await latestOpen(client)
    if (latest?.length) {
      return [say('warning', `the open-tickets view answered no ticket, yet the latest tickets include ${latest.length} open ones; the sweep notices this and lists every untrashed ticket instead`, 'that works but costs more requests: create a saved view of open tickets in Gorgias and set view-id to its id'), latest] // prettier-ignore
    }
    // Only the newest page was looked at: no proof there is none, so not an ok (the sweep pages on).
    return [say('info', `${found}; the 100 most recently updated tickets hold no open one either (a sweep pages the whole ticket list before it believes there is none)`), []] // prettier-ignore
  }
  if (notOpen === 0) return [say('ok', found), open]
  return [say('warning', `${found}: the view's status filter was not applied`, 'the sweep still decides on each ticket itself, but reads more; set view-id to a saved view of open tickets'), open] // prettier-ignore
}

async function checkSavedView(
  client: CheckClient,
  settings: Settings,
  viewId: number
): Promise<Listed> {
  const say = sayer(`view-id ${viewId} (GET /api/tickets?view_id=)`)
  try {
    const pages = await firstPages(client.listTickets({ viewId }))
    const { found, open, notOpen } = pagesFound(pages, `view ${viewId} answered`)
    if (notOpen === 0) return [say('ok', found), open]
    return [say('warning', found, `the sweep reads every ticket the view lists; filter view ${viewId} on status open in Gorgias so that it lists open tickets only`), open] // prettier-ignore
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ValidationError) {
      return [say('problem', `Gorgias has no view ${viewId} on ${settings.domain} (HTTP ${err.status}): a sweep would stop here`, "set view-id to the number in the view's URL, or leave it empty to list open tickets"), null] // prettier-ignore
    }
    return [say('problem', `listing view ${viewId} failed: ${reason(err)}`, AGAIN), null]
  }
}

/** The open tickets among the latest updated ones (one page), or null when they cannot be listed. */
async function latestOpen(client: CheckClient): Promise<Ticket[] | null> {
  try {
    for await (const page of client.listTickets({ orderBy: 'updated_datetime:desc' })) {
      return page.filter(isOpen)
    }
    return []
  } catch {
    return null
  }
}

/** 4. One ticket's read, the way every ticket is read before anything is done to it. */
async function checkTicketRead(client: CheckClient, open: Ticket[] | null): Promise<CheckItem> {
  const say = sayer("One ticket's read (GET /api/tickets/{id})")
  const ticket = open?.find(t => Number.isSafeInteger(t?.id) && t.id > 0)
  if (!ticket) return say('info', 'no open ticket was listed, so no read was tried: not verified')
  const pagedBefore = client.stats().requests['list-messages']
  try {
    const { messages } = await client.readTicket(ticket.id)
    const paged = client.stats().requests['list-messages'] - pagedBefore
    return say(
      'ok',
      paged === 0
        ? `ticket ${ticket.id}: the read embedded its ${messages.length} messages (one request per ticket)`
        : `ticket ${ticket.id}: the read did not embed all its messages; GET /api/messages?ticket_id= gave ${messages.length} (${paged} more request${paged === 1 ? '' : 's'} per such ticket)`
    )
  } catch (err) {
    return say('problem', `ticket ${ticket.id} could not be read: ${reason(err)}`, "every ticket is read this way before anything is done to it: check the key's permissions (read tickets and messages)") // prettier-ignore
  }
}

type TagInput = 'exclude-tags' | 'only-tags' | 'follow-up-tag' | 'closed-tag'

/** The comma-separated list a space-separated value probably meant, e.g. "vip,escalated". */
export function commaListFor(name: string): string | null {
  const words = name.trim().split(/\s+/)
  return words.length > 1 ? words.join(',') : null
}

/** 5. Each configured tag once (any case), under the input that named it first. */
async function checkTags(
  client: CheckClient,
  settings: Settings,
  scope: Checklist['scope']
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
  let tags: Tag[]
  try {
    tags = await searchTags(client, name)
  } catch (err) {
    // Refused credentials stop a run here, at its first request, as they would anywhere else.
    if (err instanceof AuthError && err.status === 401) throw err
    return say('warning', `the tags could not be searched: ${reason(err)}`, 'run the check again')
  }
  const lower = name.toLowerCase()
  if (tags.some(t => typeof t?.name === 'string' && t.name.toLowerCase() === lower)) {
    return say('ok', `"${name}" is a tag of the account`)
  }
  if (tags.length >= PAGE_LIMIT) {
    return say('warning', `not among the first 100 tags whose name contains "${name}": could not confirm it exists`, 'check the name against Settings > Tags in Gorgias') // prettier-ignore
  }
  if (input === 'follow-up-tag' || input === 'closed-tag') {
    return say('info', `"${name}" is not on the account yet: the action adds it by name with the first ${input === 'follow-up-tag' ? 'follow-up' : 'close'} (expected before the first real run)`) // prettier-ignore
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
function checkChannels(settings: Settings, open: Ticket[] | null): CheckItem {
  const say = sayer('Channels of open tickets')
  const configured = settings.channels.join(', ')
  if (!open?.length) {
    return say('info', `no open ticket was listed, so the channels were not compared (channels is ${configured})`) // prettier-ignore
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
  const channels = others.map(([c]) => c)
  const can = channels.filter(answerable)
  const cannot = channels.filter(c => !answerable(c))
  const advice = [
    can.length > 0 ? `add ${can.join(', ')} to channels to follow up there too` : '',
    cannot.length > 0 ? `this action cannot answer ${cannot.join(', ')}` : ''
  ]
    .filter(Boolean)
    .join('; ')
  return handled === 0
    ? say('warning', `${found}: none would get a follow-up`, advice)
    : say('info', found, `nothing to do if that is intended; ${advice}`)
}

const EMAIL_TYPES = ['email', 'gmail', 'outlook']

/** 7. An email integration a follow-up can go out from. */
async function checkEmailIntegration(client: CheckClient, settings: Settings): Promise<CheckItem> {
  const say = sayer('Email integration (GET /api/integrations)')
  if (!settings.channels.includes('email')) {
    return say('info', `not checked: channels (${settings.channels.join(', ')}) has no email`)
  }
  let integrations: Integration[]
  try {
    integrations = await listIntegrations(client)
  } catch (err) {
    if (err instanceof AuthError) {
      return say('problem', `the integrations were refused (HTTP ${err.status}): ${reason(err)}`, "give the key's user the permission to read integrations, or use an admin's key") // prettier-ignore
    }
    // Not verified: said as such, and each follow-up still replies from the agent's own address.
    return say('warning', `the integrations could not be listed, so no sending address was verified: ${reason(err)}`, 'check in Gorgias (Settings > Channels > Email) that the support mailbox is connected') // prettier-ignore
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
    return say('problem', found, 'connect or reactivate the support mailbox in Gorgias (Settings > Channels > Email), or remove email from channels') // prettier-ignore
  }
  const first = usable[0]!
  const more = usable.length > 1 ? ` and ${usable.length - 1} more` : ''
  return say('ok', `${address(first)} (${first.type} integration ${first.id}${first.name ? `, "${first.name}"` : ''})${more}; each follow-up goes out from the address of the agent's last reply`) // prettier-ignore
}
