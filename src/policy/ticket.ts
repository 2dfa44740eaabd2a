import type { Ticket } from '../gorgias/types.js'
import { unnoted, type Note } from './checks.js'
import { skip, type Decision, type PolicySettings } from './decision.js'
import { tagNames } from './tags.js'
import { parseTime } from './time.js'

/** The checks of the ticket itself: its fields, its state, its tags and its channel. */

function optional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || value === null || typeof value === type
}

/**
 * The fields the policy reads have the shapes it expects: an id and a status, and tags, channel,
 * subject and the customer's names each absent or of the right type.
 */
export function isReadableTicket(ticket: Ticket): boolean {
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

/** Reasons that hold whatever the messages say; each step is noted. */
export function ticketSkip(
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
  const snoozedUntil = parseTime(ticket.snooze_datetime)
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
