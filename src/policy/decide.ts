import type { Message, Tag, Ticket } from '../gorgias/types.js'
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
  ownTags,
  parseTimeField,
  skip,
  stop,
  untag,
  type Check,
  type Deciding,
  type Decision,
  type PolicySettings
} from './types.js'

/** The decision with the reasoning behind it (explain.ts tells it to people). */
interface Reasoning {
  decision: Decision
  /** the checks made, in order, up to the one that decided */
  checks: Check[]
  /** every message in thread order, with what it counts as; null when they cannot be read */
  timeline: TimelineMessage[] | null
  schedule: Schedule | null
}

/**
 * From a list item alone, so a ticket that cannot be due costs no request: the customer wrote last,
 * or the agent's reply (after the ticket's creation and the customer's last message) cannot be old
 * enough yet. Not `last_message_datetime` as the reply's time: an internal note moves it.
 */
export function triage(
  ticket: Ticket,
  s: PolicySettings,
  now: Date
): Decision | { kind: 'read-ticket'; ticketId: number } {
  const early = ticketSkip({ ticket, s, now, note: () => undefined })
  if (early) return early
  const lastMessage = parseTimeField(ticket.last_message_datetime)
  const lastReceived = parseTimeField(ticket.last_received_message_datetime)
  const created = parseTimeField(ticket.created_datetime)
  if (lastMessage === undefined || lastReceived === undefined || created === undefined) {
    return skip(ticket, 'unreadable', 'a ticket timestamp is not a date')
  }
  if (lastMessage && lastReceived && lastReceived.getTime() >= lastMessage.getTime()) {
    return customerReplied(ticket, s)
  }
  const starts = [created, lastReceived].filter((d): d is Date => d instanceof Date)
  if (ownTags(ticket, s).length === 0 && starts.length > 0) {
    const latestStart = new Date(Math.max(...starts.map(d => d.getTime())))
    if (elapsedMs(latestStart, now, s) < s.followUpHours[0]! * HOUR) return skip(ticket, 'not-due')
  }
  return { kind: 'read-ticket', ticketId: ticket.id }
}

function customerReplied(ticket: Ticket, s: PolicySettings): Decision {
  const ours = ownTags(ticket, s)
  return ours.length > 0
    ? untag(ticket, ours, 'customer-replied')
    : skip(ticket, 'customer-replied')
}

/** The full decision, on the read of the ticket made right before any write. */
export const decide = (...args: Parameters<typeof reason>): Decision => reason(...args).decision

/** decide(), with every check it made and the timeline and schedule it read. */
export function reason(
  ticket: Ticket,
  messages: Message[],
  s: PolicySettings,
  now: Date
): Reasoning {
  const checks: Check[] = []
  const d: Deciding = {
    ticket,
    s,
    now,
    note: (check, passed, detail, customerDetail) => {
      checks.push({ check, passed, detail, customerDetail })
    }
  }
  let timeline: TimelineMessage[] | null = null
  const done = (decision: Decision): Reasoning => ({ decision, checks, timeline, schedule: null })
  const early = ticketSkip(d)
  if (early) return done(early)
  if (!Array.isArray(messages) || !messages.every(isReadableMessage)) {
    const why = 'a message lacks an id, a sender side or a valid timestamp'
    return done(stop(d, 'messages-readable', why, 'unreadable', why))
  }
  const distinct = distinctMessages(messages)
  if (distinct === null) {
    const why = 'two different messages share one id'
    return done(stop(d, 'messages-readable', why, 'unreadable', why))
  }
  d.note('messages-readable', true, `${distinct.length} messages, all readable`)
  const thread = readThread(ticket, distinct, s)
  timeline = timelineOf(thread)
  const current = currentCycle(d, thread)
  if ('kind' in current) return done(current)
  return { ...nextStep(d, current), checks, timeline }
}

/**
 * Each message once: a list whose pages overlap names one twice, and a copy of a follow-up must not
 * count as the next reminder. Two different messages under one id: null, the thread is not to be
 * trusted.
 */
function distinctMessages(messages: Message[]): Message[] | null {
  const seen = new Map<number, string>()
  const distinct: Message[] = []
  for (const m of messages) {
    const json = JSON.stringify(m)
    const earlier = seen.get(m.id)
    if (earlier === undefined) {
      seen.set(m.id, json)
      distinct.push(m)
    } else if (earlier !== json) return null
  }
  return distinct
}

/**
 * The cycle the thread is in, checked step by step: an agent's reply starts it, sent, this
 * action's messages after it sent too, and a route back to the customer; else the decision.
 */
function currentCycle(d: Deciding, { entries, start, own }: Thread): Decision | CycleFacts {
  const { ticket, note } = d
  const noReply = 'no public message other than this action’s'
  if (start === -1) return stop(d, 'agent-replied', noReply, 'no-agent-reply')
  const { m: reply, at: replyAt } = entries[start]!
  if (!reply.from_agent) {
    note('agent-replied', true, 'the thread has public messages')
    note('agent-spoke-last', false, `the customer spoke last (message ${reply.id})`)
    return customerReplied(ticket, d.s)
  }
  const starts = `the cycle starts at the agent's reply ${reply.id}, ${replyAt.toISOString()}`
  note('agent-replied', true, starts)
  note('agent-spoke-last', true, 'the agent (or this action) spoke last')
  if (reply.failed_datetime) {
    const why = `the agent's reply ${reply.id} failed to send`
    return stop(d, 'reply-sent', why, 'reply-failed', `message ${reply.id} failed to send`)
  }
  note('reply-sent', true, `the agent's reply was sent`)
  const ours = entries.slice(start + 1)
  const failed = ours.find(o => o.m.failed_datetime)?.m.id
  if (failed !== undefined) {
    const why = `this action's message ${failed} failed to send`
    return stop(d, 'follow-ups-sent', why, 'reply-failed', `follow-up ${failed} failed to send`)
  }
  const sent = `this action's ${ours.length} message(s) were sent`
  note('follow-ups-sent', true, ours.length > 0 ? sent : 'no follow-up yet in this cycle')
  const route = replyRoute(
    d,
    entries.map(o => o.m),
    start
  )
  if ('kind' in route) return route
  const idleHours = Math.max(0, (d.now.getTime() - replyAt.getTime()) / HOUR)
  return {
    cycle: { reply, replyAt, idleHours, route },
    followUps: ours.filter(o => own.get(o.m) === 'follow-up'),
    closeMessagePosted: ours.some(o => own.get(o.m) === 'close-message')
  }
}

const optional = (value: unknown, type: 'string' | 'number'): boolean =>
  value === undefined || value === null || typeof value === type

/** The fields the policy reads have the shapes it expects (an id, a status; the rest optional). */
function isReadableTicket(ticket: Ticket): boolean {
  if (typeof ticket !== 'object' || ticket === null) return false
  const { tags, customer } = ticket
  const isTag = (t: unknown) =>
    typeof t === 'object' && t !== null && typeof (t as Tag).name === 'string'
  return (
    Number.isSafeInteger(ticket.id) &&
    typeof ticket.status === 'string' &&
    (ticket.spam === undefined || ticket.spam === null || typeof ticket.spam === 'boolean') &&
    (tags === undefined || tags === null || (Array.isArray(tags) && tags.every(isTag))) &&
    optional(ticket.channel, 'string') &&
    optional(ticket.subject, 'string') &&
    (customer === undefined ||
      customer === null ||
      (typeof customer === 'object' &&
        optional(customer.firstname, 'string') &&
        optional(customer.name, 'string')))
  )
}

/** The checks of the ticket itself, which hold whatever the messages say; each step is noted. */
function ticketSkip(d: Deciding): Decision | null {
  const { ticket, s, note } = d
  if (!isReadableTicket(ticket)) {
    const why = 'ticket fields missing or of an unknown shape'
    return stop(d, 'readable', why, 'unreadable', why)
  }
  note('readable', true, 'the ticket fields are readable')
  if (ticket.trashed_datetime) return stop(d, 'not-trashed', 'in the trash', 'trashed')
  note('not-trashed', true, 'not in the trash')
  if (ticket.spam === true) return stop(d, 'not-spam', 'marked as spam', 'spam')
  note('not-spam', true, 'not marked as spam')
  const status = ticket.status
  if (status !== 'open') return stop(d, 'open', `status ${status}, not open`, 'not-open', status)
  note('open', true, 'status open')
  const snoozedUntil = parseTimeField(ticket.snooze_datetime)
  if (snoozedUntil === undefined) {
    const why = 'snooze_datetime is not a date'
    return stop(d, 'not-snoozed', why, 'unreadable', why)
  }
  const snoozed = snoozedUntil?.toISOString()
  if (snoozedUntil && snoozedUntil.getTime() > d.now.getTime()) {
    return stop(d, 'not-snoozed', `snoozed by an agent until ${snoozed}`, 'snoozed')
  }
  note('not-snoozed', true, snoozed ? `snooze ended ${snoozed}` : 'not snoozed')
  const names = (ticket.tags ?? []).map(t => t.name.toLowerCase())
  const excluded = names.find(n => s.excludeTags.includes(n))
  if (excluded !== undefined) {
    const why = `has "${excluded}", one of exclude-tags`
    return stop(d, 'exclude-tags', why, 'excluded-tag', excluded)
  }
  const excludeTags = s.excludeTags.length > 0 ? s.excludeTags.join(', ') : 'none set'
  note('exclude-tags', true, `no tag of exclude-tags (${excludeTags})`)
  const only = names.filter(n => s.onlyTags.includes(n))
  if (s.onlyTags.length > 0 && only.length === 0) {
    const why = `has none of only-tags (${s.onlyTags.join(', ')})`
    return stop(d, 'only-tags', why, 'not-in-only-tags')
  }
  const anyTag = 'only-tags is empty: every ticket'
  note('only-tags', true, s.onlyTags.length > 0 ? `has ${only.join(', ')}, of only-tags` : anyTag)
  const channel = String(ticket.channel)
  if (!s.channels.includes(String(ticket.channel ?? '').toLowerCase())) {
    const why = `channel ${channel} is not in channels (${s.channels.join(', ')})`
    return stop(d, 'channel', why, 'channel-not-handled', channel)
  }
  note('channel', true, `channel ${channel} is in channels`)
  return null
}
