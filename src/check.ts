import { ANSWERABLE_CHANNELS, type Settings } from './config.js'
import { AuthError, NotFoundError, ValidationError, ViewUnusableError } from './gorgias/errors.js'
import {
  PAGE_LIMIT,
  findUserByEmail,
  listIntegrations,
  searchTags,
  type GorgiasClient
} from './gorgias/client.js'
import type { Integration, Ticket } from './gorgias/types.js'
import { OPEN_TICKETS_VIEW } from './sweep/listing.js'

/**
 * The account check (preflight): a few read-only requests that show, before anything is sent,
 * whether this account and these settings will work, as a checklist. Each item says what it
 * verified, what it found and what to do. It never writes: it calls read methods only.
 *
 * Statuses: `ok` verified and fine; `info` nothing to fix (or nothing could be verified, said so);
 * `warning` works, but probably not as intended; `problem` a run would fail or do nothing useful.
 */

export type CheckStatus = 'ok' | 'info' | 'warning' | 'problem'

export interface CheckItem {
  status: CheckStatus
  /** What was checked, in a few words. */
  check: string
  /** What the account answered. */
  found: string
  /** What to do, when there is something to do. */
  fix?: string
}

export interface Checklist {
  /** The API host asked, e.g. acme.gorgias.com. */
  host: string
  email: string
  /** `full`: the whole checklist; `tags`: the tag check of a real run only. */
  scope: 'full' | 'tags'
  items: CheckItem[]
  /** Requests sent for the check (retries included). */
  requests: number
  /** The credentials were refused (HTTP 401): the other checks were not made. */
  refused: AuthError | null
}

export type CheckClient = Pick<
  GorgiasClient,
  'list' | 'listViewItems' | 'listTickets' | 'readTicket' | 'rateLimitReading' | 'stats'
>

function apiHost(settings: Pick<Settings, 'apiUrl'>): string {
  return new URL(settings.apiUrl).host
}

/** The whole checklist, in the order a rollout meets its failures. */
export async function checkAccount(client: CheckClient, settings: Settings): Promise<Checklist> {
  const start = client.stats().total
  const host = apiHost(settings)
  const items: CheckItem[] = []
  const done = (refused: AuthError | null): Checklist => ({
    host,
    email: settings.email,
    scope: 'full',
    items,
    requests: client.stats().total - start,
    refused
  })

  const user = await checkUser(client, settings, host)
  items.push(user.item)
  if (user.refused) return done(user.refused)
  items.push(checkRateLimitHeader(client, settings))
  const listing = await checkOpenTickets(client, settings)
  items.push(listing.item)
  items.push(await checkTicketRead(client, listing.open))
  items.push(...(await checkTags(client, settings, 'full')))
  items.push(checkChannels(settings, listing.open))
  items.push(await checkEmailIntegration(client, settings))
  return done(null)
}

/**
 * The tag check a real run makes before any write: only the tags that decide which tickets are
 * left alone or handled (exclude-tags, only-tags), one request each, warnings only.
 */
export async function checkRunTags(client: CheckClient, settings: Settings): Promise<Checklist> {
  const start = client.stats().total
  const items = (await checkTags(client, settings, 'tags')).filter(i => i.status === 'warning')
  return {
    host: apiHost(settings),
    email: settings.email,
    scope: 'tags',
    items,
    requests: client.stats().total - start,
    refused: null
  }
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: unknown }).status
    return typeof status === 'number' && !err.message.includes(String(status))
      ? `${err.message} (HTTP ${status})`
      : err.message
  }
  return String(err)
}

// ------------------------------------------------------------------ 1. credentials, API user

async function checkUser(
  client: CheckClient,
  settings: Settings,
  host: string
): Promise<{ item: CheckItem; refused: AuthError | null }> {
  const check = 'Credentials, API user (GET /api/users)'
  try {
    const user = await findUserByEmail(client, settings.email)
    if (user === null) {
      return {
        refused: null,
        item: {
          status: 'problem',
          check,
          found: `${host} accepted the key, but no user of the account has the email ${settings.email}`,
          fix: 'set gorgias-email (GORGIAS_EMAIL) to the email of the Gorgias user who owns the API key: follow-ups are sent as that user'
        }
      }
    }
    const name = userName(user)
    if (user.active === false) {
      return {
        refused: null,
        item: {
          status: 'problem',
          check,
          found: `${settings.email} is a deactivated user of ${host}`,
          fix: 'reactivate the user in Gorgias (Settings > Users), or use the key of an active user'
        }
      }
    }
    return {
      refused: null,
      item: {
        status: 'ok',
        check,
        found: `${host} accepted the key of ${settings.email}; follow-ups are sent as "${name}" (user ${user.id})`
      }
    }
  } catch (err) {
    if (err instanceof AuthError) {
      const refused = err.status !== 403
      return {
        refused: refused ? err : null,
        item: {
          status: 'problem',
          check,
          found: refused
            ? `${host} rejected the credentials of ${settings.email} (HTTP ${err.status ?? 401}); nothing else was checked`
            : `${host} refused ${settings.email} the list of users (HTTP 403): the key's user lacks a permission`,
          fix: refused
            ? 'check the API key (gorgias-api-key, GORGIAS_API_KEY; Settings > REST API in Gorgias), that gorgias-email is the user who owns it, and that api-url (GORGIAS_API_URL) points at your account'
            : "give the key's user an admin or lead role in Gorgias (Settings > Users), or use an admin's key"
        }
      }
    }
    // Not verified, not refused either: the checks below show whether the key works.
    return {
      refused: null,
      item: {
        status: 'warning',
        check,
        found: `${host}: the users could not be listed, so the API user was not verified: ${reason(err)}`,
        fix: 'make sure gorgias-email is the user who owns the API key: follow-ups are sent as that user'
      }
    }
  }
}

function userName(user: {
  firstname?: string | null
  lastname?: string | null
  name?: string | null
  email: string
}): string {
  const joined = [user.firstname, user.lastname]
    .filter(p => typeof p === 'string' && p.trim())
    .join(' ')
  return (typeof user.name === 'string' && user.name.trim()) || joined || user.email
}

// ------------------------------------------------------------------ 2. rate-limit header

function checkRateLimitHeader(client: CheckClient, settings: Settings): CheckItem {
  const check = 'Rate-limit header'
  const reading = client.rateLimitReading()
  if (reading === null) {
    return {
      status: 'warning',
      check,
      found: 'the answers carry no readable X-Gorgias-Account-Api-Call-Limit header',
      fix: `the action then paces itself at the documented 40 requests per 20 s without seeing what the store's other apps use; if runs meet many 429s, lower rate-limit-share (now ${settings.rateLimitShare})`
    }
  }
  const share = Math.max(1, Math.floor(reading.limit * settings.rateLimitShare))
  return {
    status: 'ok',
    check,
    found: `X-Gorgias-Account-Api-Call-Limit: ${reading.used}/${reading.limit} used in the current window; the sweep fills at most ${share} of ${reading.limit} (rate-limit-share ${settings.rateLimitShare})`
  }
}

// ------------------------------------------------------------------ 3. open-tickets listing

interface OpenTickets {
  item: CheckItem
  /** The open tickets of the first page listed (the sample the next checks use); null: none read. */
  open: Ticket[] | null
}

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

function pagesFound(pages: Ticket[][], what: string): { found: string; notOpen: number } {
  const first = pages[0] ?? []
  const notOpen = first.filter(t => !isOpen(t)).length
  const openWords =
    first.length === 0
      ? 'no ticket'
      : notOpen === 0
        ? `${first.length} tickets, all open`
        : `${first.length} tickets, ${notOpen} of them not open`
  const second =
    pages.length === 2
      ? `; the second page it named came through (${pages[1]!.length} tickets)`
      : '; it named no second page (nothing more to list, so paging was not exercised)'
  return { found: `${what}: first page ${openWords}${second}`, notOpen }
}

async function checkOpenTickets(client: CheckClient, settings: Settings): Promise<OpenTickets> {
  if (settings.viewId !== null) return checkSavedView(client, settings, settings.viewId)
  const check = 'Open-tickets view (PUT /api/views/0/items)'
  let pages: Ticket[][]
  try {
    pages = await firstPages(client.listViewItems(OPEN_TICKETS_VIEW))
  } catch (err) {
    if (!(err instanceof ViewUnusableError)) {
      return { item: { status: 'problem', check, found: `the view query failed: ${reason(err)}`, fix: 'run the check again; if it persists, the sweep will fail the same way' }, open: null } // prettier-ignore
    }
    const why =
      err.status === undefined || err.status === 200
        ? `answered something this action cannot trust (${err.message})`
        : `was refused (HTTP ${err.status})`
    const fallback = await latestOpen(client)
    return {
      item: {
        status: 'warning',
        check,
        found: `the open-tickets view query ${why}; the sweep falls back to listing every untrashed ticket`,
        fix: 'that works but costs more requests on a large account: create a saved view of open tickets in Gorgias and set view-id to its id (the number in its URL)'
      },
      open: fallback
    }
  }
  const { found, notOpen } = pagesFound(pages, 'the open-tickets view answered')
  const first = pages[0] ?? []
  if (first.length === 0) {
    const latest = await latestOpen(client)
    if (latest !== null && latest.length > 0) {
      return {
        item: {
          status: 'warning',
          check,
          found: `the open-tickets view answered no ticket, yet the latest tickets include ${latest.length} open ones; the sweep notices this and lists every untrashed ticket instead`,
          fix: 'that works but costs more requests: create a saved view of open tickets in Gorgias and set view-id to its id'
        },
        open: latest
      }
    }
    // Only the newest page was looked at: no proof there is none, so not an ok (the sweep pages on).
    return { item: { status: 'info', check, found: `${found}; the 100 most recently updated tickets hold no open one either (a sweep pages the whole ticket list before it believes there is none)` }, open: [] } // prettier-ignore
  }
  if (notOpen > 0) {
    return {
      item: {
        status: 'warning',
        check,
        found: `${found}: the view's status filter was not applied`,
        fix: 'the sweep still decides on each ticket itself, but reads more; set view-id to a saved view of open tickets'
      },
      open: first.filter(isOpen)
    }
  }
  return { item: { status: 'ok', check, found }, open: first }
}

async function checkSavedView(
  client: CheckClient,
  settings: Settings,
  viewId: number
): Promise<OpenTickets> {
  const check = `view-id ${viewId} (GET /api/tickets?view_id=)`
  try {
    const pages = await firstPages(client.listTickets({ viewId }))
    const { found, notOpen } = pagesFound(pages, `view ${viewId} answered`)
    const first = pages[0] ?? []
    if (notOpen > 0) {
      return {
        item: {
          status: 'warning',
          check,
          found,
          fix: `the sweep reads every ticket the view lists; filter view ${viewId} on status open in Gorgias so that it lists open tickets only`
        },
        open: first.filter(isOpen)
      }
    }
    return { item: { status: 'ok', check, found }, open: first }
  } catch (err) {
    const missing = err instanceof NotFoundError || err instanceof ValidationError
    return {
      item: {
        status: 'problem',
        check,
        found: missing
          ? `Gorgias has no view ${viewId} on ${settings.domain} (HTTP ${err.status}): a sweep would stop here`
          : `listing view ${viewId} failed: ${reason(err)}`,
        fix: missing
          ? "set view-id to the number in the view's URL, or leave it empty to list open tickets"
          : 'run the check again; if it persists, the sweep will fail the same way'
      },
      open: null
    }
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

// ------------------------------------------------------------------ 4. one ticket's read

async function checkTicketRead(client: CheckClient, open: Ticket[] | null): Promise<CheckItem> {
  const check = "One ticket's read (GET /api/tickets/{id})"
  const ticket = open?.find(t => Number.isSafeInteger(t?.id) && t.id > 0)
  if (!ticket) {
    return { status: 'info', check, found: 'no open ticket was listed, so no read was tried: not verified' } // prettier-ignore
  }
  const pagedBefore = client.stats().requests['list-messages']
  try {
    const { messages } = await client.readTicket(ticket.id)
    const paged = client.stats().requests['list-messages'] - pagedBefore
    return {
      status: 'ok',
      check,
      found:
        paged === 0
          ? `ticket ${ticket.id}: the read embedded its ${messages.length} messages (one request per ticket)`
          : `ticket ${ticket.id}: the read did not embed all its messages; GET /api/messages?ticket_id= gave ${messages.length} (${paged} more request${paged === 1 ? '' : 's'} per such ticket)`
    }
  } catch (err) {
    return {
      status: 'problem',
      check,
      found: `ticket ${ticket.id} could not be read: ${reason(err)}`,
      fix: "every ticket is read this way before anything is done to it: check the key's permissions (read tickets and messages)"
    }
  }
}

// ------------------------------------------------------------------ 5. tags

type TagInput = 'exclude-tags' | 'only-tags' | 'follow-up-tag' | 'closed-tag'

/** Each configured tag once (any case), with the input that named it first. */
function configuredTags(
  settings: Settings,
  scope: 'full' | 'tags'
): Array<{ input: TagInput; name: string }> {
  const named: Array<{ input: TagInput; name: string }> = [
    ...settings.excludeTags.map(name => ({ input: 'exclude-tags' as const, name })),
    ...settings.onlyTags.map(name => ({ input: 'only-tags' as const, name })),
    ...(scope === 'full'
      ? [
          { input: 'follow-up-tag' as const, name: settings.followUpTag },
          { input: 'closed-tag' as const, name: settings.closedTag }
        ]
      : [])
  ]
  const seen = new Set<string>()
  return named.filter(({ name }) => {
    const key = name.toLowerCase()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The comma-separated list a space-separated value probably meant, e.g. "vip,escalated". */
export function commaListFor(name: string): string | null {
  const words = name.trim().split(/\s+/)
  return words.length > 1 ? words.join(',') : null
}

async function checkTags(
  client: CheckClient,
  settings: Settings,
  scope: 'full' | 'tags'
): Promise<CheckItem[]> {
  const items: CheckItem[] = []
  for (const { input, name } of configuredTags(settings, scope)) {
    const check = `${input} "${name}" (GET /api/tags?search=)`
    let exists: boolean
    let unsure: boolean
    try {
      const tags = await searchTags(client, name)
      const more = tags.length >= PAGE_LIMIT
      exists = tags.some(
        t => typeof t?.name === 'string' && t.name.toLowerCase() === name.toLowerCase()
      )
      unsure = !exists && more
    } catch (err) {
      // Refused credentials stop a run here, at its first request, as they would anywhere else.
      if (err instanceof AuthError && err.status === 401) throw err
      items.push({ status: 'warning', check, found: `the tags could not be searched: ${reason(err)}`, fix: 'run the check again' }) // prettier-ignore
      continue
    }
    if (exists) {
      items.push({ status: 'ok', check, found: `"${name}" is a tag of the account` })
    } else if (unsure) {
      items.push({ status: 'warning', check, found: `not among the first 100 tags whose name contains "${name}": could not confirm it exists`, fix: 'check the name against Settings > Tags in Gorgias' }) // prettier-ignore
    } else if (input === 'follow-up-tag' || input === 'closed-tag') {
      items.push({
        status: 'info',
        check,
        found: `"${name}" is not on the account yet: the action adds it by name with the first ${input === 'follow-up-tag' ? 'follow-up' : 'close'} (expected before the first real run)`
      })
    } else {
      items.push(missingTag(input, name, settings))
    }
  }
  return items
}

function missingTag(
  input: 'exclude-tags' | 'only-tags',
  name: string,
  settings: Settings
): CheckItem {
  const check = `${input} "${name}" (GET /api/tags?search=)`
  const list = commaListFor(name)
  const spaces = list
    ? `Tag names may contain spaces, so "${name}" is read as one tag; if you meant several, separate them with commas: ${input}: ${list}`
    : null
  if (input === 'exclude-tags') {
    return {
      status: 'warning',
      check,
      found: `no tag named "${name}" on the account: no ticket is protected by it`,
      fix:
        spaces ??
        `check the spelling against Settings > Tags in Gorgias, or remove it from exclude-tags`
    }
  }
  const only = settings.onlyTags.length === 1
  return {
    status: 'warning',
    check,
    found: only
      ? `no tag named "${name}" on the account: no ticket carries it, so nothing would be handled`
      : `no tag named "${name}" on the account: no ticket is handled because of it`,
    fix:
      spaces ?? 'check the spelling against Settings > Tags in Gorgias, or remove it from only-tags'
  }
}

// ------------------------------------------------------------------ 6. channels

function checkChannels(settings: Settings, open: Ticket[] | null): CheckItem {
  const check = 'Channels of open tickets'
  const configured = settings.channels.join(', ')
  if (open === null || open.length === 0) {
    return { status: 'info', check, found: `no open ticket was listed, so the channels were not compared (channels is ${configured})` } // prettier-ignore
  }
  const byChannel = new Map<string, number>()
  for (const t of open) {
    const channel = typeof t.channel === 'string' && t.channel ? t.channel.toLowerCase() : '(none)'
    byChannel.set(channel, (byChannel.get(channel) ?? 0) + 1)
  }
  let handled = 0
  const others: Array<[string, number]> = []
  for (const [channel, n] of byChannel) {
    if (settings.channels.includes(channel)) handled += n
    else others.push([channel, n])
  }
  others.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const sample = `of the ${open.length} open tickets on the first page`
  if (others.length === 0) {
    return { status: 'ok', check, found: `all ${sample} are on handled channels (${configured})` }
  }
  const notHandled = others.map(([c, n]) => `${n} ${c}`).join(', ')
  const found = `${sample}, ${handled} are handled; ${notHandled} ${others.length === 1 && others[0]![1] === 1 ? 'is' : 'are'} not handled: channels is ${configured}`
  const answerable = others
    .map(([c]) => c)
    .filter(c => (ANSWERABLE_CHANNELS as readonly string[]).includes(c))
  const unanswerable = others
    .map(([c]) => c)
    .filter(c => !(ANSWERABLE_CHANNELS as readonly string[]).includes(c))
  const advice = [
    answerable.length > 0 ? `add ${answerable.join(', ')} to channels to follow up there too` : '',
    unanswerable.length > 0 ? `this action cannot answer ${unanswerable.join(', ')}` : ''
  ]
    .filter(Boolean)
    .join('; ')
  if (handled === 0) {
    return { status: 'warning', check, found: `${found}: none would get a follow-up`, fix: advice }
  }
  return { status: 'info', check, found, fix: `nothing to do if that is intended; ${advice}` }
}

// ------------------------------------------------------------------ 7. email integration

const EMAIL_TYPES = ['email', 'gmail', 'outlook']

async function checkEmailIntegration(client: CheckClient, settings: Settings): Promise<CheckItem> {
  const check = 'Email integration (GET /api/integrations)'
  if (!settings.channels.includes('email')) {
    return { status: 'info', check, found: `not checked: channels (${settings.channels.join(', ')}) has no email` } // prettier-ignore
  }
  let integrations: Integration[]
  try {
    integrations = await listIntegrations(client)
  } catch (err) {
    if (err instanceof AuthError) {
      return { status: 'problem', check, found: `the integrations were refused (HTTP ${err.status}): ${reason(err)}`, fix: "give the key's user the permission to read integrations, or use an admin's key" } // prettier-ignore
    }
    // Not verified: said as such, and each follow-up still replies from the agent's own address.
    return { status: 'warning', check, found: `the integrations could not be listed, so no sending address was verified: ${reason(err)}`, fix: 'check in Gorgias (Settings > Channels > Email) that the support mailbox is connected' } // prettier-ignore
  }
  const email = integrations.filter(i => EMAIL_TYPES.includes(String(i?.type).toLowerCase()))
  const address = (i: Integration): string | null =>
    typeof i.meta?.address === 'string' && i.meta.address.trim() ? i.meta.address.trim() : null
  const usable = email.filter(i => !i.deactivated_datetime && address(i) !== null)
  if (usable.length === 0) {
    const off = email.length - usable.length
    return {
      status: 'problem',
      check,
      found:
        email.length === 0
          ? 'the account has no email, gmail or outlook integration: an email follow-up has no address to come from'
          : `the account's ${email.length} email integration${email.length === 1 ? ' is' : 's are'} deactivated or without an address (${off})`,
      fix: 'connect or reactivate the support mailbox in Gorgias (Settings > Channels > Email), or remove email from channels'
    }
  }
  const first = usable[0]!
  const more = usable.length > 1 ? ` and ${usable.length - 1} more` : ''
  return {
    status: 'ok',
    check,
    found: `${address(first)} (${first.type} integration ${first.id}${first.name ? `, "${first.name}"` : ''})${more}; each follow-up goes out from the address of the agent's last reply`
  }
}
