import type { Message } from '../gorgias/types.js'
import type { MessageCatalog } from '../messages.js'
import type { PolicySettings } from './decision.js'
import { isPublic } from './message.js'
import { sameAddress } from './route.js'

/**
 * This action's own messages: known by the marker it sets in `external_id`, or, when a message
 * lacks it, by who sent it and its text (recognisedAs).
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

export function isOurs(m: Message): boolean {
  return typeof m.external_id === 'string' && m.external_id.startsWith(MARKER_PREFIX)
}

function isOurFollowUp(m: Message): boolean {
  return typeof m.external_id === 'string' && FOLLOW_UP_MARKER.test(m.external_id)
}

function isOurClose(m: Message): boolean {
  return typeof m.external_id === 'string' && CLOSE_MARKER.test(m.external_id)
}

export type OwnKind = 'follow-up' | 'close-message'

/** What a marked message is; 'other' for a marker of ours this version does not know. */
export function markedAs(m: Message): OwnKind | 'other' | null {
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
export function recognisedAs(m: Message, s: PolicySettings): OwnKind | null {
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
