import type { Settings } from './config.js'
import type { GorgiasClient } from './gorgias/client.js'
import { AmbiguousWriteError, AuthError, NotFoundError, ValidationError } from './gorgias/errors.js'
import type { Message, NewMessage, Tag, Ticket } from './gorgias/types.js'
import {
  decide,
  findTag,
  sameDecision,
  SKIP_REASONS,
  triage,
  type ActionDecision,
  type Decision,
  type SkipReason,
  type Triage
} from './policy.js'
import { closeBody, customerFirstName, followUpBody } from './compose.js'
import type { ActionKind, Outcome, Report, Result } from './sweep/types.js'

/**
 * list -> decide -> re-check -> act (or dry-run) -> Report. The only module that writes.
 *
 * Phase 1 reads: every page of tickets, then the messages of only those tickets that may be due.
 * Nothing is written until the whole list has been read, so `max-actions` goes to the oldest
 * replies first, and a listing failure stops the run before any write.
 * Phase 2 acts: for each planned action, oldest first, re-read the ticket (and its messages when
 * the ticket shows any change), decide again, and write only if the decision still holds.
 */

export type { ActionKind, Outcome, Report, Result } from './sweep/types.js'

export type Veto = (
  ticket: Ticket,
  messages: Message[],
  decision: ActionDecision
) => Promise<{ skip: string } | undefined>

export interface SweepLog {
  info(message: string): void
  warning(message: string): void
  startGroup(name: string): void
  endGroup(): void
}

export type SweepClient = Pick<
  GorgiasClient,
  | 'listTickets'
  | 'getTicket'
  | 'listMessages'
  | 'createMessage'
  | 'closeTicket'
  | 'addTags'
  | 'removeTags'
  | 'tagByName'
>

export interface SweepOptions {
  client: SweepClient
  settings: Settings
  now: () => Date
  log: SweepLog
  veto?: Veto | null
  /** tickets handled at once in phase 2; the client paces the requests themselves */
  concurrency?: number
  /** requests used and rate-limit waits so far, appended to progress lines */
  usage?: () => string
}

interface Planned {
  ticket: Ticket
  messages: Message[] | null
  decision: Exclude<Decision, { kind: 'skip' }>
}

class ChangedSinceListed extends Error {
  constructor(readonly now: string) {
    super(`changed since listed (now: ${now})`)
  }
}

/** A write sequence that failed after at least one of its writes landed. */
class PartialWrite extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
    /** the step that matters to the customer (message sent, ticket closed) had landed */
    readonly effective: boolean
  ) {
    super(message)
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function emptySkips(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map(r => [r, 0])) as Record<SkipReason, number>
}

export async function sweep(opts: SweepOptions): Promise<Report> {
  const { client, settings, log } = opts
  const concurrency = opts.concurrency ?? 4
  const usage = (): string => (opts.usage ? `; ${opts.usage()}` : '')
  const startedAt = opts.now()
  const report: Report = {
    dryRun: settings.dryRun,
    startedAt,
    finishedAt: startedAt,
    pages: 0,
    ticketsSeen: 0,
    candidates: 0,
    actions: [],
    housekeeping: [],
    readFailures: [],
    skipped: emptySkips(),
    notableSkips: [],
    listing:
      settings.viewId === null
        ? { kind: 'all-tickets', why: 'listing every ticket' }
        : { kind: 'saved-view', viewId: settings.viewId },
    reopened: [],
    warnings: [],
    explanations: []
  }
  /** tag ids seen on tickets, by lower-cased name: adding by id is what public connectors do */
  const tagIds = new Map<string, number>()

  const outcome = (
    ticket: Ticket,
    decision: Decision | null,
    action: ActionKind,
    result: Result,
    detail?: string
  ): Outcome => {
    const o: Outcome = {
      ticketId: ticket.id,
      subject: typeof ticket.subject === 'string' ? ticket.subject : '',
      firstName: customerFirstName(ticket),
      language: null,
      idleHours: decision && 'idleHours' in decision ? decision.idleHours : null,
      action,
      result
    }
    if (decision?.kind === 'follow-up') {
      o.reminder = decision.reminder
      o.reminders = decision.reminders
    }
    if (detail !== undefined) o.detail = detail
    return o
  }

  // ---- Phase 1: read -------------------------------------------------------------------------
  log.startGroup('Reading tickets')
  const planned: Planned[] = []
  const reads: Array<Promise<void>> = []
  const now = opts.now()
  /**
   * A tag repair leaves the ticket itself alone, so the ticket is also counted under the reason it
   * gets no follow-up or close: every ticket seen is counted once as acted on, failed, deferred
   * or skipped (a tag repair that fails also adds to the failures, so that the step fails).
   */
  const plan = (p: Planned): void => {
    if (p.decision.kind === 'untag') {
      report.skipped[p.decision.because === 'customer-replied' ? 'customer-replied' : 'not-due']++
    } else if (p.decision.kind === 'tag-follow-up') report.skipped['not-due']++
    planned.push(p)
  }
  const readMessages = async (ticket: Ticket): Promise<void> => {
    try {
      const messages = await client.listMessages(ticket.id)
      const decision = decide(ticket, messages, settings, now)
      if (decision.kind === 'skip') report.skipped[decision.reason]++
      else plan({ ticket, messages, decision })
    } catch (err) {
      if (err instanceof AuthError) throw err
      if (err instanceof NotFoundError) report.skipped['not-found']++
      else report.readFailures.push(outcome(ticket, null, 'check', 'failed', errorText(err)))
    }
  }
  let listingError: unknown = null
  const seen = new Set<number>()
  try {
    for await (const page of client.listTickets(
      settings.viewId === null ? {} : { viewId: settings.viewId }
    )) {
      report.pages++
      for (const ticket of page) {
        // A ticket edited while the pages are read can be listed twice; it is handled once.
        if (typeof ticket.id === 'number') {
          if (seen.has(ticket.id)) continue
          seen.add(ticket.id)
        }
        report.ticketsSeen++
        for (const tag of Array.isArray(ticket?.tags) ? ticket.tags : []) {
          if (tag && typeof tag.name === 'string' && Number.isSafeInteger(tag.id)) {
            tagIds.set(tag.name.toLowerCase(), tag.id)
          }
        }
        let first: Triage
        try {
          first = triage(ticket, settings, now)
        } catch {
          // Data odd enough to trip the triage is never acted on; the sweep goes on.
          report.skipped.unreadable++
          continue
        }
        if (first.kind === 'skip') report.skipped[first.reason]++
        else if (first.kind === 'fetch-messages') {
          report.candidates++
          reads.push(readMessages(ticket))
        } else plan({ ticket, messages: null, decision: first })
      }
      log.info(
        `page ${report.pages}: ${report.ticketsSeen} tickets read, ${report.candidates} may be due${usage()}`
      )
    }
  } catch (err) {
    listingError = err
  }
  // Let reads already started settle before leaving, so none runs after the sweep.
  const settled = await Promise.allSettled(reads)
  log.info(
    `read ${report.ticketsSeen} tickets on ${report.pages} pages; messages of ${report.candidates}${usage()}`
  )
  log.endGroup()
  const authFailure = settled.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof AuthError
  )
  if (authFailure) throw authFailure.reason as AuthError
  if (listingError !== null) {
    if (
      settings.viewId !== null &&
      report.pages === 0 &&
      (listingError instanceof NotFoundError || listingError instanceof ValidationError)
    ) {
      throw new Error(
        `view-id: Gorgias has no view ${settings.viewId} on ${settings.domain} (${errorText(listingError)}); the id is the number in the view's URL, or leave view-id empty`,
        { cause: listingError }
      )
    }
    throw listingError instanceof Error ? listingError : new Error(errorText(listingError))
  }

  // ---- Phase 2: act ----------------------------------------------------------------------------
  const isAction = (p: Planned): boolean =>
    p.decision.kind === 'follow-up' || p.decision.kind === 'close'
  const replyTime = (p: Planned): number =>
    'replyAt' in p.decision ? p.decision.replyAt.getTime() : Number.MAX_SAFE_INTEGER
  const queue = planned.sort((a, b) => replyTime(a) - replyTime(b) || a.ticket.id - b.ticket.id)
  const due = queue.filter(isAction).length
  log.startGroup(
    `${settings.dryRun ? 'Planning (dry run)' : 'Acting'}: ${due} due, at most ${settings.maxActions} this run`
  )

  // max-actions slots: `reserved` counts actions started or done; a slot comes back when its
  // action ends up skipped. A worker holding an older ticket waits for the actions in flight
  // before deferring it, so a freed slot goes to the oldest reply, not to whoever asks next.
  let fatal: AuthError | null = null
  let reserved = 0
  let inFlight = 0
  let slotWaiters: Array<() => void> = []
  const slotsChanged = (): void => {
    const waiting = slotWaiters
    slotWaiters = []
    for (const wake of waiting) wake()
  }
  let done = 0
  const actionOutcomes = new Map<Planned, Outcome>()

  const recordSkip = (p: Planned, reason: SkipReason, detail: string): void => {
    if (isAction(p)) report.skipped[reason]++
    report.notableSkips.push(outcome(p.ticket, p.decision, p.decision.kind, 'skipped', detail))
  }
  const record = (p: Planned, result: Result, detail?: string, wrote = false): void => {
    const o = outcome(p.ticket, p.decision, p.decision.kind, result, detail)
    if (wrote) o.wrote = true
    if (isAction(p)) actionOutcomes.set(p, o)
    else report.housekeeping.push(o)
  }

  const handle = async (p: Planned): Promise<void> => {
    const action = isAction(p)
    if (action) {
      while (reserved >= settings.maxActions && inFlight > 0) {
        await new Promise<void>(resolve => slotWaiters.push(resolve))
      }
      if (fatal !== null) return record(p, 'deferred', 'the run stopped: credentials rejected')
      if (reserved >= settings.maxActions) return record(p, 'deferred', 'max-actions reached')
      reserved++
      inFlight++
    }
    try {
      const result = await act(p)
      if (result === 'skipped') {
        if (action) reserved--
        return
      }
      record(p, result.result, result.detail)
      if (action && ++done % 25 === 0) log.info(`${done} of ${due} actions handled${usage()}`)
    } catch (err) {
      const partial = err instanceof PartialWrite ? err : null
      const cause = partial ? partial.cause : err
      if (cause instanceof AuthError) fatal ??= cause
      if (cause instanceof AuthError && !partial) {
        // Credentials went bad before this ticket was touched: it waits for the next run.
        record(p, 'deferred', 'the run stopped: credentials rejected')
        return
      }
      record(p, 'failed', errorText(err), partial?.effective ?? false)
      log.warning(`ticket ${p.ticket.id}: ${p.decision.kind} failed: ${errorText(err)}`)
    } finally {
      if (action) {
        inFlight--
        slotsChanged()
      }
    }
  }

  const act = async (p: Planned): Promise<'skipped' | { result: Result; detail?: string }> => {
    const d = p.decision
    if ((d.kind === 'follow-up' || d.kind === 'close') && opts.veto) {
      // A throw or a timeout here is a failure of this ticket: it is never acted on.
      const veto = await opts.veto(p.ticket, p.messages ?? [], d)
      if (veto) {
        recordSkip(p, 'policy-module', veto.skip)
        return 'skipped'
      }
    }
    if (settings.dryRun) return { result: 'would-do' }

    let fresh: { ticket: Ticket; decision: Planned['decision'] }
    try {
      fresh = await recheck(p)
    } catch (err) {
      if (err instanceof NotFoundError) {
        recordSkip(p, 'not-found', 'deleted or merged since it was listed')
        return 'skipped'
      }
      if (err instanceof ChangedSinceListed) {
        recordSkip(p, 'changed-since-listed', `now: ${err.now}`)
        return 'skipped'
      }
      throw err
    }
    return write(fresh.ticket, fresh.decision)
  }

  /**
   * Re-reads the ticket right before writing, and its messages unless the ticket proves them
   * unchanged, then decides again. Returns the fresh decision, which the write then follows.
   */
  const recheck = async (
    p: Planned
  ): Promise<{ ticket: Ticket; decision: Planned['decision'] }> => {
    const ticket = await client.getTicket(p.ticket.id)
    let fresh: Triage
    if (p.messages === null) {
      // Planned from the list item alone (a tag removal): the ticket re-read is the re-check.
      fresh = triage(ticket, settings, opts.now())
    } else {
      const messages = unchanged(p.ticket, ticket)
        ? p.messages
        : await client.listMessages(ticket.id)
      fresh = decide(ticket, messages, settings, opts.now())
    }
    if (
      fresh.kind === 'fetch-messages' ||
      fresh.kind === 'skip' ||
      !sameDecision(p.decision, fresh)
    ) {
      throw new ChangedSinceListed(fresh.kind === 'skip' ? fresh.reason : fresh.kind)
    }
    return { ticket, decision: fresh }
  }

  const addTag = async (ticketId: number, name: string): Promise<void> => {
    let id = tagIds.get(name.toLowerCase())
    if (id === undefined) {
      try {
        await client.addTags(ticketId, { names: [name] })
        return
      } catch (err) {
        // `names` is documented less firmly than `ids`: an API that refuses it gets the id.
        if (!(err instanceof ValidationError)) throw err
        id = (await client.tagByName(name)).id
        tagIds.set(name.toLowerCase(), id)
      }
    }
    await client.addTags(ticketId, { ids: [id] })
  }

  /**
   * Posts a marked message. When its outcome is unknown (a timeout, a reset, a 5xx: the server
   * may still be writing it), it is looked for; if it is not there yet it is NOT sent again in
   * this run: the next run reads the ticket afresh and either finds it or sends it then.
   */
  const post = async (ticket: Ticket, body: NewMessage): Promise<void> => {
    try {
      await client.createMessage(ticket.id, body)
    } catch (err) {
      if (!(err instanceof AmbiguousWriteError)) throw err
      const messages = await client.listMessages(ticket.id)
      if (messages.some(m => m.external_id === body.external_id)) return
      throw new Error(
        `message not confirmed (${err.message}); not sent again in this run, the next run checks the ticket first`,
        { cause: err }
      )
    }
  }

  const removeTags = async (ticket: Ticket, tags: Tag[]): Promise<Tag[]> => {
    const present = tags.map(t => findTag(ticket, t.name)).filter(t => t !== undefined)
    if (present.length > 0) await client.removeTags(ticket.id, { ids: present.map(t => t.id) })
    return present
  }

  /** Writes in order; an error after the first write says what was already done. */
  const write = async (
    ticket: Ticket,
    d: Planned['decision']
  ): Promise<{ result: Result; detail?: string }> => {
    const done: string[] = []
    let effective = false
    /** `what` reads "<what> done" / "<what> failed", e.g. "follow-up sent" / "adding the tag". */
    const step = async (
      [doing, did]: [string, string],
      run: () => Promise<unknown>,
      main = false
    ): Promise<void> => {
      try {
        await run()
      } catch (err) {
        if (done.length === 0) throw err
        const message = `${done.join(', ')}; ${doing} failed: ${errorText(err)}`
        throw new PartialWrite(message, err, effective)
      }
      done.push(did)
      effective ||= main
    }
    switch (d.kind) {
      case 'follow-up': {
        // Stale tags of an earlier cycle go first: were the run to stop after the message, a
        // leftover closed-tag would make the next run take the ticket for a reopened one.
        if (d.staleTags.length > 0) {
          await step(['removing old tags', 'old tags removed'], () =>
            removeTags(ticket, d.staleTags)
          )
        }
        const body = followUpBody(ticket, d.route, d.reminder, d.reminders, d.marker, settings)
        await step(['sending the follow-up', 'follow-up sent'], () => post(ticket, body), true)
        await step([`adding ${settings.followUpTag}`, `${settings.followUpTag} added`], () =>
          addTag(ticket.id, settings.followUpTag)
        )
        return { result: 'done' }
      }
      case 'close': {
        if (d.postMessage) {
          const body = closeBody(ticket, d.route, settings.followUpHours.length, d.marker, settings)
          await step(['sending the close message', 'close message sent'], () => post(ticket, body))
        }
        // Close, then tag: the closed-tag on an open ticket then means a person reopened it.
        await step(
          ['closing the ticket', 'ticket closed'],
          () => client.closeTicket(ticket.id),
          true
        )
        await step([`adding ${settings.closedTag}`, `${settings.closedTag} added`], () =>
          addTag(ticket.id, settings.closedTag)
        )
        return { result: 'done' }
      }
      case 'tag-follow-up':
        await addTag(ticket.id, settings.followUpTag)
        return { result: 'done', detail: `added ${settings.followUpTag} (follow-up already sent)` }
      case 'untag': {
        const removed = await removeTags(ticket, d.tags)
        return {
          result: 'done',
          detail: removed.length
            ? `removed ${removed.map(t => t.name).join(', ')} (${d.because})`
            : 'nothing left to remove'
        }
      }
    }
  }

  // Phase 2 runs a few tickets at once; each ticket's own steps stay in order.
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const p = queue[next++]!
      try {
        // After a credentials failure nothing more is written; due tickets are listed as deferred.
        if (fatal !== null) {
          if (isAction(p)) record(p, 'deferred', 'the run stopped: credentials rejected')
          continue
        }
        await handle(p)
      } catch (err) {
        // Only a bug can land here; it must not stop the other workers' tickets or the report.
        record(p, 'failed', `internal error: ${errorText(err)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
  log.info(
    `${done} actions done, ${actionOutcomes.size - done} not done (failed or deferred)${usage()}`
  )
  log.endGroup()
  const stoppedBy = fatal as AuthError | null
  if (stoppedBy) report.stop = { kind: 'credentials', error: stoppedBy }

  report.actions = queue.filter(p => actionOutcomes.has(p)).map(p => actionOutcomes.get(p)!)
  // Finished in whatever order the workers ran; the report reads the same every time.
  report.housekeeping.sort((a, b) => a.ticketId - b.ticketId)
  report.notableSkips.sort((a, b) => a.ticketId - b.ticketId)
  report.finishedAt = opts.now()
  return report
}

/**
 * Whether a ticket re-read shows no change since the messages were read. `updated_datetime` moves
 * on any edit and the message timestamps on any new message, so equal values mean the messages
 * already read are still the ticket's messages. Missing values never count as equal.
 */
function unchanged(before: Ticket, after: Ticket): boolean {
  const keys = [
    'updated_datetime',
    'last_message_datetime',
    'last_received_message_datetime',
    'status'
  ] as const
  if (!keys.every(k => before[k] !== undefined && before[k] === after[k])) return false
  if (before.updated_datetime === null || before.updated_datetime === undefined) return false
  return (before.messages_count ?? null) === (after.messages_count ?? null)
}
