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
 * The listing: which tickets are worth reading one by one. Gorgias is asked for open tickets alone
 * (an ad-hoc view, "id should be set to 0"), a prefilter only: every ticket listed is still triaged
 * on its own fields, so a view that ignored the filter would cost time, never a wrong action.
 */

export const OPEN_TICKETS_VIEW: ViewQuery = {
  type: 'ticket-list',
  filters: "eq(ticket.status, 'open')",
  // Creation order does not move while the pages are read (the last message's time would).
  order_by: 'created_datetime',
  order_dir: 'asc'
}

/** A ticket to read: its list item (only its id when named by ticket-ids) and its place in line. */
export interface Candidate {
  ticket: Ticket | { id: number }
  order: number
}

/** The listing's own progress, which it decides on (the tally only counts); triaged as of `at`. */
interface ListingRun {
  ctx: SweepContext
  at: Date
  pages: number
  seen: number
  listing: Listing
}

/** The time limit came while listing: nothing may be written from a listing cut short. */
export class ListingTimeLimit extends Error {
  constructor(readonly listing: Listing) {
    super('time limit reached while listing')
  }
}

/** The listing the settings ask for (the open-tickets view may yet fall back to every ticket). */
export function plannedListing(settings: Pick<Settings, 'ticketIds' | 'viewId'>): Listing {
  if (settings.ticketIds !== null) return { kind: 'ticket-ids', ids: settings.ticketIds }
  if (settings.viewId !== null) return { kind: 'saved-view', viewId: settings.viewId }
  return { kind: 'open-view' }
}

export async function listCandidates(
  ctx: SweepContext,
  at: Date
): Promise<{ listing: Listing; candidates: Candidate[] }> {
  const listing = plannedListing(ctx.settings)
  const run: ListingRun = { ctx, at, pages: 0, seen: 0, listing }
  if (listing.kind === 'ticket-ids') {
    ctx.tally.seen += listing.ids.length
    return { listing, candidates: listing.ids.map((id, order) => ({ ticket: { id }, order })) }
  }
  if (listing.kind === 'saved-view') {
    const pages = ctx.client.listTickets({ viewId: listing.viewId })
    const candidates = await triagePages(run, pages).catch((err: unknown) => {
      if (run.pages === 0 && (err instanceof NotFoundError || err instanceof ValidationError)) {
        throw new SettingsError(
          'view-id',
          `view-id: Gorgias has no view ${listing.viewId} on ${ctx.settings.domain} (HTTP ${err.status}); the id is the number in the view's URL, or leave view-id empty`
        )
      }
      throw err
    })
    return { listing, candidates }
  }
  const open = await fromOpenTicketsView(run)
  if (!('why' in open)) return open
  const { why } = open
  ctx.tally.warnings.push(
    `Listed every untrashed ticket instead of open tickets only: ${why}. The sweep is still correct, but costs more requests.`
  )
  ctx.progress(`open-tickets view not usable (${why}); listing every untrashed ticket`)
  ctx.tally.restart()
  run.seen = 0
  run.listing = { kind: 'all-tickets', why }
  return { listing: run.listing, candidates: await triagePages(run, ctx.client.listTickets()) }
}

/**
 * The open-tickets view, unless it cannot be trusted: a ViewUnusableError (a refusal, a 202, a
 * shape or paging this action cannot follow), or no ticket while the plain list, newest updated
 * first, shows an open one (after a bulk close, the newest hundred can be closed, older ones open).
 */
async function fromOpenTicketsView(
  run: ListingRun
): Promise<{ listing: Listing; candidates: Candidate[] } | { why: string }> {
  let candidates: Candidate[]
  try {
    candidates = await triagePages(run, run.ctx.client.listViewItems(OPEN_TICKETS_VIEW))
  } catch (err) {
    if (!(err instanceof ViewUnusableError)) throw err
    // In our own words, not the server's: the summary shows it.
    const why =
      err.status === undefined || err.status === 200
        ? `the open-tickets view query got an answer this action cannot trust (${err.message})`
        : `the open-tickets view query was refused (HTTP ${err.status})`
    return { why }
  }
  if (run.seen > 0) return { listing: run.listing, candidates }
  let checked = 0
  const newestFirst = run.ctx.client.listTickets({ orderBy: 'updated_datetime:desc' })
  for await (const page of counted(run, newestFirst)) {
    checked += page.length
    if (page.some(t => t?.status === 'open' && !t.trashed_datetime)) {
      return {
        why: 'the open-tickets view answered no ticket, yet the ticket list shows open ones'
      }
    }
  }
  run.ctx.progress(`no open tickets, checked: none among the ${checked} tickets not in the trash`)
  return { listing: { kind: 'open-view', checked: true }, candidates }
}

/** The pages, counted; the time limit, after a page or before a request, cuts the listing short. */
async function* counted(run: ListingRun, pages: AsyncIterable<Ticket[]>): AsyncGenerator<Ticket[]> {
  try {
    for await (const page of pages) {
      run.pages++
      run.ctx.tally.pages++
      yield page
      if (pastDeadline(run.ctx)) throw new ListingTimeLimit(run.listing)
    }
  } catch (err) {
    if (err instanceof DeadlineError) throw new ListingTimeLimit(run.listing)
    throw err
  }
}

/** Reads every page, triages each ticket once, and returns the candidates oldest reply first. */
async function triagePages(run: ListingRun, pages: AsyncIterable<Ticket[]>): Promise<Candidate[]> {
  const { ctx, at } = run
  const { tally, settings } = ctx
  const seen = new Set<number>()
  const found: Ticket[] = []
  for await (const page of counted(run, pages)) {
    for (const ticket of page) {
      // A ticket edited while the pages are read can be listed twice; it is counted once.
      const readable = Number.isSafeInteger(ticket.id) && ticket.id >= 1
      if (readable && seen.has(ticket.id)) continue
      run.seen++
      tally.seen++
      if (!readable) {
        tally.skip('unreadable')
        continue
      }
      seen.add(ticket.id)
      noteReopened(ctx, ticket)
      const reason = ruledOut(ticket, settings, at)
      ctx.state?.listed(ticket.id)
      if (reason !== null) tally.skip(reason)
      // Triaged on its list item like any other; only then may the state save its read.
      else if (ctx.state?.skipsRead(ticket, at)) tally.skip('not-due')
      else found.push(ticket)
    }
    ctx.progress(`page ${run.pages}: ${run.seen} tickets read, ${found.length} may be due`)
  }
  return found
    .map(t => ({ t, at: lastMessageAt(t) }))
    .sort((a, b) => a.at - b.at || a.t.id - b.t.id)
    .map(({ t }, order) => ({ ticket: t, order }))
}

/**
 * Why the list item alone rules the ticket out, or null when it is worth its one read (also when
 * the triage cannot read it, e.g. a view item of another shape: the ticket itself is decided on).
 */
function ruledOut(ticket: Ticket, settings: Settings, now: Date): SkipReason | null {
  try {
    const first = triage(ticket, settings, now)
    return first.kind === 'skip' && first.reason !== 'unreadable' ? first.reason : null
  } catch {
    return null
  }
}

/** Oldest first; a ticket without a readable time goes last (it is read all the same). */
function lastMessageAt(ticket: Ticket): number {
  const value = ticket.last_message_datetime
  const at = typeof value === 'string' ? parseTimestamp(value) : undefined
  return at ? at.getTime() : Number.MAX_SAFE_INTEGER
}

/**
 * The one place reopens are found (an open ticket carrying closed-tag), on every list item and
 * every ticket read (a ticket-ids run lists nothing; a view item of another shape may lack tags).
 */
export function noteReopened(ctx: Pick<SweepContext, 'settings' | 'tally'>, ticket: Ticket): void {
  if (ticket.status === 'open' && hasTagNamed(ticket, ctx.settings.closedTag)) {
    ctx.tally.reopened.add(ticket.id)
  }
}

/** A tag of exactly this name (see ownTag), id or not; odd tag data must not stop the listing. */
function hasTagNamed(ticket: Ticket, name: string): boolean {
  const tags: unknown = ticket?.tags
  const named = (t: { name?: unknown } | null) => t?.name === name
  return Array.isArray(tags) && tags.some(named)
}
