import { followUpKind } from '../compose.js'
import { explainTicket, shownFirstName } from '../explain.js'
import {
  AuthError,
  DeadlineError,
  GorgiasError,
  NotFoundError,
  UnreadableThreadError
} from '../gorgias/errors.js'
import type { Message, Ticket } from '../gorgias/types.js'
import { reason, triage } from '../policy/decide.js'
import { dueTime, earliestAfterFollowUp, type Schedule } from '../policy/schedule.js'
import { templatesFor } from '../policy/thread.js'
import type { ActionDecision, Decision, SkipReason } from '../policy/types.js'
import { previewMessage } from '../preview.js'
import { pastDeadline, stopRun, type SweepContext } from './context.js'
import { noteReopened, type Candidate } from './listing.js'
import { failureCode, type FailureCode, type Outcome, type Result, type Stop } from './types.js'
import {
  addFollowUpTag,
  close,
  errorText,
  followUp,
  PartialWrite,
  removeOurTags,
  UnconfirmedPost
} from './writes.js'

// One candidate, top to bottom: a max-actions slot, the read (the ticket with its messages), the
// decision on that read, then the veto and the writes, so nothing is written on older data.

// Skips only a new message (it moves updated_datetime) can undo: the state trusts them a day.
const UNTIL_CHANGED = new Set<SkipReason>(['no-agent-reply', 'customer-replied', 'reopened'])
const UNTIL_CHANGED_MS = 24 * 3_600_000
/** Skips no later run resolves by itself: listed ticket by ticket for a person to look at. */
const NEEDS_A_PERSON = new Set<SkipReason>(['no-customer-address', 'reply-failed', 'unreadable'])
const CREDENTIALS = 'the run stopped: credentials rejected'
const TIME_LIMIT = 'time limit reached'

/** The one builder of a ticket's line; a follow-up's or close's names the texts it sends. */
export function outcome(
  ctx: Pick<SweepContext, 'settings'>,
  ticket: Candidate['ticket'],
  decision: Decision | null,
  result: Result,
  detail?: string
): Outcome {
  const full = 'status' in ticket ? ticket : null
  const o: Outcome = {
    ticketId: ticket.id,
    subject: typeof full?.subject === 'string' ? full.subject : '',
    firstName: full ? shownFirstName(full) : '',
    language: null,
    idleHours: decision && 'idleHours' in decision ? decision.idleHours : null,
    action: decision && decision.kind !== 'skip' ? decision.kind : 'check',
    result
  }
  const customer = full?.customer
  const names = [customer?.name, customer?.lastname].filter(
    (n): n is string => typeof n === 'string' && n.trim() !== ''
  )
  if (names.length > 0) o.customerNames = names
  if (decision?.kind === 'follow-up') {
    o.reminder = decision.reminder
    o.reminders = decision.reminders
  }
  if (detail !== undefined) o.detail = detail
  if (full && (decision?.kind === 'follow-up' || decision?.kind === 'close')) {
    const { language, templates } = templatesFor(ctx.settings.messages, full.language)
    o.language = language
    const kind =
      decision.kind === 'follow-up'
        ? followUpKind(templates, decision.reminder, decision.reminders)
        : decision.postMessage
          ? 'close'
          : null
    const source = kind === null ? undefined : templates.sources?.[kind]
    if (source !== undefined) o.textSource = source
  }
  return o
}

/** A failed line with its fixed code (the audit file keeps the code, never the words). */
function failed(
  ctx: SweepContext,
  ticket: Candidate['ticket'],
  d: Decision | null,
  err: unknown,
  code: FailureCode = failureCode(err instanceof PartialWrite ? err.cause : err)
): Outcome {
  return { ...outcome(ctx, ticket, d, 'failed', errorText(err)), code }
}

/** Handles one candidate: a slot, the read, the decision, the writes; counted once in the tally. */
export async function readAndAct(ctx: SweepContext, c: Candidate): Promise<void> {
  if (!ctx.stop && pastDeadline(ctx)) stopRun(ctx, timeLimit(ctx))
  if (ctx.stop) return defer(ctx, c, ctx.stop.kind === 'credentials' ? CREDENTIALS : TIME_LIMIT)
  if (!(await ctx.slots.acquire(c.order))) return defer(ctx, c, 'max-actions reached')
  let used = false
  try {
    used = await readDecideWrite(ctx, c)
  } finally {
    ctx.slots.release(used)
  }
}

/** Returns whether a follow-up or close was attempted (its max-actions slot is then used). */
async function readDecideWrite(ctx: SweepContext, c: Candidate): Promise<boolean> {
  const { tally, settings } = ctx
  tally.read++
  const read = await ctx.client
    .readTicket(c.ticket.id)
    .catch((err: unknown) => readFailed(ctx, c, err))
  if (!read) return false
  const { ticket, messages } = read
  // Another ticket came back (merged into it, or a confused server): nothing is written on data
  // that is not the ticket asked about; if it is due, it is listed and read on its own.
  if (ticket.id !== c.ticket.id) {
    tally.skip('not-found')
    return false
  }
  const now = ctx.now()
  let decided: { decision: Decision; schedule: Schedule | null }
  try {
    decided = decide(ctx, c, ticket, messages, now)
  } catch (err) {
    // Only data odd enough to trip the policy lands here; it is never acted on.
    needsAPerson(ctx, ticket, null, 'unreadable', errorText(err))
    return false
  }
  const { decision, schedule } = decided
  noteReopened(ctx, ticket)
  switch (decision.kind) {
    case 'skip':
      // Only a ticket genuinely not due yet is remembered, until its next step can be due; or,
      // when only a change to the ticket can change the decision, for a day at most.
      if (decision.reason === 'not-due' && schedule) {
        ctx.state?.notDue(ticket, dueTime(schedule, settings), null)
      } else if (UNTIL_CHANGED.has(decision.reason)) {
        ctx.state?.notDue(ticket, new Date(now.getTime() + UNTIL_CHANGED_MS), null)
      }
      if (NEEDS_A_PERSON.has(decision.reason)) {
        needsAPerson(ctx, ticket, decision, decision.reason, decision.detail)
      } else tally.skip(decision.reason)
      return false
    case 'untag':
    case 'tag-follow-up':
      await repairTags(ctx, ticket, decision, schedule)
      return false
    case 'follow-up':
    case 'close':
      return act(ctx, c.order, ticket, messages, decision)
  }
}

/** The decision on the fresh read (explained in a ticket-ids run); odd timestamps: unreadable. */
function decide(
  ctx: SweepContext,
  c: Candidate,
  ticket: Ticket,
  messages: Message[],
  now: Date
): { decision: Decision; schedule: Schedule | null } {
  const first = triage(ticket, ctx.settings, now)
  const unreadable = first.kind === 'skip' && first.reason === 'unreadable' ? first : null
  const explain = ctx.settings.ticketIds !== null
  // Reasoned once: the decision and a ticket-ids run's explanation read the same reasoning.
  const reasoning = unreadable && !explain ? null : reason(ticket, messages, ctx.settings, now)
  const decided = unreadable ? { decision: unreadable, schedule: null } : reasoning!
  // Ours by sender and text, their marker missing: counted from the thread the decision read.
  if (!unreadable) ctx.tally.unmarked += (reasoning!.timeline ?? []).filter(t => t.unmarked).length
  if (reasoning && explain) {
    const explanation = explainTicket(ticket, messages, ctx.settings, now, reasoning)
    const { decision } = decided
    if (decision.kind === 'follow-up' || decision.kind === 'close') {
      explanation.message = previewMessage(ctx.settings, ticket, decision)
    }
    ctx.tally.explanations.push({ order: c.order, explanation })
  }
  return decided
}

function needsAPerson(
  ctx: SweepContext,
  ticket: Ticket,
  d: Decision | null,
  reason: SkipReason,
  detail?: string
): void {
  ctx.tally.skip(reason, { ...outcome(ctx, ticket, d, 'skipped', detail), skipReason: reason })
}

/** A ticket this run wrote to, not due until `due`, remembered with the server's time of it. */
function remember(ctx: SweepContext, ticket: Ticket, due: Date): void {
  const wrote = ctx.client.lastWriteAt?.(ticket.id) ?? null
  if (wrote !== null) ctx.state?.notDue(ticket, due, wrote)
}

function defer(ctx: SweepContext, c: Candidate, why: string): void {
  ctx.tally.action(c.order, outcome(ctx, c.ticket, null, 'deferred', `not read: ${why}`))
}

function readFailed(ctx: SweepContext, c: Candidate, err: unknown): void {
  if (err instanceof NotFoundError) return ctx.tally.skip('not-found')
  if (err instanceof UnreadableThreadError) {
    // Never decided on: a thread that is not the ticket's own could start a cycle it never had.
    return ctx.tally.skip('unreadable', outcome(ctx, c.ticket, null, 'skipped', errorText(err)))
  }
  const deferred = recordFailure(ctx, err, true)
  if (deferred !== null) return defer(ctx, c, deferred)
  ctx.tally.readFailures.push(failed(ctx, c.ticket, null, err))
}

/** A tag repair leaves the ticket counted under why it gets no follow-up or close. */
async function repairTags(
  ctx: SweepContext,
  ticket: Ticket,
  d: Extract<Decision, { kind: 'untag' | 'tag-follow-up' }>,
  schedule: Schedule | null
): Promise<void> {
  let repaired = outcome(ctx, ticket, d, 'would-do')
  if (!ctx.settings.dryRun) {
    try {
      const detail =
        d.kind === 'untag' ? await removeOurTags(ctx, ticket, d) : await addFollowUpTag(ctx, ticket)
      repaired = outcome(ctx, ticket, d, 'done', detail)
    } catch (err) {
      recordFailure(ctx, err, false)
      repaired = failed(ctx, ticket, d, err)
    }
  }
  const customer = d.kind === 'untag' && d.because === 'customer-replied'
  ctx.tally.skip(customer ? 'customer-replied' : 'not-due')
  ctx.tally.tagRepairs.push(repaired)
  // After a repair that leaves the cycle waiting on time (not on the customer), it is not due.
  const waitsOnTime = d.kind === 'tag-follow-up' || d.because === 'agent-replied'
  if (repaired.result === 'done' && schedule && waitsOnTime) {
    remember(ctx, ticket, dueTime(schedule, ctx.settings))
  }
}

/** A follow-up or close: the veto, then the writes. Returns whether it was attempted. */
async function act(
  ctx: SweepContext,
  order: number,
  ticket: Ticket,
  messages: Message[],
  d: ActionDecision
): Promise<boolean> {
  const { tally, settings } = ctx
  if (ctx.veto) {
    let veto: { skip: string } | undefined
    try {
      veto = await ctx.veto(ticket, messages, d)
    } catch (err) {
      // A throw or a timeout of the policy module fails this ticket: it is never acted on.
      recordFailure(ctx, err, false)
      tally.action(order, failed(ctx, ticket, d, err, 'policy-module'))
      return true
    }
    if (veto) {
      tally.skip('policy-module', outcome(ctx, ticket, d, 'skipped', veto.skip))
      return false
    }
  }
  if (settings.dryRun) {
    const planned = outcome(ctx, ticket, d, 'would-do')
    const message = previewMessage(settings, ticket, d)
    if (message) planned.message = message
    tally.action(order, planned)
    return true
  }
  try {
    const sentAt = d.kind === 'follow-up' ? await followUp(ctx, ticket, d) : await close(ctx, ticket, d) // prettier-ignore
    tally.action(order, outcome(ctx, ticket, d, 'done'))
    if (d.kind === 'follow-up' && sentAt) {
      remember(
        ctx,
        ticket,
        earliestAfterFollowUp(d.replyAt, d.reminder, sentAt.getTime(), settings)
      )
    }
  } catch (err) {
    // A write that landed in part is never deferred: it failed, saying what was done.
    const partial = err instanceof PartialWrite ? err : null
    // Nor is one whose write may have landed before it stopped (a close not retried, say).
    const landed = err instanceof GorgiasError && err.mayHaveApplied
    const deferred = recordFailure(ctx, partial ? partial.cause : err, !partial && !landed)
    const o =
      deferred === null
        ? failed(ctx, ticket, d, err)
        : outcome(ctx, ticket, d, 'deferred', deferred)
    if (partial?.effective) o.wrote = true
    tally.action(order, o)
  }
  return true
}

/**
 * Every failure of a ticket's step passes here, and only here does one stop the run: rejected
 * credentials always; the time limit when the step wrote nothing and the ticket can wait
 * (`deferrable`). Returns why the ticket is deferred, or null when it failed on its own.
 */
function recordFailure(ctx: SweepContext, err: unknown, deferrable: boolean): string | null {
  // A post left unconfirmed: its checking read's failure counts, but the post may have gone.
  if (err instanceof UnconfirmedPost) return recordFailure(ctx, err.reread, false)
  if (err instanceof AuthError) {
    stopRun(ctx, { kind: 'credentials', error: err })
    return deferrable ? CREDENTIALS : null
  }
  if (deferrable && err instanceof DeadlineError) {
    stopRun(ctx, timeLimit(ctx))
    return TIME_LIMIT
  }
  return null
}

function timeLimit(ctx: SweepContext): Stop {
  return { kind: 'time-limit', minutes: ctx.settings.timeLimitMinutes }
}
