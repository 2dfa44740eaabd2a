import type { Settings } from '../config.js'
import { SettingsError } from '../inputs.js'
import type { ViewQuery } from '../gorgias/client.js'
import {
  DeadlineError,
  NotFoundError,
  ValidationError,
  ViewUnusableError
} from '../gorgias/errors.js'
import type { Ticket } from '../gorgias/types.js'
import { triage } from '../policy/decide.js'
import { parseTimestamp, type SkipReason } from '../policy/types.js'
import { pastDeadline, type SweepContext } from './context.js'
import type { Listing } from './types.js'

/**
 * The listing: which tickets are worth reading one by one. Only open tickets can be due, so Gorgias
 * is asked for those alone (an ad-hoc view, "id should be set to 0", reference: list view items).
 * The view is a prefilter only: every ticket listed is still triaged on its own fields, so a view
 * that ignored the filter would cost time, never a wrong action. Nothing here writes.
 */

export const OPEN_TICKETS_VIEW: ViewQuery = {
  type: 'ticket-list',
  filters: "eq(ticket.status, 'open')",
  // Creation order does not move while the pages are read (the last message's time would).
  order_by: 'created_datetime',
  order_dir: 'asc'
}

/** A ticket to read: its list item (null when named by `ticket-ids`) and its place in line. */
export interface Candidate {
  ticketId: number
  listed: Ticket | null
  order: number
}

/**
 * The listing's own progress, which decides what it does next (the tally only counts); `seen`
 * starts afresh with a fallback. Every list item is triaged as of `at`, the sweep's start.
 */
interface ListingRun {
  ctx: SweepContext
  at: Date
  pages: number
  seen: number
}

/** The time limit came while listing: nothing may be written from a listing cut short. */
export class ListingTimeLimit extends Error {
  constructor(readonly listing: Listing) {
    super('time limit reached while listing')
  }
}

export async function listCandidates(
  ctx: SweepContext,
  at: Date
): Promise<{ listing: Listing; candidates: Candidate[] }> {
  const { settings } = ctx
  const run: ListingRun = { ctx, at, pages: 0, seen: 0 }
  if (settings.ticketIds !== null) {
    const ids = settings.ticketIds
    ctx.tally.seen += ids.length
    return {
      listing: { kind: 'ticket-ids', ids },
      candidates: ids.map((ticketId, order) => ({ ticketId, listed: null, order }))
    }
  }
  if (settings.viewId !== null) {
    const viewId = settings.viewId
    const candidates = await triagePages(run, ctx.client.listTickets({ viewId }), {
      kind: 'saved-view',
      viewId
    }).catch((err: unknown) => {
      if (run.pages === 0 && (err instanceof NotFoundError || err instanceof ValidationError)) {
        throw new SettingsError(
          'view-id',
          `view-id: Gorgias has no view ${viewId} on ${settings.domain} (HTTP ${err.status}); the id is the number in the view's URL, or leave view-id empty`
        )
      }
      throw err
    })
    return { listing: { kind: 'saved-view', viewId }, candidates }
  }
  const open = await fromOpenTicketsView(run)
  if ('candidates' in open) {
    const listing: Listing = open.checked
      ? { kind: 'open-view', checked: true }
      : { kind: 'open-view' }
    return { listing, candidates: open.candidates }
  }
  const { why } = open
  ctx.tally.warn(
    `Listed every untrashed ticket instead of open tickets only: ${why}. The sweep is still correct, but costs more requests.`
  )
  ctx.progress(`open-tickets view not usable (${why}); listing every untrashed ticket`)
  ctx.tally.restart()
  run.seen = 0
  const listing: Listing = { kind: 'all-tickets', why }
  return { listing, candidates: await triagePages(run, ctx.client.listTickets(), listing) }
}

/**
 * The open-tickets view, unless it cannot be trusted: the client reports a ViewUnusableError (a
 * refusal, a 202, a shape or paging this action cannot follow), and the rule is this listing's:
 * such a view is not used, and neither is an answer of no ticket while open tickets exist. A zero
 * answer is checked against the plain list, newest updated first, until an open ticket is seen or
 * the list ends (after a bulk close, the newest hundred can all be closed while older ones are open).
 */
async function fromOpenTicketsView(
  run: ListingRun
): Promise<{ candidates: Candidate[]; checked: boolean } | { why: string }> {
  let candidates: Candidate[]
  try {
    candidates = await triagePages(run, run.ctx.client.listViewItems(OPEN_TICKETS_VIEW), {
      kind: 'open-view'
    })
  } catch (err) {
    if (!(err instanceof ViewUnusableError)) throw err
    return { why: unusableViewReason(err) }
  }
  if (run.seen > 0) return { candidates, checked: false }
  const why = await openTicketOutsideView(run)
  return why === null ? { candidates, checked: true } : { why }
}

/** Why an unusable view is not used, in our own words, not the server's: the summary shows it. */
function unusableViewReason(err: ViewUnusableError): string {
  return err.status === undefined || err.status === 200
    ? `the open-tickets view query got an answer this action cannot trust (${err.message})`
    : `the open-tickets view query was refused (HTTP ${err.status})`
}

/** After the view answered no ticket: why it is distrusted, or null when no ticket is open. */
async function openTicketOutsideView(run: ListingRun): Promise<string | null> {
  const { ctx } = run
  let checked = 0
  try {
    for await (const page of ctx.client.listTickets({ orderBy: 'updated_datetime:desc' })) {
      pageRead(run)
      checked += page.length
      if (page.some(t => t?.status === 'open' && !t.trashed_datetime)) {
        return 'the open-tickets view answered no ticket, yet the ticket list shows open ones'
      }
      if (pastDeadline(ctx)) throw new ListingTimeLimit({ kind: 'open-view' })
    }
  } catch (err) {
    if (err instanceof DeadlineError) throw new ListingTimeLimit({ kind: 'open-view' })
    throw err
  }
  ctx.progress(`no open tickets, checked: none among the ${checked} tickets not in the trash`)
  return null
}

/** Reads every page, triages each ticket once, and returns the candidates oldest reply first. */
async function triagePages(
  run: ListingRun,
  pages: AsyncIterable<Ticket[]>,
  listing: Listing
): Promise<Candidate[]> {
  const seen = new Set<number>()
  const found: Ticket[] = []
  try {
    await triageEach(run, pages, listing, seen, found)
  } catch (err) {
    // A request the time limit came before is the time limit too: the same green "Stopped early".
    if (err instanceof DeadlineError) throw new ListingTimeLimit(listing)
    throw err
  }
  return found
    .map(t => ({ t, at: lastMessageAt(t) }))
    .sort((a, b) => a.at - b.at || a.t.id - b.t.id)
    .map(({ t }, order) => ({ ticketId: t.id, listed: t, order }))
}

async function triageEach(
  run: ListingRun,
  pages: AsyncIterable<Ticket[]>,
  listing: Listing,
  seen: Set<number>,
  found: Ticket[]
): Promise<void> {
  const { ctx, at: now } = run
  const { tally, settings } = ctx
  for await (const page of pages) {
    pageRead(run)
    for (const ticket of page) {
      // A ticket edited while the pages are read can be listed twice; it is counted once.
      if (!Number.isSafeInteger(ticket.id) || ticket.id < 1) {
        seenOne(run)
        tally.skip('unreadable')
        continue
      }
      if (seen.has(ticket.id)) continue
      seen.add(ticket.id)
      seenOne(run)
      noteReopened(ctx, ticket)
      const reason = ruledOut(ticket, settings, now)
      ctx.state?.listed(ticket.id)
      if (reason !== null) tally.skip(reason)
      // Triaged on its list item like any other; only then may the state save its read.
      else if (ctx.state?.skipsRead(ticket, now)) tally.skip('not-due')
      else found.push(ticket)
    }
    ctx.progress(`page ${run.pages}: ${run.seen} tickets read, ${found.length} may be due`)
    if (pastDeadline(ctx)) throw new ListingTimeLimit(listing)
  }
}

/** Counted by the listing, which decides on it, and by the tally, which reports it. */
function pageRead(run: ListingRun): void {
  run.pages++
  run.ctx.tally.pages++
}

function seenOne(run: ListingRun): void {
  run.seen++
  run.ctx.tally.seen++
}

/**
 * Why the list item alone rules the ticket out, or null when it is worth its one read. A list item
 * the triage cannot read (a view item of another shape, odd data) is read too: the ticket itself
 * is what is decided on, and the listing is a prefilter only.
 */
function ruledOut(ticket: Ticket, settings: Settings, now: Date): SkipReason | null {
  let first
  try {
    first = triage(ticket, settings, now)
  } catch {
    return null
  }
  return first.kind === 'skip' && first.reason !== 'unreadable' ? first.reason : null
}

/** Oldest first; a ticket without a readable time goes last (it is read all the same). */
function lastMessageAt(ticket: Ticket): number {
  const value = ticket.last_message_datetime
  const at = typeof value === 'string' ? parseTimestamp(value) : undefined
  return at ? at.getTime() : Number.MAX_SAFE_INTEGER
}

/**
 * The one place reopens are found: an open ticket carrying closed-tag, a customer who came back
 * after an automatic close. Called on every list item, and on every ticket read (a `ticket-ids`
 * run lists nothing; a view item of another shape may not show the tags).
 */
export function noteReopened(ctx: Pick<SweepContext, 'settings' | 'tally'>, ticket: Ticket): void {
  if (ticket.status === 'open' && hasTagNamed(ticket, ctx.settings.closedTag)) {
    ctx.tally.reopened.add(ticket.id)
  }
}

/**
 * Whether the ticket carries a tag of this name (any case), with or without an id: a tag of ours
 * that Gorgias shows without an id is still ours. Odd tag data must not stop the listing.
 */
function hasTagNamed(ticket: Ticket, name: string): boolean {
  const tags: unknown = ticket?.tags
  const named = (t: { name?: unknown } | null) =>
    typeof t?.name === 'string' && t.name.toLowerCase() === name.toLowerCase()
  return Array.isArray(tags) && tags.some(named)
}
