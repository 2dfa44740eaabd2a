import { businessMsBetween, type BusinessHours } from '../businessHours.js'
import type { Address, Message, Tag, Ticket } from '../gorgias/types.js'

/**
 * What to do with one ticket: a pure function of the ticket, its messages, the settings and the
 * clock; no I/O, nothing from outside policy/ but the API types and the business-hours arithmetic.
 * State lives in Gorgias only: this action's messages carry a marker in `external_id` ("feel
 * free to set it as you wish", https://developers.gorgias.com/reference/ticket-messages), and tags
 * mirror the markers for people. A cycle starts at the agent's last public reply; a customer or
 * agent message restarts it. Modules: types <- route <- thread <- schedule <- decide.
 */

/** The texts sent in one language; '' = the last reminder uses followUp, the close posts none. */
export type PolicyTexts = { followUp: string; finalFollowUp: string; close: string }

/** The texts by language (lower-cased tags), with the one used when a ticket's has none. */
export interface PolicyCatalog<T extends PolicyTexts = PolicyTexts> {
  defaultLanguage: string
  byLanguage: Record<string, T>
}

/** The settings the policy decides by (the run's settings carry these and more). */
export interface PolicySettings {
  /** ascending ages (hours since the agent's reply) of reminder 1, 2, ... */
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
  /** the API key's user, who sends this action's messages */
  email: string
  messages: PolicyCatalog
}

/**
 * How this action's messages go out: the channel, support address and integration of the agent's
 * reply (keeping the email thread and the account's deliverability), to the ticket's customer.
 */
export interface Route {
  channel: string
  sourceType: string
  from: Address | null
  integrationId: number | null
  /** the subject of the customer's thread; null = compose uses the ticket's */
  subject: string | null
  /** the only recipient: the ticket's customer, never whoever else the agent wrote to */
  customer: {
    /** email: `ticket.customer.email`; chat, sms: where the customer's last message came from */
    address: string
    /** the API's `receiver`: by id when Gorgias gave one, else by email */
    receiver: { id: number } | { email: string }
  }
}

/** The facts every action is based on: the agent's last public reply, and real hours since. */
export type Cycle = { reply: Message; replyAt: Date; idleHours: number; route: Route }

/** Tags to remove: by id, and by name where a tag has no id (see tagRemoval). */
type Untag = { tags: Tag[]; namesWithoutId: string[] }

export type Decision =
  | (Cycle & {
      kind: 'follow-up'
      ticketId: number
      reminder: number
      reminders: number
      marker: string
      /** the closed-tag of an earlier cycle, still on the ticket: removed with this follow-up */
      staleTags: Tag[]
      staleNamesWithoutId: string[]
    })
  | (Cycle & { kind: 'close'; ticketId: number; postMessage: boolean; marker: string })
  /** a follow-up landed but the run that sent it stopped before tagging: add the tag only */
  | (Cycle & { kind: 'tag-follow-up'; ticketId: number })
  /** a new cycle began: remove this action's tags, and only them */
  | (Untag & { kind: 'untag'; ticketId: number; because: Because })
  | { kind: 'skip'; ticketId: number; reason: SkipReason; detail?: string }

export type ActionDecision = Extract<Decision, { kind: 'follow-up' | 'close' }>

type Because = 'customer-replied' | 'agent-replied'

export function untag(ticket: Ticket, tags: OwnTag[], because: Because): Decision {
  return { kind: 'untag', ticketId: ticket.id, ...splitTags(tags), because }
}

export function skip(ticket: Ticket, reason: SkipReason, detail?: string): Decision {
  return detail === undefined
    ? { kind: 'skip', ticketId: ticket.id, reason }
    : { kind: 'skip', ticketId: ticket.id, reason, detail }
}

/** Why a ticket is left alone, in words (the report and explain), in the order reports count. */
export const SKIP_LABELS = {
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
} as const
export type SkipReason = keyof typeof SKIP_LABELS
export const SKIP_REASONS = Object.keys(SKIP_LABELS) as readonly SkipReason[]

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
  /** what was found, without the customer's data */
  detail: string
  /** the same with the customer's data (an address), where customer details may be shown */
  customerDetail?: string | undefined
}

/** Records one check as it is made: reason() keeps them all; triage() has no use for them. */
type Note = (check: CheckName, passed: boolean, detail: string, customerDetail?: string) => void

/** What one decision is taken on, and where its checks are noted. */
export type Deciding = { ticket: Ticket; s: PolicySettings; now: Date; note: Note }

/** A check that stops the ticket: noted (as `why`), and the skip it leads to. */
export function stop(
  { ticket, note }: Deciding,
  check: CheckName,
  why: string,
  reason: SkipReason,
  detail?: string
): Decision {
  note(check, false, why)
  return skip(ticket, reason, detail)
}

/**
 * One of this action's tags, by its exact name: tag names are case-sensitive (gorgias-api.md), so
 * a team's "Auto-Closed" is not ours. A tag without a numeric id is still removable by name.
 */
export type OwnTag = { name: string; id: number | null }

export function ownTag(ticket: Ticket, name: string): OwnTag | undefined {
  const found = (ticket.tags ?? []).find(t => t.name === name)
  if (!found) return undefined
  return { name: found.name, id: Number.isSafeInteger(found.id) ? found.id : null }
}

/** This action's tags on the ticket: the follow-up tag, then the closed tag. */
export function ownTags(ticket: Ticket, s: PolicySettings): OwnTag[] {
  return [ownTag(ticket, s.followUpTag), ownTag(ticket, s.closedTag)].filter(
    (t): t is OwnTag => !!t
  )
}

export function splitTags(tags: OwnTag[]): Untag {
  return {
    tags: tags.flatMap(t => (t.id === null ? [] : [{ id: t.id, name: t.name }])),
    namesWithoutId: tags.flatMap(t => (t.id === null ? [t.name] : []))
  }
}

/**
 * The body of `DELETE /api/tickets/{id}/tags` that removes exactly these tags: ids where Gorgias
 * gave them, names for the rest (https://developers.gorgias.com/reference/create-ticket-tags).
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

export const HOUR = 3_600_000

/**
 * Gorgias timestamps are ISO 8601, and the API reference's examples carry no offset
 * (`2020-02-01T19:12:32.432197`): those are UTC. `Date.parse` would read them in the machine's
 * zone, so they are parsed here by hand; anything not ISO 8601 is `undefined`, never guessed at.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?)?$/

export function parseTimestamp(value: string): Date | undefined {
  const m = ISO_8601.exec(value.trim())
  if (!m) return undefined
  const n = (i: number): number => Number(m[i] ?? 0)
  const [year, month, day, hour, minute, second] = [n(1), n(2), n(3), n(4), n(5), n(6)]
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  const offsetMinutes = m[9] ? (m[9] === '-' ? -1 : 1) * (n(10) * 60 + n(11)) : 0
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined
  if (Math.abs(offsetMinutes) >= 24 * 60 || n(11) > 59) return undefined
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
