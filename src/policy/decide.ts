import type { Message, Ticket } from '../gorgias/types.js'
import type { Check, Note } from './checks.js'
import { skip, untag, type Decision, type PolicySettings, type Triage } from './decision.js'
import { isReadableMessage } from './message.js'
import { replyRoute } from './route.js'
import { nextStep, type CycleFacts, type Schedule } from './schedule.js'
import { ownTag, type OwnTag } from './tags.js'
import { readThread, timelineOf, type Thread, type TimelineMessage } from './thread.js'
import { ticketSkip } from './ticket.js'
import { elapsedMs, HOUR, parseTime } from './time.js'

/** The decision with the reasoning behind it, step by step (explain.ts tells it to people). */
export interface Reasoning {
  decision: Decision
  /** the checks made, in order, up to the one that decided */
  checks: Check[]
  /** every message in thread order, with what it counts as; null when they cannot be read */
  timeline: TimelineMessage[] | null
  schedule: Schedule | null
}

/**
 * Decides from a list item alone what it can, so that a ticket that cannot be due costs no
 * request. Only conclusions that hold whatever the messages say are drawn here:
 * - the customer wrote the latest message (`last_received_message_datetime` is not older than
 *   `last_message_datetime`);
 * - the agent's reply cannot be old enough yet: it came after the ticket was created and after
 *   the customer's last message, so its age is at most the younger of those two ages.
 * `last_message_datetime` alone is not used as the reply's time: internal notes may move it, and a
 * note does not restart the customer's clock.
 */
export function triage(ticket: Ticket, s: PolicySettings, now: Date): Triage {
  const early = ticketSkip(ticket, s, now)
  if (early) return early
  const lastMessage = parseTime(ticket.last_message_datetime)
  const lastReceived = parseTime(ticket.last_received_message_datetime)
  const created = parseTime(ticket.created_datetime)
  if (lastMessage === undefined || lastReceived === undefined || created === undefined) {
    return skip(ticket, 'unreadable', 'a ticket timestamp is not a date')
  }
  const ourTags = [ownTag(ticket, s.followUpTag), ownTag(ticket, s.closedTag)].filter(
    (t): t is OwnTag => !!t
  )
  if (lastMessage && lastReceived && lastReceived.getTime() >= lastMessage.getTime()) {
    return ourTags.length > 0
      ? untag(ticket, ourTags, 'customer-replied')
      : skip(ticket, 'customer-replied')
  }
  const starts = [created, lastReceived].filter((d): d is Date => d instanceof Date)
  if (ourTags.length === 0 && starts.length > 0) {
    const latestStart = new Date(Math.max(...starts.map(d => d.getTime())))
    if (elapsedMs(latestStart, now, s) < s.followUpHours[0]! * HOUR) return skip(ticket, 'not-due')
  }
  return { kind: 'fetch-messages', ticketId: ticket.id }
}

/**
 * The full decision, from the ticket and all of its messages, taken on the one read of the ticket
 * made right before any write: the sweep acts on it at once.
 */
export function decide(
  ticket: Ticket,
  messages: Message[],
  s: PolicySettings,
  now: Date
): Decision {
  return reason(ticket, messages, s, now).decision
}

/** decide(), with every check it made and the timeline and schedule it read. */
export function reason(
  ticket: Ticket,
  messages: Message[],
  s: PolicySettings,
  now: Date
): Reasoning {
  const checks: Check[] = []
  const note: Note = (check, passed, detail, customerDetail) => {
    checks.push(
      customerDetail === undefined
        ? { check, passed, detail }
        : { check, passed, detail, customerDetail }
    )
  }
  const done = (
    decision: Decision,
    timeline: TimelineMessage[] | null = null,
    schedule: Schedule | null = null
  ): Reasoning => ({ decision, checks, timeline, schedule })

  const early = ticketSkip(ticket, s, now, note)
  if (early) return done(early)
  if (!Array.isArray(messages) || !messages.every(isReadableMessage)) {
    const why = 'a message lacks an id, a sender side or a valid timestamp'
    note('messages-readable', false, why)
    return done(skip(ticket, 'unreadable', why))
  }
  note('messages-readable', true, `${messages.length} messages, all readable`)

  const thread = readThread(ticket, messages, s)
  const timeline = timelineOf(messages, thread)
  const current = currentCycle(ticket, thread, s, now, note)
  if ('kind' in current) return done(current, timeline)
  const next = nextStep(ticket, current, s, now, note)
  return done(next.decision, timeline, next.schedule)
}

/**
 * The cycle the thread is in, checked step by step: an agent's reply that starts it, sent, with
 * this action's messages after it sent too, and a route back to the customer. A decision when one
 * of those stops it here.
 */
function currentCycle(
  ticket: Ticket,
  read: Thread,
  s: PolicySettings,
  now: Date,
  note: Note
): Decision | CycleFacts {
  const { entries: thread, start, own } = read
  const followUpTag = ownTag(ticket, s.followUpTag)
  if (start === -1) {
    note('agent-replied', false, 'no public message other than this action’s')
    return skip(ticket, 'no-agent-reply')
  }
  const anchor = thread[start]!
  const ourTags = [followUpTag, ownTag(ticket, s.closedTag)].filter((t): t is OwnTag => !!t)
  if (!anchor.m.from_agent) {
    note('agent-replied', true, 'the thread has public messages')
    note('agent-spoke-last', false, `the customer spoke last (message ${anchor.m.id})`)
    return ourTags.length > 0
      ? untag(ticket, ourTags, 'customer-replied')
      : skip(ticket, 'customer-replied')
  }
  note(
    'agent-replied',
    true,
    `the cycle starts at the agent's reply ${anchor.m.id}, ${anchor.at.toISOString()}`
  )
  note('agent-spoke-last', true, 'the agent (or this action) spoke last')
  if (anchor.m.failed_datetime) {
    note('reply-sent', false, `the agent's reply ${anchor.m.id} failed to send`)
    return skip(ticket, 'reply-failed', `message ${anchor.m.id} failed to send`)
  }
  note('reply-sent', true, `the agent's reply was sent`)

  const ours = thread.slice(start + 1)
  const failedOurs = ours.find(o => o.m.failed_datetime)
  if (failedOurs) {
    note('follow-ups-sent', false, `this action's message ${failedOurs.m.id} failed to send`)
    return skip(ticket, 'reply-failed', `follow-up ${failedOurs.m.id} failed to send`)
  }
  note(
    'follow-ups-sent',
    true,
    ours.length > 0
      ? `this action's ${ours.length} message(s) were sent`
      : 'no follow-up yet in this cycle'
  )
  const route = replyRoute(
    ticket,
    thread.map(o => o.m),
    start,
    s.channels,
    note
  )
  if ('reason' in route) return skip(ticket, route.reason, route.detail)
  return {
    cycle: {
      reply: anchor.m,
      replyAt: anchor.at,
      idleHours: Math.max(0, (now.getTime() - anchor.at.getTime()) / HOUR),
      route
    },
    followUps: ours.filter(o => own.get(o.m) === 'follow-up'),
    closeMessagePosted: ours.some(o => own.get(o.m) === 'close-message'),
    followUpTag,
    ourTags
  }
}
