import { followUpKind } from '../compose.js'
import { explainTicket, shownFirstName } from '../explain.js'
import {
  AuthError,
  DeadlineError,
  NotFoundError,
  UnreadableThreadError
} from '../gorgias/errors.js'
import type { Message, Ticket } from '../gorgias/types.js'
import { reason, triage, unmarkedOwnMessages } from '../policy/decide.js'
import { dueTime, earliestAfterFollowUp, type Schedule } from '../policy/schedule.js'
import { templatesFor } from '../policy/thread.js'
import type { ActionDecision, Decision, SkipReason } from '../policy/types.js'
import { previewMessage } from '../preview.js'
import { pastDeadline, stopRun, type SweepContext } from './context.js'
import { noteReopened, type Candidate } from './listing.js'
import {
  failureCode,
  type ActionKind,
  type FailureCode,
  type Outcome,
  type Result,
  type Stop
} from './types.js'
import {
  addFollowUpTag,
  close,
  errorText,
  followUp,
  PartialWrite,
  removeOurTags
} from './writes.js'

/**
 * One candidate: a max-actions slot, the read (the ticket with its messages), the decision taken on
 * that read and acted on right away, so nothing is written on data older than it.
 */

/**
 * Skips of a read ticket that only a new message (which moves `updated_datetime`) can undo; the
 * state trusts them without a read for a day at most, so nothing odd lasts longer.
 */
const UNTIL_CHANGED = new Set<SkipReason>(['no-agent-reply', 'customer-replied', 'reopened'])
const UNTIL_CHANGED_MS = 24 * 3_600_000

const CREDENTIALS = 'the run stopped: credentials rejected'
/** Skips no later run resolves by itself: listed ticket by ticket for a person to look at. */
const NEEDS_A_PERSON: readonly SkipReason[] = ['no-customer-address', 'reply-failed', 'unreadable']
const TIME_LIMIT = 'time limit reached'

export function outcome(
  ticket: Ticket | { id: number },
  decision: Decision | null,
  action: ActionKind,
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
    action,
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
  return o
}

/** Handles one candidate: a slot, the read, the decision, the writes; counted once in the tally. */
export async function readAndAct(ctx: SweepContext, c: Candidate): Promise<void> {
  const ticket = c.listed ?? { id: c.ticketId }
  if (!ctx.stop && pastDeadline(ctx)) stopRun(ctx, timeLimit(ctx))
  if (ctx.stop) {
    return defer(ctx, c.order, ticket, ctx.stop.kind === 'credentials' ? CREDENTIALS : TIME_LIMIT)
  }
  if (!(await ctx.slots.acquire(c.order))) return defer(ctx, c.order, ticket, 'max-actions reached')
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
  let read: { ticket: Ticket; messages: Message[] }
  tally.read++
  try {
    read = await ctx.client.readTicket(c.ticketId)
  } catch (err) {
    readFailed(ctx, c, err)
    return false
  }
  const { ticket, messages } = read
  // Another ticket came back (merged into it, or a confused server): nothing is written on data
  // that is not the ticket asked about; if it is due, it is listed and read on its own.
  if (ticket.id !== c.ticketId) {
    tally.skip('not-found')
    return false
  }
  tally.unmarked += unmarkedOwnMessages(ticket, messages, settings).length
  const now = ctx.now()
  let decided: { decision: Decision; schedule: Schedule | null }
  try {
    decided = decide(ctx, c, ticket, messages, now)
  } catch (err) {
    // Only data odd enough to trip the policy lands here; it is never acted on.
    skipNeedingAPerson(ctx, outcome(ticket, null, 'check', 'skipped', errorText(err)), 'unreadable')
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
      if (NEEDS_A_PERSON.includes(decision.reason)) {
        const line = outcome(ticket, decision, 'check', 'skipped', decision.detail)
        skipNeedingAPerson(ctx, line, decision.reason)
      } else tally.skip(decision.reason)
      return false
    case 'untag':
    case 'tag-follow-up':
      // After a repair that leaves the cycle waiting on time (not on the customer), it is not due.
      if (
        (await repairTags(ctx, ticket, decision)) &&
        schedule &&
        (decision.kind === 'tag-follow-up' || decision.because === 'agent-replied')
      ) {
        remember(ctx, ticket, dueTime(schedule, settings))
      }
      return false
    case 'follow-up':
    case 'close': {
      const acted = await act(ctx, c.order, ticket, messages, decision)
      if (acted instanceof Date && decision.kind === 'follow-up') {
        const { replyAt, reminder } = decision
        remember(ctx, ticket, earliestAfterFollowUp(replyAt, reminder, acted.getTime(), settings))
      }
      return acted !== 'not-attempted'
    }
  }
}

/**
 * The decision on the fresh read, and its explanation in a ticket-ids run. Timestamps of the ticket
 * that are present but not dates make it unreadable (the triage's rule): never acted on.
 */
function decide(
  ctx: SweepContext,
  c: Candidate,
  ticket: Ticket,
  messages: Message[],
  now: Date
): { decision: Decision; schedule: Schedule | null } {
  const first = triage(ticket, ctx.settings, now)
  const decided =
    first.kind === 'skip' && first.reason === 'unreadable'
      ? { decision: first, schedule: null }
      : reason(ticket, messages, ctx.settings, now)
  // ticket-ids runs explain every ticket
  if (ctx.settings.ticketIds !== null) {
    const explanation = explainTicket(ticket, messages, ctx.settings, now)
    const { decision } = decided
    if (decision.kind === 'follow-up' || decision.kind === 'close') {
      explanation.message = previewMessage(ctx.settings, ticket, decision)
    }
    ctx.tally.explanations.push({ order: c.order, explanation })
  }
  return decided
}

function skipNeedingAPerson(ctx: SweepContext, line: Outcome, reason: SkipReason): void {
  line.skipReason = reason
  ctx.tally.skip(reason, line)
}

/** A ticket this run wrote to, not due until `due`, remembered with the server's time of the write. */
function remember(ctx: SweepContext, ticket: Ticket, due: Date): void {
  const wrote = ctx.client.lastWriteAt?.(ticket.id) ?? null
  if (wrote !== null) ctx.state?.notDue(ticket, due, wrote)
}

function defer(ctx: SweepContext, order: number, ticket: Ticket | { id: number }, why: string) {
  ctx.tally.action(order, outcome(ticket, null, 'check', 'deferred', `not read: ${why}`))
}

function readFailed(ctx: SweepContext, c: Candidate, err: unknown): void {
  const ticket = c.listed ?? { id: c.ticketId }
  if (err instanceof NotFoundError) return ctx.tally.skip('not-found')
  if (err instanceof UnreadableThreadError) {
    // Never decided on: a thread that is not the ticket's own could start a cycle it never had.
    return ctx.tally.skip('unreadable', outcome(ticket, null, 'check', 'skipped', errorText(err)))
  }
  const deferred = recordFailure(ctx, err, true)
  if (deferred !== null) return defer(ctx, c.order, ticket, deferred)
  ctx.tally.readFailures.push(failed(outcome(ticket, null, 'check', 'failed', errorText(err)), err))
}

/** Returns whether the repair was written (not in a dry run, and it did not fail). */
async function repairTags(
  ctx: SweepContext,
  ticket: Ticket,
  d: Extract<Decision, { kind: 'untag' | 'tag-follow-up' }>
): Promise<boolean> {
  const line = (result: Result, detail?: string) => outcome(ticket, d, d.kind, result, detail)
  let repaired: Outcome
  if (ctx.settings.dryRun) repaired = line('would-do')
  else {
    try {
      const detail =
        d.kind === 'untag' ? await removeOurTags(ctx, ticket, d) : await addFollowUpTag(ctx, ticket)
      repaired = line('done', detail)
    } catch (err) {
      recordFailure(ctx, err, false)
      repaired = failed(line('failed', errorText(err)), err)
    }
  }
  const customer = d.kind === 'untag' && d.because === 'customer-replied'
  ctx.tally.tagRepair(customer ? 'customer-replied' : 'not-due', repaired)
  return repaired.result === 'done'
}

/**
 * A follow-up or close: the veto, then the writes. Returns the follow-up's time on the server's
 * clock once sent, 'done' for a close, 'attempted' (planned, failed, deferred: its slot is used), or
 * 'not-attempted' (vetoed).
 */
async function act(
  ctx: SweepContext,
  order: number,
  ticket: Ticket,
  messages: Message[],
  d: ActionDecision
): Promise<'done' | Date | 'attempted' | 'not-attempted'> {
  const { tally } = ctx
  const line = (result: Result, detail?: string): Outcome => {
    const o = outcome(ticket, d, d.kind, result, detail)
    const { language, templates } = templatesFor(ctx.settings.messages, ticket.language)
    o.language = language
    const kind =
      d.kind === 'follow-up'
        ? followUpKind(templates, d.reminder, d.reminders)
        : d.postMessage
          ? 'close'
          : null
    const source = kind === null ? undefined : templates.sources?.[kind]
    if (source !== undefined) o.textSource = source
    return o
  }
  if (ctx.veto) {
    let veto: { skip: string } | undefined
    try {
      veto = await ctx.veto(ticket, messages, d)
    } catch (err) {
      // A throw or a timeout of the policy module fails this ticket: it is never acted on.
      recordFailure(ctx, err, false)
      tally.action(order, failed(line('failed', errorText(err)), err, 'policy-module'))
      return 'attempted'
    }
    if (veto) {
      tally.skip('policy-module', line('skipped', veto.skip))
      return 'not-attempted'
    }
  }
  if (ctx.settings.dryRun) {
    const planned = line('would-do')
    const message = previewMessage(ctx.settings, ticket, d)
    if (message) planned.message = message
    tally.action(order, planned)
    return 'attempted'
  }
  try {
    const sentAt = d.kind === 'follow-up' ? await followUp(ctx, ticket, d) : await close(ctx, ticket, d) // prettier-ignore
    tally.action(order, line('done'))
    return sentAt instanceof Date ? sentAt : 'done'
  } catch (err) {
    // A write that landed in part is never deferred: it failed, saying what was done.
    const partial = err instanceof PartialWrite ? err : null
    const cause = partial ? partial.cause : err
    const deferred = recordFailure(ctx, cause, !partial)
    const o =
      deferred === null ? failed(line('failed', errorText(err)), cause) : line('deferred', deferred)
    if (partial?.effective) o.wrote = true
    tally.action(order, o)
  }
  return 'attempted'
}

/**
 * Every failure of a ticket's step passes here, and only here does one stop the run: rejected
 * credentials always; the time limit when the step wrote nothing and the ticket can wait
 * (`deferrable`). Returns why the ticket is deferred, or null when it failed on its own.
 */
function recordFailure(ctx: SweepContext, err: unknown, deferrable: boolean): string | null {
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

/** A failed outcome with its fixed code (the audit file keeps the code, never the words). */
function failed(o: Outcome, err: unknown, code?: FailureCode): Outcome {
  o.code = code ?? failureCode(err)
  return o
}
