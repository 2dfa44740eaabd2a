import { businessMsBetween, type BusinessHours } from '../businessHours.js'
import type { Address, Message, Tag, Ticket } from '../gorgias/types.js'

/**
 * What to do with one ticket: a pure function of the ticket, its messages, the settings and the
 * clock. No I/O in policy/, so every situation is tested as a table (see __tests__/policy.test.ts),
 * and nothing from outside it but the API types and the business-hours arithmetic.
 *
 * State lives in Gorgias itself, nowhere else: this action's own messages carry a marker in
 * `external_id` ("feel free to set it as you wish",
 * https://developers.gorgias.com/reference/ticket-messages), and tags mirror what the markers say
 * for humans. A "cycle" starts at the agent's last public reply; every marked follow-up after it
 * belongs to that cycle, and a customer or agent message restarts it. Should Gorgias ever drop
 * `external_id`, this action's messages are still known by who sent them and their text (see
 * recognisedAs in thread.ts), so a follow-up never passes for the agent's reply.
 *
 * The modules, each importing only those above it:
 * - types.ts: the settings the policy reads, the decisions, the checks and skip reasons with their
 *   words, this action's tags, timestamps and elapsed time
 * - route.ts: how this action's messages go out, and the customer as their one recipient
 * - thread.ts: one message, this action's own messages (by marker, or by sender and text), the
 *   public thread in order and where the cycle starts, the timeline explain.ts shows
 * - schedule.ts: the cycle's timing: the next follow-up or the close, and when it is due
 * - decide.ts: triage() (a list item alone), decide() and reason() (the ticket and its messages)
 */

/** The texts this action sends in one language, as the policy reads them. */
export interface PolicyTexts {
  followUp: string
  /** '' = the last reminder uses followUp */
  finalFollowUp: string
  /** '' = close without a message */
  close: string
}

/** The texts by language (lower-cased tags), with the one used when a ticket's has none. */
export interface PolicyCatalog<T extends PolicyTexts = PolicyTexts> {
  defaultLanguage: string
  byLanguage: Record<string, T>
}

/** The settings the policy decides by (the run's settings carry these and more). */
export interface PolicySettings {
  /** ascending ages (hours since the agent's reply) at which reminder 1, 2, ... is sent */
  followUpHours: readonly number[]
  closeHours: number
  /** lower-cased */
  excludeTags: readonly string[]
  /** lower-cased; empty = every ticket */
  onlyTags: readonly string[]
  channels: readonly string[]
  followUpTag: string
  closedTag: string
  businessHours: BusinessHours | null
  /** the API key's user: this action's messages are sent by it */
  email: string
  /** the texts sent, by language: a close posts a message when the ticket's language has one */
  messages: PolicyCatalog
}

/**
 * How this action's messages go out: the channel, support address and integration of the agent's
 * reply (that keeps the email thread and the account's deliverability), to the ticket's customer.
 */
export interface Route {
  channel: string
  sourceType: string
  /** the support address the agent's reply went out from */
  from: Address | null
  integrationId: number | null
  /** the subject of the customer's thread; null = compose uses the ticket's */
  subject: string | null
  /** the one and only recipient: the ticket's customer, never whoever else the agent wrote to */
  customer: Recipient
}

export interface Recipient {
  /**
   * where the channel reaches the customer: `ticket.customer.email` for email; for chat and sms,
   * where the customer's own last message on that channel came from
   */
  address: string
  /** the customer as the API's `receiver` takes it: by id when Gorgias gave one, else by email */
  receiver: { id: number } | { email: string }
}

/** The facts every action on a ticket is based on. */
export interface Cycle {
  /** the agent's last public reply (not ours): the cycle's start */
  reply: Message
  replyAt: Date
  /** real hours since the reply, for people */
  idleHours: number
  /** how this action's messages reach the customer */
  route: Route
}

export type Decision =
  | (Cycle & {
      kind: 'follow-up'
      ticketId: number
      reminder: number
      reminders: number
      marker: string
      /**
       * the closed-tag of an earlier cycle, still on the ticket: removed with this follow-up
       * (by id; `staleNamesWithoutId` by name: see tagRemoval)
       */
      staleTags: Tag[]
      staleNamesWithoutId: string[]
    })
  | (Cycle & { kind: 'close'; ticketId: number; postMessage: boolean; marker: string })
  /** a follow-up landed but the run that sent it stopped before tagging: add the tag only */
  | (Cycle & { kind: 'tag-follow-up'; ticketId: number })
  /**
   * this action's tags no longer tell the truth (a new cycle began): remove them, and only them;
   * `tags` by id, `namesWithoutId` by name (see tagRemoval)
   */
  | {
      kind: 'untag'
      ticketId: number
      tags: Tag[]
      namesWithoutId: string[]
      because: 'customer-replied' | 'agent-replied'
    }
  | { kind: 'skip'; ticketId: number; reason: SkipReason; detail?: string }

/** Triage from a list item alone: either a final decision or "read the ticket". */
export type Triage = Decision | { kind: 'read-ticket'; ticketId: number }

export type ActionDecision = Extract<Decision, { kind: 'follow-up' | 'close' }>

export function untag(
  ticket: Ticket,
  tags: OwnTag[],
  because: 'customer-replied' | 'agent-replied'
): Decision {
  return { kind: 'untag', ticketId: ticket.id, ...splitTags(tags), because }
}

export function skip(ticket: Ticket, reason: SkipReason, detail?: string): Decision {
  return detail === undefined
    ? { kind: 'skip', ticketId: ticket.id, reason }
    : { kind: 'skip', ticketId: ticket.id, reason, detail }
}

/**
 * Why a ticket is left alone: one reason per skip, from a small closed set, counted in the report
 * and told in words by the report and the explanation of a ticket.
 */
export const SKIP_REASONS = [
  'not-open',
  'trashed',
  'spam',
  'snoozed',
  'excluded-tag',
  'not-in-only-tags',
  'channel-not-handled',
  'no-customer-address',
  'customer-replied',
  'no-agent-reply',
  'reply-failed',
  'not-due',
  'reopened',
  'outside-business-hours',
  'unreadable',
  'not-found',
  'policy-module'
] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

/** Each skip reason in words, for the report and the explanation of a ticket. */
export const SKIP_LABELS: Record<SkipReason, string> = {
  'not-open': 'not open (closed)',
  trashed: 'in the trash',
  spam: 'marked as spam',
  snoozed: 'snoozed by an agent',
  'excluded-tag': 'has an excluded tag',
  'not-in-only-tags': 'lacks every only-tags tag',
  'channel-not-handled': 'channel not handled',
  'no-customer-address': "no usable address of the ticket's customer on that channel",
  'customer-replied': 'customer spoke last',
  'no-agent-reply': 'no public agent reply yet',
  'reply-failed': "agent's last reply failed to send",
  'not-due': 'not due yet',
  reopened: 'reopened by a person after an automatic close',
  'outside-business-hours': 'due, waiting for business hours',
  unreadable: 'unreadable data (left alone)',
  'not-found': 'deleted or merged meanwhile',
  'policy-module': 'vetoed by the policy module'
}

/** The checks behind a decision, step by step, for people (explain.ts tells them). */
type CheckName =
  | 'readable'
  | 'not-trashed'
  | 'not-spam'
  | 'open'
  | 'not-snoozed'
  | 'exclude-tags'
  | 'only-tags'
  | 'channel'
  | 'messages-readable'
  | 'agent-replied'
  | 'agent-spoke-last'
  | 'reply-sent'
  | 'follow-ups-sent'
  | 'route'
  | 'customer-address'
  | 'reminders'
  | 'not-reopened'
  | 'due'
  | 'business-hours'

/** One step on the way to a decision: what was looked at, and whether it let the ticket through. */
export interface Check {
  check: CheckName
  passed: boolean
  /** what was found, in words, without the customer's data */
  detail: string
  /** the same with the customer's data (an address), for where customer details may be shown */
  customerDetail?: string
}

/** Records one check as it is made: reason() keeps them all; triage() has no use for them. */
export type Note = (
  check: CheckName,
  passed: boolean,
  detail: string,
  customerDetail?: string
) => void
export const unnoted: Note = () => undefined

/*
 * Tags as the policy reads and removes them. This action's own tags (follow-up-tag, closed-tag)
 * mirror its markers for people; any case matches.
 */

export function tagNames(ticket: Ticket): string[] {
  return (ticket.tags ?? []).map(t => t.name.toLowerCase())
}

/**
 * One of this action's tags as the ticket carries it. Gorgias gives every tag an id, but a tag
 * that comes without one (or with one that is not a number) must still count as present and be
 * removable: by its name.
 */
export interface OwnTag {
  name: string
  id: number | null
}

export function ownTag(ticket: Ticket, name: string): OwnTag | undefined {
  const wanted = name.toLowerCase()
  const found = (ticket.tags ?? []).find(t => t.name.toLowerCase() === wanted)
  if (!found) return undefined
  return { name: found.name, id: Number.isSafeInteger(found.id) ? found.id : null }
}

/** Tags to remove, split as the decisions carry them: with an id, and by name only. */
function splitTags(tags: OwnTag[]): { tags: Tag[]; namesWithoutId: string[] } {
  return {
    tags: tags.flatMap(t => (t.id === null ? [] : [{ id: t.id, name: t.name }])),
    namesWithoutId: tags.flatMap(t => (t.id === null ? [t.name] : []))
  }
}

/**
 * The body of `DELETE /api/tickets/{id}/tags` that removes exactly these tags and no other: ids
 * where Gorgias gave them, names for the rest (the endpoint takes both:
 * https://developers.gorgias.com/reference/create-ticket-tags).
 * Empty when there is nothing to remove: then send no request.
 */
export function tagRemoval(
  tags: Tag[],
  namesWithoutId: string[]
): { ids?: number[]; names?: string[] } {
  const body: { ids?: number[]; names?: string[] } = {}
  if (tags.length > 0) body.ids = tags.map(t => t.id)
  if (namesWithoutId.length > 0) body.names = [...namesWithoutId]
  return body
}

/** The tags a follow-up removes, as its decision carries them (see Decision). */
export function staleTags(tags: OwnTag[]): { staleTags: Tag[]; staleNamesWithoutId: string[] } {
  const split = splitTags(tags)
  return { staleTags: split.tags, staleNamesWithoutId: split.namesWithoutId }
}

export const HOUR = 3_600_000

/**
 * Gorgias timestamps are ISO 8601, and the API reference's own examples carry no offset
 * (`2020-02-01T19:12:32.432197`): those are UTC. `Date.parse` would read them in the machine's
 * zone, so a runner in Tokyo would see every reply 9 hours older. Parsed here by hand, whatever
 * the zone; anything that is not ISO 8601 is `undefined`, never guessed at.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?)?$/

export function parseTimestamp(value: string): Date | undefined {
  const m = ISO_8601.exec(value.trim())
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(n => Number(n ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  const offsetMinutes = m[9]
    ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0))
    : 0
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined
  if (Math.abs(offsetMinutes) >= 24 * 60 || Number(m[11] ?? 0) > 59) return undefined
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  if (date.getUTCDate() !== day) return undefined // 31 April and the like
  date.setUTCHours(hour, minute, second, ms)
  return new Date(date.getTime() - offsetMinutes * 60_000)
}

/** A timestamp field: null when absent, undefined when present but not a date. */
export function parseTimeField(value: string | null | undefined): Date | null | undefined {
  if (value === null || value === undefined || value === '') return null
  if (typeof value !== 'string') return undefined
  return parseTimestamp(value)
}

/** Time since `from`: business time when business-hours is set, else real time; never negative. */
export function elapsedMs(from: Date, now: Date, s: PolicySettings): number {
  if (now.getTime() <= from.getTime()) return 0
  return s.businessHours
    ? businessMsBetween(from, now, s.businessHours)
    : now.getTime() - from.getTime()
}
