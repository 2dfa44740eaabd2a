import type { Settings } from './config.js'
import {
  AuthError,
  MalformedResponseError,
  NotFoundError,
  ValidationError,
  ViewUnusableError
} from './gorgias/errors.js'
import type { Ticket } from './gorgias/types.js'
import { OPEN_TICKETS_VIEW } from './sweep/listing.js'
import {
  checkChannels,
  checkEmailIntegration,
  checkFromAccount,
  checkRateLimitHeader,
  checkTags,
  checkUser,
  reason,
  sayer,
  type CheckClient,
  type CheckItem,
  type CheckStatus
} from './checkSetup.js'
import { escapeMarkdown, oneLine, plural, terminalCell } from './text.js'

/**
 * The account check (preflight): read-only requests that show, before anything is sent, whether
 * this account and these settings will work, as a checklist (the listing and a ticket's read here,
 * the account's setup in checkSetup.ts); then shown in a terminal, the job summary (every text
 * escaped: a tag name or an agent's name is data) and JSON.
 */

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
    items.push(...(await checkFromAccount(client, settings)))
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

const AGAIN = 'run the check again; if it persists, the sweep will fail the same way'

/** What to do, by situation. */
const FIX = {
  viewRefused:
    'that works but costs more requests on a large account: create a saved view of open tickets in Gorgias and set view-id to its id (the number in its URL)',
  viewEmpty:
    'that works but costs more requests: create a saved view of open tickets in Gorgias and set view-id to its id',
  viewUnfiltered:
    'the sweep still decides on each ticket itself, but reads more; set view-id to a saved view of open tickets',
  savedViewUnfiltered: (viewId: number) =>
    `the sweep reads every ticket the view lists; filter view ${viewId} on status open in Gorgias so that it lists open tickets only`,
  noSuchView: "set view-id to the number in the view's URL, or leave it empty to list open tickets",
  unreadable:
    "every ticket is read this way before anything is done to it: check the key's permissions (read tickets and messages)",
  untrusted:
    'every ticket answered like this is left alone as unreadable, so nothing would be sent; please report it with this line (it holds no customer data)'
}

/** The listing's item, and the open tickets of its first page (the sample the next checks use; null: none read). */
type Listed = [item: CheckItem, open: Ticket[] | null]

const isOpen = (t: Ticket): boolean => t?.status === 'open' && !t.trashed_datetime

/** The first `max` pages of a listing (the sweep's: the ad-hoc view, or the saved view-id). */
async function firstPages(pages: AsyncIterable<Ticket[]>, max = 2): Promise<Ticket[][]> {
  const got: Ticket[][] = []
  for await (const page of pages) {
    got.push(page)
    if (got.length === max) break
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
    const found = `the open-tickets view query ${why}; the sweep falls back to listing every untrashed ticket`
    return [say('warning', found, FIX.viewRefused), await latestOpen(client)]
  }
  const { found, listed, open, notOpen } = pagesFound(pages, 'the open-tickets view answered')
  if (listed === 0) {
    const latest = await latestOpen(client)
    if (latest?.length) {
      const found = `the open-tickets view answered no ticket, yet the latest tickets include ${latest.length} open ones; the sweep notices this and lists every untrashed ticket instead`
      return [say('warning', found, FIX.viewEmpty), latest]
    }
    // Only the newest page was looked at: no proof there is none, so not an ok (the sweep pages on).
    const none = `${found}; the 100 most recently updated tickets hold no open one either (a sweep pages the whole ticket list before it believes there is none)`
    return [say('info', none), []]
  }
  if (notOpen === 0) return [say('ok', found), open]
  const unfiltered = `${found}: the view's status filter was not applied`
  return [say('warning', unfiltered, FIX.viewUnfiltered), open]
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
    return [say('warning', found, FIX.savedViewUnfiltered(viewId)), open]
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ValidationError) {
      const found = `Gorgias has no view ${viewId} on ${settings.domain} (HTTP ${err.status}): a sweep would stop here`
      return [say('problem', found, FIX.noSuchView), null]
    }
    return [say('problem', `listing view ${viewId} failed: ${reason(err)}`, AGAIN), null]
  }
}

/** The open tickets among the latest updated ones (one page), or null when they cannot be listed. */
async function latestOpen(client: CheckClient): Promise<Ticket[] | null> {
  try {
    const [page] = await firstPages(client.listTickets({ orderBy: 'updated_datetime:desc' }), 1)
    return (page ?? []).filter(isOpen)
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
    // An answer of a shape not to be trusted is no permission problem: the key did read it.
    const fix = err instanceof MalformedResponseError ? FIX.untrusted : FIX.unreadable
    return say('problem', `ticket ${ticket.id} could not be read: ${reason(err)}`, fix)
  }
}

/** The counts, and `failure`: one line for a failed step or stderr (null: no problem). */
export function checkVerdict(list: Checklist) {
  const problems = list.items.filter(i => i.status === 'problem')
  const warnings = list.items.filter(i => i.status === 'warning').length
  const found = problems.map(i => oneLine(i.found)).join('; ')
  const failure = `The account check found ${plural(problems.length, 'problem', 'problems')} on ${list.host}: ${found}`
  return { problems: problems.length, warnings, failure: problems.length === 0 ? null : failure }
}

function tally(list: Checklist): string {
  const { problems, warnings } = checkVerdict(list)
  return `${plural(problems, 'problem', 'problems')}, ${plural(warnings, 'warning', 'warnings')}; ${plural(list.requests, 'request', 'requests')}, read-only`
}

const LEGEND =
  'ok: verified; info: nothing to fix (or not verifiable here, as said); warning: works, probably not as you mean it; problem: a run would fail or do nothing useful'

/** Terminal (and action log) lines: one per item, its fix indented below. */
export function checklistText(list: Checklist): string {
  const word = (s: CheckStatus): string => (s === 'problem' ? 'PROBLEM' : s)
  // Each line starts with a word of ours: a found text can never open a workflow command.
  return [
    `Account check of ${terminalCell(list.host)} as ${terminalCell(list.email)}`,
    ...list.items.flatMap(i => [
      `  ${word(i.status).padEnd(8)} ${terminalCell(i.check)}`,
      `           found: ${terminalCell(i.found)}`,
      ...(i.fix ? [`           to do: ${terminalCell(i.fix)}`] : [])
    ]),
    `Result: ${tally(list)}`,
    LEGEND
  ].join('\n')
}

const ICON: Record<CheckStatus, string> = {
  ok: '✅ ok',
  info: 'ℹ️ info',
  warning: '⚠️ warning',
  problem: '❌ problem'
}

const cell = (text: string): string => escapeMarkdown(oneLine(text))

/** The job summary's section: a heading, one table row per item, the tally. */
export function checklistMarkdown(list: Checklist): string {
  return `${[
    `## Account check: ${cell(list.host)}`,
    '',
    '| | Checked | Found | What to do |',
    '| --- | --- | --- | --- |',
    ...list.items.map(
      i => `| ${ICON[i.status]} | ${cell(i.check)} | ${cell(i.found)} | ${cell(i.fix ?? '')} |`
    ),
    '',
    `${cell(tally(list))}. Signed in as ${cell(list.email)}.`,
    '',
    `<sub>${cell(LEGEND)}.</sub>`,
    ''
  ].join('\n')}\n`
}

/** The items as check.ts made them: a fix only where there is one. */
export function checklistJson(list: Checklist): Record<string, unknown> {
  const { problems, warnings } = checkVerdict(list)
  const { host, email, requests, items } = list
  return { host, email, ok: problems === 0, problems, warnings, requests, items }
}

/** The warnings of a real run's tag check, as the report's warning lines. */
export function tagWarnings(list: Checklist): string[] {
  return list.items
    .filter(i => i.status === 'warning')
    .map(i => {
      // A fix shown after a full stop starts as a sentence.
      const fix = i.fix ? `. ${i.fix.charAt(0).toUpperCase()}${i.fix.slice(1)}` : ''
      return `${i.check.replace(/ \(GET \/api\/tags\?search=\)$/, '')}: ${i.found}${fix}`
    })
}
