import type { Message, Ticket } from '../gorgias/types.js'
import { replyRoute } from './route.js'
import { nextStep, type CycleFacts, type Schedule } from './schedule.js'
import {
  isReadableMessage,
  readThread,
  timelineOf,
  type Thread,
  type TimelineMessage
} from './thread.js'
import {
  elapsedMs,
  HOUR,
  ownTag,
  parseTimeField,
  skip,
  tagNames,
  unnoted,
  untag,
  type Check,
  type Decision,
  type Note,
  type OwnTag,
  type PolicySettings,
  type Triage
} from './types.js'

/**
 * The policy's entrances: triage() decides what it can from a list item alone, decide() and
 * reason() from the ticket and all of its messages, after the checks of the ticket itself.
 */

/** The decision with the reasoning behind it, step by step (explain.ts tells it to people). */
interface Reasoning {
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
  const lastMessage = parseTimeField(ticket.last_message_datetime)
  const lastReceived = parseTimeField(ticket.last_received_message_datetime)
  const created = parseTimeField(ticket.created_datetime)
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
  return { kind: 'read-ticket', ticketId: ticket.id }
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

function optional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || value === null || typeof value === type
}

/**
 * The fields the policy reads have the shapes it expects: an id and a status, and tags, channel,
 * subject and the customer's names each absent or of the right type.
 */
function isReadableTicket(ticket: Ticket): boolean {
  if (typeof ticket !== 'object' || ticket === null) return false
  if (!Number.isSafeInteger(ticket.id) || typeof ticket.status !== 'string') return false
  if (ticket.tags !== undefined && ticket.tags !== null) {
    if (!Array.isArray(ticket.tags)) return false
    if (ticket.tags.some(t => typeof t !== 'object' || t === null || typeof t.name !== 'string')) {
      return false
    }
  }
  if (!optional(ticket.channel, 'string')) return false
  if (!optional(ticket.subject, 'string')) return false
  const customer = ticket.customer
  if (customer !== undefined && customer !== null) {
    if (typeof customer !== 'object') return false
    if (!optional(customer.firstname, 'string') || !optional(customer.name, 'string')) return false
  }
  return true
}

const list = (items: readonly string[], none: string): string =>
  items.length > 0 ? items.join(', ') : none

/**
 * The checks of the ticket itself (its fields, its state, its tags and its channel): reasons that
 * hold whatever the messages say; each step is noted.
 */
function ticketSkip(
  ticket: Ticket,
  s: PolicySettings,
  now: Date,
  note: Note = unnoted
): Decision | null {
  if (!isReadableTicket(ticket)) {
    note('readable', false, 'ticket fields missing or of an unknown shape')
    return skip(ticket, 'unreadable', 'ticket fields missing or of an unknown shape')
  }
  note('readable', true, 'the ticket fields are readable')
  if (ticket.trashed_datetime) {
    note('not-trashed', false, 'in the trash')
    return skip(ticket, 'trashed')
  }
  note('not-trashed', true, 'not in the trash')
  if (ticket.spam === true) {
    note('not-spam', false, 'marked as spam')
    return skip(ticket, 'spam')
  }
  note('not-spam', true, 'not marked as spam')
  if (ticket.status !== 'open') {
    note('open', false, `status ${ticket.status}, not open`)
    return skip(ticket, 'not-open', ticket.status)
  }
  note('open', true, 'status open')
  const snoozedUntil = parseTimeField(ticket.snooze_datetime)
  if (snoozedUntil === undefined) {
    note('not-snoozed', false, 'snooze_datetime is not a date')
    return skip(ticket, 'unreadable', 'snooze_datetime is not a date')
  }
  if (snoozedUntil && snoozedUntil.getTime() > now.getTime()) {
    note('not-snoozed', false, `snoozed by an agent until ${snoozedUntil.toISOString()}`)
    return skip(ticket, 'snoozed')
  }
  note(
    'not-snoozed',
    true,
    snoozedUntil ? `snooze ended ${snoozedUntil.toISOString()}` : 'not snoozed'
  )
  const names = tagNames(ticket)
  const excluded = names.find(n => s.excludeTags.includes(n))
  if (excluded !== undefined) {
    note('exclude-tags', false, `has "${excluded}", one of exclude-tags`)
    return skip(ticket, 'excluded-tag', excluded)
  }
  note('exclude-tags', true, `no tag of exclude-tags (${list(s.excludeTags, 'none set')})`)
  if (s.onlyTags.length > 0 && !names.some(n => s.onlyTags.includes(n))) {
    note('only-tags', false, `has none of only-tags (${s.onlyTags.join(', ')})`)
    return skip(ticket, 'not-in-only-tags')
  }
  note(
    'only-tags',
    true,
    s.onlyTags.length > 0
      ? `has ${names.filter(n => s.onlyTags.includes(n)).join(', ')}, of only-tags`
      : 'only-tags is empty: every ticket'
  )
  if (!s.channels.includes(String(ticket.channel ?? '').toLowerCase())) {
    note(
      'channel',
      false,
      `channel ${String(ticket.channel)} is not in channels (${s.channels.join(', ')})`
    )
    return skip(ticket, 'channel-not-handled', String(ticket.channel))
  }
  note('channel', true, `channel ${String(ticket.channel)} is in channels`)
  return null
}

/**
 * Messages this action recognised as its own by sender and text because their `external_id` lacks
 * the marker: for the sweep's one warning per run. Empty when the messages cannot be read.
 */
export function unmarkedOwnMessages(
  ticket: Ticket,
  messages: Message[],
  s: PolicySettings
): Message[] {
  if (!isReadableTicket(ticket) || !Array.isArray(messages) || !messages.every(isReadableMessage)) {
    return []
  }
  return readThread(ticket, messages, s).unmarked
}
