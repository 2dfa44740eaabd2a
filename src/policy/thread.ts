import type { Message, Ticket } from '../gorgias/types.js'
import { sameAddress } from './route.js'
import {
  ownTag,
  parseTimeField,
  type PolicyCatalog,
  type PolicySettings,
  type PolicyTexts
} from './types.js'

/**
 * The thread: one message as the policy reads it (can it be read, is it public, when does it count
 * from); this action's own messages, known by the marker it sets in `external_id` or, when a
 * message lacks it, by who sent it and its text (recognisedAs); the public messages in the order
 * Gorgias recorded them (Rule auto-replies left out) and where the current cycle starts; and the
 * timeline explain.ts shows, every message with what it counts as.
 */

/**
 * When a message reached (or was meant to reach) the customer: the age of a reply counts from
 * here. A `sent_datetime` that is present but not a date makes the message unreadable.
 */
export function messageTime(m: Message): Date | undefined {
  const sent = parseTimeField(m.sent_datetime)
  if (sent === undefined) return undefined
  return sent ?? parseTimeField(m.created_datetime) ?? undefined
}

/**
 * Readable: an id, a sender side (`from_agent`), a time (sent or created), and every timestamp it
 * carries a date.
 */
export function isReadableMessage(m: Message): boolean {
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isSafeInteger(m.id) &&
    typeof m.from_agent === 'boolean' &&
    parseTimeField(m.created_datetime) !== undefined &&
    messageTime(m) !== undefined &&
    parseTimeField(m.failed_datetime) !== undefined
  )
}

/** Public: sent to the customer, not an internal note for agents only. */
function isPublic(m: Message): boolean {
  return m.public !== false && m.channel !== 'internal-note'
}

const MARKER_PREFIX = 'gorgias-auto-close:'
const FOLLOW_UP_MARKER = /^gorgias-auto-close:follow-up\b/
const CLOSE_MARKER = /^gorgias-auto-close:close\b/

export function followUpMarker(reminder: number, replyId: number): string {
  return `${MARKER_PREFIX}follow-up:${reminder}:reply-${replyId}`
}

export function closeMarker(replyId: number): string {
  return `${MARKER_PREFIX}close:reply-${replyId}`
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

const shapesByCatalog = new WeakMap<PolicyCatalog, TemplateShape[]>()

/**
 * A template with less text of its own than this ("{{first_name}}?") would take any short agent
 * reply by the same user for ours: such a template is known by its marker only.
 */
const MIN_TEMPLATE_TEXT = 12

/** Every template of every language; follow-ups first, so a text that is both counts as one. */
function templateShapes(catalog: PolicyCatalog): TemplateShape[] {
  const cached = shapesByCatalog.get(catalog)
  if (cached) return cached
  const all = Object.values(catalog.byLanguage)
  const shape = (kind: OwnKind) => (template: string) => ({
    kind,
    literals: normaliseSpace(template).split(/\{\{[\s\S]*?\}\}/)
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

/**
 * The templates for a ticket's language: the exact tag, then its primary subtag (`fr-CA` -> `fr`),
 * then the default. `language` is what was chosen, for the report.
 */
export function templatesFor<T extends PolicyTexts>(
  catalog: PolicyCatalog<T>,
  ticketLanguage: unknown
): { language: string; templates: T } {
  // Some systems write `fr_CA`; the file's keys are BCP 47 tags (`fr-ca`).
  const tag =
    typeof ticketLanguage === 'string' ? ticketLanguage.trim().toLowerCase().replace(/_/g, '-') : ''
  const tried = tag ? [tag, tag.split('-')[0]!] : []
  for (const language of tried) {
    const templates = Object.hasOwn(catalog.byLanguage, language)
      ? catalog.byLanguage[language]
      : undefined
    if (templates) return { language, templates }
  }
  return {
    language: catalog.defaultLanguage,
    templates: catalog.byLanguage[catalog.defaultLanguage]!
  }
}

/** A message and the time it counts from (messageTime). */
export interface Entry {
  m: Message
  at: Date
}

/**
 * The order of a conversation comes from `created_datetime`, which Gorgias assigns when it
 * records a message; `sent_datetime` of an incoming email can be the sender's own clock, and a
 * customer's slow clock must not put their reply before the agent's.
 */
function threadOrder(a: Entry, b: Entry): number {
  const recorded = (o: Entry): number =>
    parseTimeField(o.m.created_datetime)?.getTime() ?? o.at.getTime()
  return recorded(a) - recorded(b) || a.m.id - b.m.id
}

/**
 * Replies sent by Gorgias Rules (auto-acknowledgements and the like) are not an agent answering:
 * they neither start the customer's silence nor count as the customer's turn.
 */
function isAutomated(m: Message): boolean {
  return m.from_agent && m.via === 'rule' && !isOurs(m)
}

/** A public thread in order, and where the current cycle starts in it. */
export interface Thread {
  /** public messages, Rule auto-replies left out, in the order Gorgias recorded them */
  entries: Entry[]
  /** index of the cycle's start (the last message that is not ours), -1 when there is none */
  start: number
  /** what each message after `start` is: ours, by marker or recognised */
  own: Map<Message, OwnKind | 'other'>
  /** ours by text and sender alone: their external_id lacks the marker */
  unmarked: Message[]
}

/** The thread of `messages` (all readable), with this action's own messages told apart. */
export function readThread(ticket: Ticket, messages: Message[], s: PolicySettings): Thread {
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

/** Every message, notes and Rule replies too, in thread order, with what it counts as. */
export function timelineOf(all: Message[], thread: Thread): TimelineMessage[] {
  // The cycle starts at the last message that is not ours; only an agent's reply starts one (after
  // the customer's, nothing is pending: the decision says customer-replied).
  const last = thread.entries[thread.start]?.m
  const cycleStart = last?.from_agent === true ? last : undefined
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
