import { addBusinessMs, isOpenAt, nextOpening } from '../businessHours.js'
import type { Ticket } from '../gorgias/types.js'
import { closeMarker, followUpMarker, templatesFor, type Entry } from './thread.js'
import {
  elapsedMs,
  HOUR,
  ownTag,
  ownTags,
  parseTimeField,
  skip,
  splitTags,
  stop,
  untag,
  type Cycle,
  type Deciding,
  type Decision,
  type PolicySettings
} from './types.js'

/** The next step, and the ages it waits for in (business) hours: since the reply, the last one. */
interface Step {
  action: 'follow-up' | 'close'
  /** for a follow-up: which one (1-based) */
  reminder: number | null
  afterReplyHours: number
  afterLastFollowUpHours: number
}

/** Where the cycle stands, and its next step. */
export interface Schedule {
  /** follow-ups sent in this cycle, marked or recognised */
  sent: number
  replyAt: Date
  lastFollowUpAt: Date | null
  /** ms since the reply, and since the last follow-up (0 without one); business time when set */
  replyAge: number
  lastFollowUpAge: number
  next: Step
}

/** A cycle this action may act on, and its follow-ups so far (marked or recognised, in order). */
export type CycleFacts = { cycle: Cycle; followUps: Entry[]; closeMessagePosted: boolean }

/** The step after `sent` follow-ups. */
function stepAfter(sent: number, s: PolicySettings): Step {
  const hours = s.followUpHours
  // The hard stop: one silence never gets more reminders than the schedule has.
  if (sent < hours.length) {
    const gap = sent === 0 ? 0 : hours[sent]! - hours[sent - 1]!
    const afterReplyHours = hours[sent]!
    return { action: 'follow-up', reminder: sent + 1, afterReplyHours, afterLastFollowUpHours: gap }
  }
  // The customer always gets the whole grace window after the last follow-up, even a late one.
  const grace = s.closeHours - hours[hours.length - 1]!
  return {
    action: 'close',
    reminder: null,
    afterReplyHours: s.closeHours,
    afterLastFollowUpHours: grace
  }
}

/**
 * The cycle's next step: a follow-up or the close when due (a skip when the ticket was reopened,
 * or until business hours), else a tag repair or nothing yet. Each check is noted.
 */
export function nextStep(
  d: Deciding,
  facts: CycleFacts
): { decision: Decision; schedule: Schedule } {
  const { ticket, s, now, note } = d
  const { cycle, followUps } = facts
  const last = followUps.at(-1)
  const schedule: Schedule = {
    sent: followUps.length,
    replyAt: cycle.replyAt,
    lastFollowUpAt: last?.at ?? null,
    replyAge: elapsedMs(cycle.replyAt, now, s),
    lastFollowUpAge: last ? elapsedMs(last.at, now, s) : 0,
    next: stepAfter(followUps.length, s)
  }
  const { sent, next } = schedule
  const done = (decision: Decision) => ({ decision, schedule })
  const reminders = `${sent} of ${s.followUpHours.length} follow-up(s) sent in this cycle`
  note('reminders', true, `${reminders}: next is ${stepName(next)}`)
  // Any step after a follow-up, not only the close: a reminder sent to a ticket a person reopened
  // would undo their decision, and the close after it would follow.
  if (sent > 0) {
    if (parseTimeField(ticket.closed_datetime) === undefined) {
      const unknown = 'closed_datetime is not a date: a reopen cannot be ruled out'
      return done(stop(d, 'not-reopened', unknown, 'unreadable', unknown))
    }
    const why = 'closed and reopened since the first follow-up; left to agents'
    if (reopenedAfter(ticket, followUps[0]!.at, s))
      return done(stop(d, 'not-reopened', why, 'reopened', why))
    note('not-reopened', true, 'not closed and reopened since the first follow-up')
  }
  const due = dueStep(d, facts, schedule)
  if (due !== null) return done(due)
  if (sent > 0 && !ownTag(ticket, s.followUpTag)) {
    return done({ kind: 'tag-follow-up', ticketId: ticket.id, ...cycle })
  }
  const ours = ownTags(ticket, s)
  if (sent === 0 && ours.length > 0) return done(untag(ticket, ours, 'agent-replied'))
  return done(skip(ticket, 'not-due'))
}

/** The next step as a decision once both of its ages are reached; null when it is not due yet. */
function dueStep(d: Deciding, facts: CycleFacts, schedule: Schedule): Decision | null {
  const { ticket, s } = d
  const { cycle } = facts
  const { sent, next } = schedule
  const isDue =
    schedule.replyAge >= next.afterReplyHours * HOUR &&
    schedule.lastFollowUpAge >= next.afterLastFollowUpHours * HOUR
  d.note(
    'due',
    isDue,
    `${stepName(next)} is ${isDue ? 'due' : 'not due'}: ${agesText(schedule, s)}`
  )
  if (!isDue) return null
  const window = waitForWindow(d)
  if (window) return window
  if (next.action === 'close') {
    const { close } = templatesFor(s.messages, ticket.language).templates
    const postMessage = close !== '' && !facts.closeMessagePosted
    const marker = closeMarker(cycle.reply.id)
    return { kind: 'close', ticketId: ticket.id, ...cycle, postMessage, marker }
  }
  // A first follow-up takes off the closed-tag an earlier cycle left.
  const closedTag = sent === 0 ? ownTag(ticket, s.closedTag) : undefined
  const stale = splitTags(closedTag ? [closedTag] : [])
  return {
    kind: 'follow-up',
    ticketId: ticket.id,
    ...cycle,
    reminder: sent + 1,
    reminders: s.followUpHours.length,
    marker: followUpMarker(sent + 1, cycle.reply.id),
    staleTags: stale.tags,
    staleNamesWithoutId: stale.namesWithoutId
  }
}

/** A due step outside business hours waits for the next opening; null when it may go now. */
function waitForWindow(d: Deciding): Decision | null {
  const bh = d.s.businessHours
  if (!bh) return null
  if (isOpenAt(d.now, bh)) {
    d.note('business-hours', true, `inside business hours (${bh.describe})`)
    return null
  }
  const opens = nextOpening(d.now, bh).toISOString()
  const why = `outside business hours (${bh.describe}); opens ${opens}`
  const detail = `due; waits for business hours (from ${opens})`
  return stop(d, 'business-hours', why, 'outside-business-hours', detail)
}

/** "follow-up 2", "the close". */
const stepName = (next: Step): string =>
  next.action === 'close' ? 'the close' : `follow-up ${next.reminder}`

const hoursText = (ms: number): string => (ms / HOUR).toFixed(1)

/** The ages a step waits for, against the hours it needs, in words. */
function agesText(schedule: Schedule, s: PolicySettings): string {
  const unit = s.businessHours ? ' business hours' : ' hours'
  const { next } = schedule
  return (
    `the reply is ${hoursText(schedule.replyAge)}${unit} old (${next.afterReplyHours} needed)` +
    (schedule.lastFollowUpAt
      ? `, the last follow-up ${hoursText(schedule.lastFollowUpAge)}${unit} old (${next.afterLastFollowUpHours} needed)`
      : '')
  )
}

/**
 * Closed and reopened since the cycle's first follow-up, with no new message: a person's decision,
 * never undone. Evidence: our closed-tag (added only after a close, so on an open ticket it means a
 * reopen), or a `closed_datetime` after the follow-up (when the API keeps it after a reopen).
 */
function reopenedAfter(ticket: Ticket, since: Date, s: PolicySettings): boolean {
  if (ownTag(ticket, s.closedTag)) return true
  const closedAt = parseTimeField(ticket.closed_datetime)
  return closedAt instanceof Date && closedAt.getTime() > since.getTime()
}

/**
 * `hours` after `from`, in business hours when set, and then the next opening if that falls
 * outside them: when a step counted from `from` is due.
 */
export function dueAfter(
  from: Date,
  hours: number,
  s: Pick<PolicySettings, 'businessHours'>
): Date {
  const bh = s.businessHours
  if (!bh) return new Date(from.getTime() + hours * HOUR)
  const at = addBusinessMs(from, hours * HOUR, bh)
  return isOpenAt(at, bh) ? at : nextOpening(at, bh)
}

/**
 * When the next step becomes due: the later of its two ages reached (dueAfter; the next opening
 * keeps their order). The time a "not due" can change on the clock alone.
 */
export function dueTime(schedule: Schedule, s: PolicySettings): Date {
  const { next } = schedule
  const afterReply = dueAfter(schedule.replyAt, next.afterReplyHours, s)
  if (!schedule.lastFollowUpAt) return afterReply
  const sinceLast = dueAfter(schedule.lastFollowUpAt, next.afterLastFollowUpHours, s)
  return sinceLast.getTime() > afterReply.getTime() ? sinceLast : afterReply
}

/** When the next follow-up or close becomes due, as explain.ts tells it. */
export type Due = Pick<Step, 'action' | 'reminder'> & { at: Date }

/**
 * When the next step becomes due (past when it acts now), or the next opening for one waiting for
 * business hours. Null when time alone changes nothing: no cycle to act on, or a reopened ticket.
 */
export function whenDue(
  decision: Decision,
  schedule: Schedule | null,
  s: PolicySettings,
  now: Date
): Due | null {
  if (!schedule || (decision.kind === 'skip' && decision.reason === 'reopened')) return null
  const bh = s.businessHours
  const waitsForWindow = decision.kind === 'skip' && decision.reason === 'outside-business-hours'
  const at = waitsForWindow && bh ? nextOpening(now, bh) : dueTime(schedule, s)
  return { action: schedule.next.action, reminder: schedule.next.reminder, at }
}

/**
 * The earliest the step after follow-up `sent` (sent at `sentAt` on the server's clock) can become
 * due, in real hours: business hours only make it later, so a run trusting it is never late.
 */
export function earliestAfterFollowUp(
  replyAt: Date,
  sent: number,
  sentAt: number,
  s: PolicySettings
): Date {
  const { afterReplyHours, afterLastFollowUpHours } = stepAfter(sent, s)
  const afterReply = replyAt.getTime() + afterReplyHours * HOUR
  return new Date(Math.max(afterReply, sentAt + afterLastFollowUpHours * HOUR))
}
