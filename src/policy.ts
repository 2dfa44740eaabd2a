import type { Settings } from './config.js'
import type { Address, Message, Tag, Ticket } from './gorgias/types.js'
import { businessMsBetween, isOpenAt, nextOpening } from './businessHours.js'
import { templatesFor, type MessageCatalog } from './messages.js'

/**
 * What to do with one ticket: a pure function of the ticket, its messages, the settings and the
 * clock. No I/O here, so every situation is tested as a table (see __tests__/policy.test.ts).
 *
 * State lives in Gorgias itself, nowhere else: this action's own messages carry a marker in
 * `external_id` ("feel free to set it as you wish", reference/ticket-messages), and tags mirror
 * what the markers say for humans. A "cycle" starts at the agent's last public reply; every
 * marked follow-up after it belongs to that cycle, and a customer or agent message restarts it.
 * Should Gorgias ever drop `external_id`, this action's messages are still known by who sent them
 * and their text (see recognisedAs), so a follow-up never passes for the agent's reply.
 */

export const MARKER_PREFIX = 'gorgias-auto-close:'
const FOLLOW_UP_MARKER = /^gorgias-auto-close:follow-up\b/
const CLOSE_MARKER = /^gorgias-auto-close:close\b/

export function followUpMarker(reminder: number, replyId: number): string {
  return `${MARKER_PREFIX}follow-up:${reminder}:reply-${replyId}`
}

export function closeMarker(replyId: number): string {
  return `${MARKER_PREFIX}close:reply-${replyId}`
}

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
  'changed-since-listed',
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
  'changed-since-listed': 'changed since listed (re-check)',
  'not-found': 'deleted or merged meanwhile',
  'policy-module': 'vetoed by the policy module'
}

export type PolicySettings = Pick<
  Settings,
  | 'followUpHours'
  | 'closeHours'
  | 'excludeTags'
  | 'onlyTags'
  | 'channels'
  | 'followUpTag'
  | 'closedTag'
  | 'businessHours'
  /** the API key's user: this action's messages are sent by it */
  | 'email'
  /** the texts sent, by language: a close posts a message when the ticket's language has one */
  | 'messages'
>

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

/** Triage from a list item alone: either a final decision or "needs its messages". */
export type Triage = Decision | { kind: 'fetch-messages'; ticketId: number }

export type ActionDecision = Extract<Decision, { kind: 'follow-up' | 'close' }>

const HOUR = 3_600_000

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
function parseTime(value: string | null | undefined): Date | null | undefined {
  if (value === null || value === undefined || value === '') return null
  if (typeof value !== 'string') return undefined
  return parseTimestamp(value)
}

/**
 * When a message reached (or was meant to reach) the customer: the age of a reply counts from
 * here. A `sent_datetime` that is present but not a date makes the message unreadable.
 */
export function messageTime(m: Message): Date | undefined {
  const sent = parseTime(m.sent_datetime)
  if (sent === undefined) return undefined
  return sent ?? parseTime(m.created_datetime) ?? undefined
}

/**
 * The order of a conversation comes from `created_datetime`, which Gorgias assigns when it
 * records a message; `sent_datetime` of an incoming email can be the sender's own clock, and a
 * customer's slow clock must not put their reply before the agent's.
 */
function threadOrder(a: { m: Message; at: Date }, b: { m: Message; at: Date }): number {
  const recorded = (o: { m: Message; at: Date }): number =>
    parseTime(o.m.created_datetime)?.getTime() ?? o.at.getTime()
  return recorded(a) - recorded(b) || a.m.id - b.m.id
}

/**
 * Replies sent by Gorgias Rules (auto-acknowledgements and the like) are not an agent answering:
 * they neither start the customer's silence nor count as the customer's turn.
 */
function isAutomated(m: Message): boolean {
  return m.from_agent && m.via === 'rule' && !isOurs(m)
}

function elapsedMs(from: Date, now: Date, s: PolicySettings): number {
  if (now.getTime() <= from.getTime()) return 0
  return s.businessHours
    ? businessMsBetween(from, now, s.businessHours)
    : now.getTime() - from.getTime()
}

function tagNames(ticket: Ticket): string[] {
  return (ticket.tags ?? []).map(t => t.name.toLowerCase())
}

/**
 * One of this action's tags as the ticket carries it. Gorgias gives every tag an id, but a tag
 * that comes without one (or with one that is not a number) must still count as present and be
 * removable: by its name.
 */
interface OwnTag {
  name: string
  id: number | null
}

function ownTag(ticket: Ticket, name: string): OwnTag | undefined {
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

/** The tag named `name` (any case) with its id; undefined when absent or carried without an id. */
export function findTag(ticket: Ticket, name: string): Tag | undefined {
  const found = ownTag(ticket, name)
  return found && found.id !== null ? { id: found.id, name: found.name } : undefined
}

/**
 * The body of `DELETE /api/tickets/{id}/tags` that removes exactly these tags and no other: ids
 * where Gorgias gave them, names for the rest (the endpoint takes both, reference/tickets tags).
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

function untag(
  ticket: Ticket,
  tags: OwnTag[],
  because: 'customer-replied' | 'agent-replied'
): Decision {
  return { kind: 'untag', ticketId: ticket.id, ...splitTags(tags), because }
}

function skip(ticket: Ticket, reason: SkipReason, detail?: string): Decision {
  return detail === undefined
    ? { kind: 'skip', ticketId: ticket.id, reason }
    : { kind: 'skip', ticketId: ticket.id, reason, detail }
}

function optional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || value === null || typeof value === type
}

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

// ---- Checks: the reasoning, step by step, for people (see explain.ts) ------------------------

export const CHECKS = [
  'readable',
  'not-trashed',
  'not-spam',
  'open',
  'not-snoozed',
  'exclude-tags',
  'only-tags',
  'channel',
  'messages-readable',
  'agent-replied',
  'agent-spoke-last',
  'reply-sent',
  'follow-ups-sent',
  'route',
  'customer-address',
  'reminders',
  'not-reopened',
  'due',
  'business-hours'
] as const
export type CheckName = (typeof CHECKS)[number]

/** One step on the way to a decision: what was looked at, and whether it let the ticket through. */
export interface Check {
  check: CheckName
  passed: boolean
  /** what was found, in words, without the customer's data */
  detail: string
  /** the same with the customer's data (an address), for where customer details may be shown */
  customerDetail?: string
}

type Note = (check: CheckName, passed: boolean, detail: string, customerDetail?: string) => void
const unnoted: Note = () => undefined

const list = (items: readonly string[], none: string): string =>
  items.length > 0 ? items.join(', ') : none

/** Reasons that hold whatever the messages say; each step is noted. */
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

function isReadableMessage(m: Message): boolean {
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isSafeInteger(m.id) &&
    typeof m.from_agent === 'boolean' &&
    parseTime(m.created_datetime) !== undefined &&
    messageTime(m) !== undefined &&
    parseTime(m.failed_datetime) !== undefined
  )
}

function isPublic(m: Message): boolean {
  return m.public !== false && m.channel !== 'internal-note'
}

export function isOurs(m: Message): boolean {
  return typeof m.external_id === 'string' && m.external_id.startsWith(MARKER_PREFIX)
}

function isOurFollowUp(m: Message): boolean {
  return typeof m.external_id === 'string' && FOLLOW_UP_MARKER.test(m.external_id)
}

function isOurClose(m: Message): boolean {
  return typeof m.external_id === 'string' && CLOSE_MARKER.test(m.external_id)
}

const isAddress = (a: unknown): a is Address =>
  typeof a === 'object' &&
  a !== null &&
  typeof (a as Address).address === 'string' &&
  (a as Address).address !== ''

const sameAddress = (a: string, b: string): boolean =>
  a.trim().toLowerCase() === b.trim().toLowerCase()

/** Where the agent's reply went out from, without its recipients: they are not ours to copy. */
type Channel = Omit<Route, 'customer'>

/**
 * The channel, support address and integration of a follow-up: those of the agent's reply, or,
 * when that reply carries no usable source, those of the customer's own last message (answered
 * back the way it came). Null when neither works.
 */
function replyChannel(
  ticket: Ticket,
  reply: Message,
  customerMessage: Message | null
): Channel | null {
  const usable = (channel: unknown, type: unknown, from: unknown, to: unknown[]): boolean =>
    typeof channel === 'string' &&
    typeof type === 'string' &&
    to.length > 0 &&
    to.every(isAddress) &&
    (channel !== 'email' || isAddress(from))
  const integration = (m: Message): number | null =>
    typeof m.integration_id === 'number' ? m.integration_id : null
  const subject = (m: Message): string | null =>
    typeof m.subject === 'string' && m.subject.trim() !== '' ? m.subject : null

  const source = reply.source
  const agentTo = Array.isArray(source?.to) ? source.to : []
  if (source && usable(reply.channel, source.type, source.from, agentTo)) {
    const email = customerEmail(ticket)
    // A reply written to someone else (a carrier, a supplier) has their subject, not the customer's.
    const toCustomer = email !== null && agentTo.some(a => sameAddress(a.address, email))
    return {
      channel: reply.channel,
      sourceType: source.type,
      from: isAddress(source.from) ? source.from : null,
      integrationId: integration(reply),
      subject: toCustomer ? subject(reply) : null
    }
  }
  const back = customerMessage?.source
  if (customerMessage && back) {
    const to = isAddress(back.from) ? [back.from] : []
    const from = Array.isArray(back.to) ? (back.to.find(isAddress) ?? null) : null
    if (usable(customerMessage.channel, back.type, from, to)) {
      return {
        channel: customerMessage.channel,
        sourceType: back.type,
        from,
        integrationId: integration(customerMessage),
        subject: subject(customerMessage)
      }
    }
  }
  return null
}

/**
 * One email address as a To: line takes it, nothing else: a list ("a@x, b@y"), a display name,
 * stray spaces or invisible controls inside would let a customer record send this action's mail
 * to someone else, or somewhere nobody can read. An apostrophe (o'brien@...) is fine.
 */
const ONE_EMAIL =
  /^[^\s@,;:<>()[\]"\\\p{Cc}\p{Cf}]+@[^\s@,;:<>()[\]"\\\p{Cc}\p{Cf}]+\.[^\s@,;:<>()[\]"\\\p{Cc}\p{Cf}]+$/u

function customerEmail(ticket: Ticket): string | null {
  const email = ticket.customer?.email
  if (typeof email !== 'string') return null
  const trimmed = email.trim()
  return ONE_EMAIL.test(trimmed) ? trimmed : null
}

function customerId(ticket: Ticket): number | null {
  const id = ticket.customer?.id
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null
}

/** Whether a message was written by the ticket's customer (by id, else by email). */
function sentByCustomer(m: Message, ticket: Ticket): boolean {
  const id = customerId(ticket)
  const senderId = m.sender?.id
  if (id !== null && typeof senderId === 'number') return senderId === id
  const email = customerEmail(ticket)
  const senderEmail = m.sender?.email
  return email !== null && typeof senderEmail === 'string' && sameAddress(senderEmail, email)
}

/** A chat or sms address as a message's source gives it: one token, no spaces or controls. */
const ONE_HANDLE = /^[^\s,;<>\p{Cc}\p{Cf}]+$/u

/**
 * The ticket's customer as the recipient on `channel`, or why there is none. Email goes to
 * `ticket.customer.email` and nowhere else; chat and sms go back to where the customer's own last
 * message on that channel came from, and only when its sender is the ticket's customer.
 */
function customerRecipient(
  ticket: Ticket,
  channel: string,
  thread: readonly Message[]
): Recipient | string {
  const id = customerId(ticket)
  const email = customerEmail(ticket)
  const receiver = id !== null ? { id } : email !== null ? { email } : null
  if (receiver === null) return 'the customer has neither an id nor a usable email address'
  if (channel === 'email') {
    return email !== null
      ? { address: email, receiver }
      : 'the customer has no usable email address (none, or not one single address)'
  }
  const own = [...thread]
    .reverse()
    .find(m => !m.from_agent && m.channel === channel && sentByCustomer(m, ticket))
  const address = own?.source?.from?.address
  if (typeof address !== 'string' || !ONE_HANDLE.test(address.trim())) {
    return `no ${channel} message from the customer to answer`
  }
  return { address: address.trim(), receiver }
}

// ---- This action's own messages, with or without their marker ------------------------------

type OwnKind = 'follow-up' | 'close-message'

/** What a marked message is; 'other' for a marker of ours this version does not know. */
function markedAs(m: Message): OwnKind | 'other' | null {
  if (!isOurs(m)) return null
  return isOurFollowUp(m) ? 'follow-up' : isOurClose(m) ? 'close-message' : 'other'
}

const normaliseSpace = (text: string): string => text.replace(/\s+/g, ' ').trim()

/** A template as the literal runs between its placeholders, whitespace-normalised. */
interface TemplateShape {
  kind: OwnKind
  literals: string[]
}

const shapesByCatalog = new WeakMap<MessageCatalog, TemplateShape[]>()

/**
 * A template with less text of its own than this ("{{first_name}}?") would take any short agent
 * reply by the same user for ours: such a template is known by its marker only.
 */
const MIN_TEMPLATE_TEXT = 12

/** Every template of every language; follow-ups first, so a text that is both counts as one. */
function templateShapes(catalog: MessageCatalog): TemplateShape[] {
  const cached = shapesByCatalog.get(catalog)
  if (cached) return cached
  const all = Object.values(catalog.byLanguage)
  const shape = (kind: OwnKind) => (template: string) => ({
    kind,
    literals: normaliseSpace(template).split(/\{\{\s*[a-z_]+\s*\}\}/)
  })
  const shapes = [
    ...all.flatMap(t => [t.followUp, t.finalFollowUp]).map(shape('follow-up')),
    ...all.map(t => t.close).map(shape('close-message'))
  ].filter(t => t.literals.join('').replace(/\s/g, '').length >= MIN_TEMPLATE_TEXT)
  shapesByCatalog.set(catalog, shapes)
  return shapes
}

/**
 * Whether `text` is the template with each placeholder standing for any text. Matched by hand
 * (prefix, suffix, then each inner literal at its first place) rather than by a regular expression,
 * whose backtracking over several wildcards could take for ever on a long message.
 */
function fitsTemplate(text: string, literals: readonly string[]): boolean {
  const first = literals[0] ?? ''
  if (literals.length === 1) return text === first
  const last = literals[literals.length - 1] ?? ''
  if (!text.startsWith(first) || !text.endsWith(last)) return false
  let at = first.length
  const end = text.length - last.length
  if (end < at) return false
  for (const literal of literals.slice(1, -1)) {
    const found = text.indexOf(literal, at)
    if (found === -1 || found + literal.length > end) return false
    at = found + literal.length
  }
  return true
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' '
}

/** The text of an HTML body: tags out, line breaks kept as spaces, entities decoded. */
function htmlText(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(?:p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1))
        return Number.isSafeInteger(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return ENTITIES[name.toLowerCase()] ?? whole
    })
}

/**
 * A message without our marker that is nevertheless this action's own: public, from an agent, sent
 * by the API key's user (`sender.email` = gorgias-email) through the API (when `via` says), whose
 * text (body_text, stripped_text or the HTML body) is one of our templates. The caller adds the
 * rest: it comes after the agent's real reply, on a ticket carrying the follow-up tag.
 */
function recognisedAs(m: Message, s: PolicySettings): OwnKind | null {
  if (!m.from_agent || !isPublic(m) || isOurs(m)) return null
  const senderEmail = m.sender?.email
  if (typeof senderEmail !== 'string' || !sameAddress(senderEmail, s.email)) return null
  if (m.via !== undefined && m.via !== null && m.via !== 'api') return null
  const texts = [m.body_text, m.stripped_text]
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
    .concat(typeof m.body_html === 'string' ? [htmlText(m.body_html)] : [])
    .map(normaliseSpace)
  for (const shape of templateShapes(s.messages)) {
    if (texts.some(t => fitsTemplate(t, shape.literals))) return shape.kind
  }
  return null
}

// ---- The thread ------------------------------------------------------------------------------

interface Entry {
  m: Message
  at: Date
}

/** A public thread in order, and where the current cycle starts in it. */
interface Thread {
  /** public messages, Rule auto-replies left out, in the order Gorgias recorded them */
  entries: Entry[]
  /** index of the cycle's start (the last message that is not ours), -1 when there is none */
  start: number
  /** what each message after `start` is: ours, by marker or recognised */
  own: Map<Message, OwnKind | 'other'>
  /** ours by text and sender alone: their external_id lacks the marker */
  unmarked: Message[]
}

function readThread(ticket: Ticket, messages: Message[], s: PolicySettings): Thread {
  const entries = messages
    .filter(m => isPublic(m) && !isAutomated(m))
    .map(m => ({ m, at: messageTime(m)! }))
    .sort(threadOrder)
  const lastIndex = (ours: (m: Message) => boolean): number => {
    for (let i = entries.length - 1; i >= 0; i--) if (!ours(entries[i]!.m)) return i
    return -1
  }
  const withMarkers = (): Thread => {
    const start = lastIndex(isOurs)
    const own = new Map<Message, OwnKind | 'other'>()
    for (const e of entries.slice(start + 1)) own.set(e.m, markedAs(e.m)!)
    return { entries, start, own, unmarked: [] }
  }
  // Recognition needs the follow-up tag: without it no follow-up of ours is pending on the ticket.
  if (!ownTag(ticket, s.followUpTag)) return withMarkers()
  const recognised = new Map(entries.map(e => [e.m, recognisedAs(e.m, s)]))
  const start = lastIndex(m => isOurs(m) || recognised.get(m) !== null)
  // Ours come after the agent's real reply: after a customer's message (or with no reply at all)
  // such a message is the agent answering, whatever its text.
  if (start === -1 || !entries[start]!.m.from_agent) return withMarkers()
  const own = new Map<Message, OwnKind | 'other'>()
  const unmarked: Message[] = []
  for (const e of entries.slice(start + 1)) {
    const marked = markedAs(e.m)
    if (marked !== null) own.set(e.m, marked)
    else {
      own.set(e.m, recognised.get(e.m)!)
      unmarked.push(e.m)
    }
  }
  return { entries, start, own, unmarked }
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

/** What a message counts as in the reasoning. */
export type MessageRole =
  | 'customer'
  | 'agent'
  | 'follow-up'
  | 'close-message'
  /** marked as ours by a version that knew another kind of message */
  | 'own-other'
  /** ignored: agents only, never sent to the customer */
  | 'internal-note'
  /** ignored: a Gorgias Rule's auto-reply is not an agent answering */
  | 'rule-reply'

export interface TimelineMessage {
  message: Message
  /** when it reached (or was meant to reach) the other side */
  at: Date
  role: MessageRole
  /** ours, known by sender and text: its external_id lacks the marker */
  unmarked: boolean
  /** the agent's reply the current cycle counts from */
  cycleStart: boolean
}

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

/** The decision with the reasoning behind it, step by step (explain.ts tells it to people). */
export interface Reasoning {
  decision: Decision
  /** the checks made, in order, up to the one that decided */
  checks: Check[]
  /** every message in thread order, with what it counts as; null when they cannot be read */
  timeline: TimelineMessage[] | null
  schedule: Schedule | null
}

function timelineOf(all: Message[], thread: Thread): TimelineMessage[] {
  const cycleStart = thread.entries[thread.start]?.m
  const unmarked = new Set(thread.unmarked)
  const role = (m: Message): MessageRole => {
    if (!isPublic(m)) return 'internal-note'
    if (isAutomated(m)) return 'rule-reply'
    const own = thread.own.get(m) ?? markedAs(m)
    if (own === 'other') return 'own-other'
    if (own !== null) return own
    return m.from_agent ? 'agent' : 'customer'
  }
  return all
    .map(m => ({ m, at: messageTime(m)! }))
    .sort(threadOrder)
    .map(({ m, at }) => ({
      message: m,
      at,
      role: role(m),
      unmarked: unmarked.has(m),
      cycleStart: m === cycleStart
    }))
}

const hoursText = (ms: number): string => (ms / HOUR).toFixed(1)

/**
 * The full decision, from the ticket and all of its messages. Also the re-check right before a
 * write: the caller acts only when this, on freshly read data, still says the same thing.
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
  let timeline: TimelineMessage[] | null = null
  let schedule: Schedule | null = null
  const done = (decision: Decision): Reasoning => ({ decision, checks, timeline, schedule })

  const early = ticketSkip(ticket, s, now, note)
  if (early) return done(early)
  if (!Array.isArray(messages) || !messages.every(isReadableMessage)) {
    const why = 'a message lacks an id, a sender side or a valid timestamp'
    note('messages-readable', false, why)
    return done(skip(ticket, 'unreadable', why))
  }
  note('messages-readable', true, `${messages.length} messages, all readable`)

  const read = readThread(ticket, messages, s)
  timeline = timelineOf(messages, read)
  const { entries: thread, start, own } = read
  const followUpTag = ownTag(ticket, s.followUpTag)
  if (start === -1) {
    note('agent-replied', false, 'no public message other than this action’s')
    return done(skip(ticket, 'no-agent-reply'))
  }
  const anchor = thread[start]!
  const ourTags = [followUpTag, ownTag(ticket, s.closedTag)].filter((t): t is OwnTag => !!t)
  if (!anchor.m.from_agent) {
    note('agent-replied', true, 'the thread has public messages')
    note('agent-spoke-last', false, `the customer spoke last (message ${anchor.m.id})`)
    return done(
      ourTags.length > 0
        ? untag(ticket, ourTags, 'customer-replied')
        : skip(ticket, 'customer-replied')
    )
  }
  note(
    'agent-replied',
    true,
    `the cycle starts at the agent's reply ${anchor.m.id}, ${anchor.at.toISOString()}`
  )
  note('agent-spoke-last', true, 'the agent (or this action) spoke last')
  if (anchor.m.failed_datetime) {
    note('reply-sent', false, `the agent's reply ${anchor.m.id} failed to send`)
    return done(skip(ticket, 'reply-failed', `message ${anchor.m.id} failed to send`))
  }
  note('reply-sent', true, `the agent's reply was sent`)

  const ours = thread.slice(start + 1)
  const failedOurs = ours.find(o => o.m.failed_datetime)
  if (failedOurs) {
    note('follow-ups-sent', false, `this action's message ${failedOurs.m.id} failed to send`)
    return done(skip(ticket, 'reply-failed', `follow-up ${failedOurs.m.id} failed to send`))
  }
  note(
    'follow-ups-sent',
    true,
    ours.length > 0
      ? `this action's ${ours.length} message(s) were sent`
      : 'no follow-up yet in this cycle'
  )
  const followUps = ours.filter(o => own.get(o.m) === 'follow-up')
  const closeMessagePosted = ours.some(o => own.get(o.m) === 'close-message')
  const lastFromCustomer =
    thread
      .slice(0, start)
      .reverse()
      .find(o => !o.m.from_agent)?.m ?? null
  const channel = replyChannel(ticket, anchor.m, lastFromCustomer)
  if (!channel || !s.channels.includes(channel.channel.toLowerCase())) {
    const why = channel
      ? `a reply would go by ${channel.channel}`
      : `no route back to the customer this action can use (the agent replied by ${String(anchor.m.channel)})`
    note('route', false, why)
    return done(skip(ticket, 'channel-not-handled', why))
  }
  note(
    'route',
    true,
    `by ${channel.channel}${channel.from ? ` from ${channel.from.address}` : ''}${channel.integrationId !== null ? `, integration ${channel.integrationId}` : ''}`
  )
  const recipient = customerRecipient(
    ticket,
    channel.channel,
    thread.map(o => o.m)
  )
  if (typeof recipient === 'string') {
    note('customer-address', false, recipient)
    return done(skip(ticket, 'no-customer-address', recipient))
  }
  note(
    'customer-address',
    true,
    "to the ticket's customer, and no one else",
    `to the ticket's customer at ${recipient.address}, and no one else`
  )
  const route: Route = { ...channel, customer: recipient }
  const cycle: Cycle = {
    reply: anchor.m,
    replyAt: anchor.at,
    idleHours: Math.max(0, (now.getTime() - anchor.at.getTime()) / HOUR),
    route
  }
  const base = { ticketId: ticket.id, ...cycle }

  const replyAge = elapsedMs(anchor.at, now, s)
  const lastFollowUp = followUps[followUps.length - 1]
  const lastFollowUpAge = lastFollowUp ? elapsedMs(lastFollowUp.at, now, s) : 0
  const reminders = s.followUpHours.length
  const sent = followUps.length
  const business = s.businessHours ? ' business hours' : ' hours'
  const waitForWindow = (): Decision | null => {
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
  const ages = (needReply: number, needLast: number): string =>
    `the reply is ${hoursText(replyAge)}${business} old (${needReply} needed)` +
    (lastFollowUp
      ? `, the last follow-up ${hoursText(lastFollowUpAge)}${business} old (${needLast} needed)`
      : '')

  // The hard stop: one silence never gets more reminders than the schedule has, whatever else the
  // thread says; from there on the only way forward is the close.
  if (sent < reminders) {
    note(
      'reminders',
      true,
      `${sent} of ${reminders} follow-up(s) sent in this cycle: next is follow-up ${sent + 1}`
    )
    const dueAge = s.followUpHours[sent]!
    const gap = sent === 0 ? 0 : dueAge - s.followUpHours[sent - 1]!
    schedule = {
      reminders,
      sent,
      replyAt: anchor.at,
      lastFollowUpAt: lastFollowUp?.at ?? null,
      next: {
        action: 'follow-up',
        reminder: sent + 1,
        afterReplyHours: dueAge,
        afterLastFollowUpHours: gap
      }
    }
    if (replyAge >= dueAge * HOUR && lastFollowUpAge >= gap * HOUR) {
      note('due', true, `follow-up ${sent + 1} is due: ${ages(dueAge, gap)}`)
      return done(
        waitForWindow() ?? {
          kind: 'follow-up',
          ...base,
          reminder: sent + 1,
          reminders,
          marker: followUpMarker(sent + 1, anchor.m.id),
          ...staleTags(sent === 0 ? ourTags.filter(t => t !== followUpTag) : [])
        }
      )
    }
    note('due', false, `follow-up ${sent + 1} is not due: ${ages(dueAge, gap)}`)
  } else {
    note(
      'reminders',
      true,
      `${sent} of ${reminders} follow-up(s) sent in this cycle: next is the close`
    )
    // The customer always gets the whole grace window after the last follow-up, even when that
    // follow-up went out late.
    const grace = s.closeHours - s.followUpHours[reminders - 1]!
    schedule = {
      reminders,
      sent,
      replyAt: anchor.at,
      lastFollowUpAt: lastFollowUp!.at,
      next: {
        action: 'close',
        reminder: null,
        afterReplyHours: s.closeHours,
        afterLastFollowUpHours: grace
      }
    }
    if (reopenedAfter(ticket, lastFollowUp!.at, s)) {
      note('not-reopened', false, 'closed and reopened since the last follow-up; left to agents')
      return done(
        skip(ticket, 'reopened', 'closed and reopened since the last follow-up; left to agents')
      )
    }
    note('not-reopened', true, 'not closed and reopened since the last follow-up')
    if (replyAge >= s.closeHours * HOUR && lastFollowUpAge >= grace * HOUR) {
      note('due', true, `the close is due: ${ages(s.closeHours, grace)}`)
      return done(
        waitForWindow() ?? {
          kind: 'close',
          ...base,
          postMessage:
            templatesFor(s.messages, ticket.language).templates.close !== '' && !closeMessagePosted,
          marker: closeMarker(anchor.m.id)
        }
      )
    }
    note('due', false, `the close is not due: ${ages(s.closeHours, grace)}`)
  }

  if (sent > 0 && !followUpTag) return done({ kind: 'tag-follow-up', ...base })
  if (sent === 0 && ourTags.length > 0) return done(untag(ticket, ourTags, 'agent-replied'))
  return done(skip(ticket, 'not-due'))
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
  const closedAt = parseTime(ticket.closed_datetime)
  return closedAt instanceof Date && closedAt.getTime() > since.getTime()
}

function staleTags(tags: OwnTag[]): { staleTags: Tag[]; staleNamesWithoutId: string[] } {
  const split = splitTags(tags)
  return { staleTags: split.tags, staleNamesWithoutId: split.namesWithoutId }
}

/** Whether a re-check still supports the action planned from earlier data. */
export function sameDecision(planned: Decision, fresh: Decision): boolean {
  if (planned.kind !== fresh.kind) return false
  switch (planned.kind) {
    case 'follow-up':
      return fresh.kind === 'follow-up' && fresh.marker === planned.marker
    case 'close':
      return fresh.kind === 'close' && fresh.reply.id === planned.reply.id
    case 'tag-follow-up':
      return fresh.kind === 'tag-follow-up' && fresh.reply.id === planned.reply.id
    case 'untag':
      return fresh.kind === 'untag'
    case 'skip':
      return fresh.kind === 'skip' && fresh.reason === planned.reason
  }
}
