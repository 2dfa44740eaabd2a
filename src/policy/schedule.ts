import { addBusinessMs, isOpenAt, nextOpening } from '../businessHours.js'
import type { Ticket } from '../gorgias/types.js'
import { closeMarker, followUpMarker, templatesFor, type Entry } from './thread.js'
import {
  elapsedMs,
  HOUR,
  ownTag,
  parseTimeField,
  skip,
  staleTags,
  untag,
  type Cycle,
  type Decision,
  type Note,
  type OwnTag,
  type PolicySettings
} from './types.js'

/** The timing of the current cycle, once it and its route are known. */
export interface Schedule {
  /** follow-ups the schedule has (follow-up-hours) */
  reminders: number
  /** follow-ups sent in this cycle, marked or recognised */
  sent: number
  replyAt: Date
  lastFollowUpAt: Date | null
  /**
   * the next step and the ages it waits for, in hours (business hours when business-hours is
   * set): since the agent's reply, and since the last follow-up
   */
  next: {
    action: 'follow-up' | 'close'
    /** for a follow-up: which one (1-based) */
    reminder: number | null
    afterReplyHours: number
    afterLastFollowUpHours: number
  }
}

/** A cycle this action may act on, as the thread shows it (see currentCycle in decide.ts). */
export interface CycleFacts {
  cycle: Cycle
  /** this action's follow-ups in the cycle, marked or recognised, in thread order */
  followUps: Entry[]
  /** this action's close message is already in the cycle */
  closeMessagePosted: boolean
  followUpTag: OwnTag | undefined
  /** this action's tags on the ticket: the follow-up tag and the closed tag */
  ourTags: OwnTag[]
}

/** Where the cycle stands: what was sent, and how old the reply and the last follow-up are. */
interface Progress {
  reminders: number
  sent: number
  lastFollowUp: Entry | undefined
  /** since the agent's reply, in ms (business time when business-hours is set) */
  replyAge: number
  /** since the last follow-up, likewise; 0 when there is none */
  lastFollowUpAge: number
}

/**
 * The cycle's next step and its timing: a follow-up or the close when due (a skip when the ticket
 * was reopened, or until business hours), else a tag repair or nothing yet. Each check is noted.
 */
export function nextStep(
  ticket: Ticket,
  facts: CycleFacts,
  s: PolicySettings,
  now: Date,
  note: Note
): { decision: Decision; schedule: Schedule } {
  const { cycle, followUps, followUpTag, ourTags } = facts
  const lastFollowUp = followUps[followUps.length - 1]
  const progress: Progress = {
    reminders: s.followUpHours.length,
    sent: followUps.length,
    lastFollowUp,
    replyAge: elapsedMs(cycle.replyAt, now, s),
    lastFollowUpAge: lastFollowUp ? elapsedMs(lastFollowUp.at, now, s) : 0
  }
  const { sent, reminders } = progress
  const schedule = scheduleOf(cycle, progress, s)
  const done = (decision: Decision): { decision: Decision; schedule: Schedule } => ({
    decision,
    schedule
  })

  note(
    'reminders',
    true,
    `${sent} of ${reminders} follow-up(s) sent in this cycle: next is ${stepName(schedule.next)}`
  )
  if (schedule.next.action === 'close') {
    if (reopenedAfter(ticket, lastFollowUp!.at, s)) {
      note('not-reopened', false, 'closed and reopened since the last follow-up; left to agents')
      return done(
        skip(ticket, 'reopened', 'closed and reopened since the last follow-up; left to agents')
      )
    }
    note('not-reopened', true, 'not closed and reopened since the last follow-up')
  }
  const due = dueStep(ticket, facts, progress, schedule.next, s, now, note)
  if (due !== null) return done(due)

  if (sent > 0 && !followUpTag) {
    return done({ kind: 'tag-follow-up', ticketId: ticket.id, ...cycle })
  }
  if (sent === 0 && ourTags.length > 0) return done(untag(ticket, ourTags, 'agent-replied'))
  return done(skip(ticket, 'not-due'))
}

/** The next step and the ages it waits for, from where the cycle stands. */
function scheduleOf(cycle: Cycle, progress: Progress, s: PolicySettings): Schedule {
  const { sent, reminders, lastFollowUp } = progress
  const base = { reminders, sent, replyAt: cycle.replyAt, lastFollowUpAt: lastFollowUp?.at ?? null }
  // The hard stop: one silence never gets more reminders than the schedule has, whatever else the
  // thread says; from there on the only way forward is the close.
  if (sent < reminders) {
    const dueAge = s.followUpHours[sent]!
    const gap = sent === 0 ? 0 : dueAge - s.followUpHours[sent - 1]!
    return {
      ...base,
      next: {
        action: 'follow-up',
        reminder: sent + 1,
        afterReplyHours: dueAge,
        afterLastFollowUpHours: gap
      }
    }
  }
  // The customer always gets the whole grace window after the last follow-up, even when that
  // follow-up went out late.
  const grace = s.closeHours - s.followUpHours[reminders - 1]!
  return {
    ...base,
    next: {
      action: 'close',
      reminder: null,
      afterReplyHours: s.closeHours,
      afterLastFollowUpHours: grace
    }
  }
}

/**
 * The next step as a decision once both of its ages are reached (a skip when it must wait for
 * business hours); null when it is not due yet.
 */
function dueStep(
  ticket: Ticket,
  facts: CycleFacts,
  progress: Progress,
  next: Schedule['next'],
  s: PolicySettings,
  now: Date,
  note: Note
): Decision | null {
  const { cycle } = facts
  const { sent, reminders } = progress
  const what = stepName(next)
  const ages = agesText(progress, s, next.afterReplyHours, next.afterLastFollowUpHours)
  const isDue =
    progress.replyAge >= next.afterReplyHours * HOUR &&
    progress.lastFollowUpAge >= next.afterLastFollowUpHours * HOUR
  if (!isDue) {
    note('due', false, `${what} is not due: ${ages}`)
    return null
  }
  note('due', true, `${what} is due: ${ages}`)
  const window = waitForWindow(ticket, s, now, note)
  if (window) return window
  if (next.action === 'close') {
    return {
      kind: 'close',
      ticketId: ticket.id,
      ...cycle,
      postMessage:
        templatesFor(s.messages, ticket.language).templates.close !== '' &&
        !facts.closeMessagePosted,
      marker: closeMarker(cycle.reply.id)
    }
  }
  return {
    kind: 'follow-up',
    ticketId: ticket.id,
    ...cycle,
    reminder: sent + 1,
    reminders,
    marker: followUpMarker(sent + 1, cycle.reply.id),
    ...staleTags(sent === 0 ? facts.ourTags.filter(t => t !== facts.followUpTag) : [])
  }
}

/** A due step outside business hours waits for the next opening; null when it may go now. */
function waitForWindow(ticket: Ticket, s: PolicySettings, now: Date, note: Note): Decision | null {
  if (!s.businessHours) return null
  if (isOpenAt(now, s.businessHours)) {
    note('business-hours', true, `inside business hours (${s.businessHours.describe})`)
    return null
  }
  const opens = nextOpening(now, s.businessHours).toISOString()
  note(
    'business-hours',
    false,
    `outside business hours (${s.businessHours.describe}); opens ${opens}`
  )
  return skip(ticket, 'outside-business-hours', `due; waits for business hours (from ${opens})`)
}

/** The next step as the checks name it: "follow-up 2", "the close". */
const stepName = (next: Schedule['next']): string =>
  next.action === 'close' ? 'the close' : `follow-up ${next.reminder}`

const hoursText = (ms: number): string => (ms / HOUR).toFixed(1)

/** The ages a step waits for, against the hours it needs, in words. */
function agesText(
  progress: Progress,
  s: PolicySettings,
  needReply: number,
  needLast: number
): string {
  const unit = s.businessHours ? ' business hours' : ' hours'
  return (
    `the reply is ${hoursText(progress.replyAge)}${unit} old (${needReply} needed)` +
    (progress.lastFollowUp
      ? `, the last follow-up ${hoursText(progress.lastFollowUpAge)}${unit} old (${needLast} needed)`
      : '')
  )
}

/**
 * Whether an open ticket was closed and reopened since `since` (the last follow-up) with no new
 * message: a person's decision to keep it open, never to be undone by this action. Evidence is
 * either this action's closed-tag (added only after a close, so on an open ticket within the same
 * cycle it means a reopen) or a `closed_datetime` later than the follow-up (any close, by us or by
 * an agent, followed by a reopen, when the API keeps that field after a reopen).
 */
function reopenedAfter(ticket: Ticket, since: Date, s: PolicySettings): boolean {
  if (ownTag(ticket, s.closedTag)) return true
  const closedAt = parseTimeField(ticket.closed_datetime)
  return closedAt instanceof Date && closedAt.getTime() > since.getTime()
}

/**
 * When the cycle's next step becomes due: both of its ages reached (since the agent's reply, since
 * the last follow-up), counted in business hours when set, then the next opening if that instant
 * falls outside them. The time a "not due" decision can change on the clock alone.
 */
export function dueTime(schedule: Schedule, s: PolicySettings): Date {
  const after = (from: Date, hours: number): Date =>
    s.businessHours
      ? addBusinessMs(from, hours * HOUR, s.businessHours)
      : new Date(from.getTime() + hours * HOUR)
  const { next } = schedule
  let at = after(schedule.replyAt, next.afterReplyHours)
  if (schedule.lastFollowUpAt) {
    const sinceLast = after(schedule.lastFollowUpAt, next.afterLastFollowUpHours)
    if (sinceLast.getTime() > at.getTime()) at = sinceLast
  }
  if (s.businessHours && !isOpenAt(at, s.businessHours)) at = nextOpening(at, s.businessHours)
  return at
}

/** When the next follow-up or close becomes due, as explain.ts tells it. */
export interface Due {
  action: 'follow-up' | 'close'
  /** for a follow-up: which one (1-based) */
  reminder: number | null
  at: Date
}

/**
 * When the cycle's next step becomes due (dueTime), for a decision that waits on time or acts now
 * (then it is in the past); a step due already but waiting for business hours goes at the next
 * opening. Null when nothing is pending on time alone.
 */
export function whenDue(
  decision: Decision,
  schedule: Schedule | null,
  s: PolicySettings,
  now: Date
): Due | null {
  if (!schedule) return null
  const waitsOnTime =
    decision.kind === 'follow-up' ||
    decision.kind === 'close' ||
    decision.kind === 'tag-follow-up' ||
    (decision.kind === 'untag' && decision.because === 'agent-replied') ||
    (decision.kind === 'skip' &&
      (decision.reason === 'not-due' || decision.reason === 'outside-business-hours'))
  if (!waitsOnTime) return null
  const bh = s.businessHours
  const waitsForWindow = decision.kind === 'skip' && decision.reason === 'outside-business-hours'
  const at = waitsForWindow && bh ? nextOpening(now, bh) : dueTime(schedule, s)
  return { action: schedule.next.action, reminder: schedule.next.reminder, at }
}

/**
 * The earliest the step after a follow-up just sent (reminder `sent`, at `sentAt` on the server's
 * clock) can become due, in real hours: business hours only ever make it later. A lower bound, so
 * that a run trusting it reads the ticket no later than needed.
 */
export function earliestAfterFollowUp(
  replyAt: Date,
  sent: number,
  sentAt: number,
  s: PolicySettings
): Date {
  const reminders = s.followUpHours.length
  const last = s.followUpHours[sent - 1]!
  const afterReply = sent < reminders ? s.followUpHours[sent]! : s.closeHours
  const gap = afterReply - last
  return new Date(Math.max(replyAt.getTime() + afterReply * HOUR, sentAt + gap * HOUR))
}
