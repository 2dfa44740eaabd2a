import type { Message, Ticket } from '../gorgias/types.js'
import { sameAddress } from './route.js'
import {
  ownTag,
  parseTimeField,
  type PolicyCatalog,
  type PolicySettings,
  type PolicyTexts
} from './types.js'

/** The thread: the messages, this action's own (by marker, or sender and text), the cycle start. */

/** When a message reached the customer; a `sent_datetime` not a date makes it unreadable. */
export function messageTime(m: Message): Date | undefined {
  const sent = parseTimeField(m.sent_datetime)
  if (sent === undefined) return undefined
  return sent ?? parseTimeField(m.created_datetime) ?? undefined
}

/** Readable: an id, a sender side, a time, and every timestamp it carries a date. */
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

/** Public: sent to the customer, not an internal note. */
function isPublic(m: Message): boolean {
  return m.public !== false && m.channel !== 'internal-note'
}

const MARKER = 'gorgias-auto-close:'

export function followUpMarker(reminder: number, replyId: number): string {
  return `${MARKER}follow-up:${reminder}:reply-${replyId}`
}

export function closeMarker(replyId: number): string {
  return `${MARKER}close:reply-${replyId}`
}

/** Marked as ours; only a message from the company can be: a customer's never closes a ticket. */
export function isOurs(m: Message): boolean {
  return (
    m.from_agent === true && typeof m.external_id === 'string' && m.external_id.startsWith(MARKER)
  )
}

type OwnKind = 'follow-up' | 'close-message'
/** 'own-other': marked as ours by a version that knew another kind of message */
type Own = OwnKind | 'own-other'
const MARKED_AS: Record<string, OwnKind> = { 'follow-up': 'follow-up', close: 'close-message' }

/** What a marked message is. */
function markedAs(m: Message): Own | null {
  if (!isOurs(m)) return null
  const kind = /^gorgias-auto-close:(follow-up|close)\b/.exec(m.external_id!)?.[1] ?? ''
  return MARKED_AS[kind] ?? 'own-other'
}

const normaliseSpace = (text: string): string => text.replace(/\s+/g, ' ').trim()

/** A template as the literal runs between its placeholders, whitespace-normalised. */
type TemplateShape = { kind: OwnKind; literals: string[] }
const shapesByCatalog = new WeakMap<PolicyCatalog, TemplateShape[]>()

/** A template with less text of its own ("{{first_name}}?") is known by its marker only. */
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
 * Whether `text` is the template with each placeholder standing for any text. Matched by hand, not
 * by a regular expression whose backtracking over several wildcards could take for ever.
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

// prettier-ignore
const ENTITIES: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", hellip: '…', mdash: '—',
  ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', euro: '€',
  copy: '©', reg: '®', trade: '™', bull: '•', middot: '·', deg: '°', szlig: 'ß', aelig: 'æ',
  AElig: 'Æ', oslash: 'ø', Oslash: 'Ø', iexcl: '¡', iquest: '¿'
}
/** `eacute`, `Ccedil`: a letter and its accent, as one character. */
// prettier-ignore
const ACCENTS: Record<string, string> = {
  grave: '\u0300', acute: '\u0301', circ: '\u0302', tilde: '\u0303', uml: '\u0308', ring: '\u030a', cedil: '\u0327'
}

/** A character reference (`&eacute;`, `&#8217;`) as its character; one not read stays as written. */
export function characterOf(reference: string, name: string): string {
  const number = /^#(x[0-9a-f]+|\d+)$/i.exec(name)?.[1]
  if (number !== undefined) {
    const code = /^x/i.test(number) ? parseInt(number.slice(1), 16) : Number(number)
    const usable = code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
    const control = (code < 0x20 && code !== 9 && code !== 10) || (code >= 0x7f && code < 0xa0)
    return usable && !control ? String.fromCodePoint(code) : reference
  }
  if (Object.hasOwn(ENTITIES, name)) return ENTITIES[name]!
  const accented = /^([a-z])(grave|acute|circ|tilde|uml|ring|cedil)$/i.exec(name)
  const letter = accented && `${accented[1]}${ACCENTS[accented[2]!]}`.normalize('NFC')
  return letter && letter.length === 1 ? letter : reference
}

/** The text of an HTML body: tags out, line breaks kept as spaces, references read. */
function htmlText(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(?:p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^<>]*>/g, '')
    .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, characterOf)
}

/**
 * A message without our marker that is still ours: public, from an agent, sent by the API key's
 * user through the API (when `via` says), its text (body_text, stripped_text or the HTML body) one
 * of our templates. readThread adds the rest: after the agent's reply, with the follow-up tag on.
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

/** The templates for a ticket's language: the exact tag, its primary subtag, or the default. */
export function templatesFor<T extends PolicyTexts>(
  catalog: PolicyCatalog<T>,
  ticketLanguage: unknown
): { language: string; templates: T } {
  const { byLanguage } = catalog
  // Some systems write `fr_CA`; the file's keys are BCP 47 tags (`fr-ca`).
  const tag =
    typeof ticketLanguage === 'string' ? ticketLanguage.trim().toLowerCase().replace(/_/g, '-') : ''
  const tried = tag ? [tag, tag.split('-')[0]!] : []
  const language =
    tried.find(l => Object.hasOwn(byLanguage, l) && byLanguage[l]) ?? catalog.defaultLanguage
  return { language, templates: byLanguage[language]! }
}

/** A message and the time it counts from (messageTime). */
export type Entry = { m: Message; at: Date }

/** A Gorgias Rule's auto-reply is not an agent answering, nor the customer's turn. */
function isAutomated(m: Message): boolean {
  return m.from_agent && m.via === 'rule' && !isOurs(m)
}

export interface Thread {
  /** every message, in order */
  all: Entry[]
  /** the public ones, Rule auto-replies left out */
  entries: Entry[]
  /** index of the cycle's start (the last message that is not ours), -1 when there is none */
  start: number
  /** what each message after `start` is: ours, by marker or (unmarked) by sender and text */
  own: Map<Message, Own>
}

/** The thread of `messages` (all readable), with this action's own messages told apart. */
export function readThread(ticket: Ticket, messages: Message[], s: PolicySettings): Thread {
  // In the order Gorgias recorded them (`created_datetime`): an incoming email's `sent_datetime` is
  // the sender's clock, and a slow one must not put the customer's reply first.
  const recorded = (e: Entry): number =>
    parseTimeField(e.m.created_datetime)?.getTime() ?? e.at.getTime()
  const all = messages
    .map(m => ({ m, at: messageTime(m)! }))
    .sort((a, b) => recorded(a) - recorded(b) || a.m.id - b.m.id)
  const entries = all.filter(e => isPublic(e.m) && !isAutomated(e.m))
  // Recognition needs the follow-up tag: without it no follow-up of ours is pending.
  const recognised = new Map(
    ownTag(ticket, s.followUpTag) ? entries.map(e => [e.m, recognisedAs(e.m, s)]) : []
  )
  const ownKind = (m: Message) => markedAs(m) ?? recognised.get(m) ?? null
  const lastNotOurs = (): number => entries.findLastIndex(e => ownKind(e.m) === null)
  let start = lastNotOurs()
  // Ours follow the agent's real reply: after a customer's message (or none), such a message is
  // the agent answering, whatever its text.
  if (recognised.size > 0 && entries[start]?.m.from_agent !== true) {
    recognised.clear()
    start = lastNotOurs()
  }
  const own = new Map<Message, Own>()
  for (const e of entries.slice(start + 1)) own.set(e.m, ownKind(e.m)!)
  return { all, entries, start, own }
}

/** What a message counts as in the reasoning. */
export type MessageRole = Own | 'customer' | 'agent' | 'internal-note' | 'rule-reply'

export interface TimelineMessage {
  messageId: number
  at: Date
  role: MessageRole
  /** ours, known by sender and text: its external_id lacks the marker */
  unmarked: boolean
  /** the agent's reply the cycle counts from */
  cycleStart: boolean
  failed: boolean
}

/** Every message, notes and Rule replies too, in thread order, with what it counts as. */
export function timelineOf(thread: Thread): TimelineMessage[] {
  // Only an agent's reply starts a cycle (after the customer's, nothing is pending).
  const last = thread.entries[thread.start]?.m
  const cycleStart = last?.from_agent === true ? last : undefined
  const role = (m: Message): MessageRole => {
    if (!isPublic(m)) return 'internal-note'
    if (isAutomated(m)) return 'rule-reply'
    return thread.own.get(m) ?? markedAs(m) ?? (m.from_agent ? 'agent' : 'customer')
  }
  return thread.all.map(({ m, at }) => ({
    messageId: m.id,
    at,
    role: role(m),
    unmarked: thread.own.has(m) && !isOurs(m),
    cycleStart: m === cycleStart,
    failed: typeof m.failed_datetime === 'string' && m.failed_datetime !== ''
  }))
}
