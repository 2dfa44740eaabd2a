/**
 * The variables of the texts this action sends: its own placeholders (`{{first_name}}`) and the
 * part of Gorgias's macro variables it can fill (`{{ticket.customer.firstname}}`,
 * `{{current_user.firstname | default: "The Support Team"}}`). A template is checked once, before
 * anything is sent: a variable this action cannot fill would reach the customer as raw `{{…}}`,
 * since the API sends a message body as given. Pure.
 */

/** This action's own placeholders. */
const PLACEHOLDERS = [
  'first_name',
  'ticket_id',
  'subject',
  'reminder_number',
  'reminders_total'
] as const

/** Gorgias's macro variables this action fills (help center, "Macro variables"). */
const GORGIAS_VARIABLES = [
  'ticket.customer.firstname',
  'ticket.customer.lastname',
  'ticket.customer.name',
  'ticket.customer.email',
  'ticket.subject',
  'ticket.id',
  'ticket.channel',
  'ticket.assignee_user.firstname',
  'ticket.assignee_user.lastname',
  'ticket.assignee_user.name',
  'ticket.assignee_user.email',
  'current_user.firstname',
  'current_user.lastname',
  'current_user.name',
  'current_user.email'
] as const

type VariableName = (typeof PLACEHOLDERS)[number] | (typeof GORGIAS_VARIABLES)[number]

const KNOWN: ReadonlySet<string> = new Set<string>([...PLACEHOLDERS, ...GORGIAS_VARIABLES])

/** A variable's value per name; a missing name renders as empty. */
export type TemplateValues = Partial<Record<VariableName, string>>

/** `{{ variable | default: "fallback" }}` */
interface Expression {
  variable: VariableName
  /** the default filter's text, as the template has it; null without the filter */
  fallback: string | null
}

type Piece = string | Expression

const EXPRESSION = /\{\{([\s\S]*?)\}\}/g
const DEFAULT_FILTER = /^\|\s*default\s*:\s*(?:"([^"]*)"|'([^']*)')\s*$/
/** Quotes as an HTML editor may have written them inside a variable of body_html. */
const HTML_QUOTES = /&(?:quot|#34|#x22);|&(?:apos|#39|#x27);/gi

const LIST = [...PLACEHOLDERS, ...GORGIAS_VARIABLES].map(v => `{{${v}}}`).join(', ')

/** Why a template cannot be sent, or null. `html`: the template is a macro's body_html. */
export function templateProblem(text: string, html = false): string | null {
  const parsed = parseTemplateText(text, html)
  return typeof parsed === 'string' ? parsed : null
}

/**
 * The template as literal text and variables, or the problem (a sentence without the place it
 * appears, which the caller names).
 */
function parseTemplateText(text: string, html = false): Piece[] | string {
  const pieces: Piece[] = []
  let at = 0
  for (const match of text.matchAll(EXPRESSION)) {
    const literal = text.slice(at, match.index)
    const problem = literalProblem(literal)
    if (problem) return problem
    if (literal) pieces.push(literal)
    const inner = html ? (match[1] ?? '').replace(HTML_QUOTES, q => (/q|34|22/i.test(q) ? '"' : "'")) : (match[1] ?? '') // prettier-ignore
    const expression = parseExpression(inner)
    if (typeof expression === 'string') return expression
    pieces.push(expression)
    at = match.index + match[0].length
  }
  const rest = text.slice(at)
  const problem = literalProblem(rest)
  if (problem) return problem
  if (rest) pieces.push(rest)
  return pieces
}

function literalProblem(literal: string): string | null {
  if (literal.includes('{{') || literal.includes('}}')) {
    return 'has an unbalanced "{{" or "}}"; write placeholders like {{first_name}}'
  }
  if (/\{%[\s\S]*?%\}/.test(literal)) {
    return `has a Liquid tag ${shownTag(literal)}; tags ({% if %}, {% for %}) are not supported, only variables`
  }
  return null
}

function shownTag(literal: string): string {
  const tag = /\{%[\s\S]*?%\}/.exec(literal)?.[0] ?? '{% %}'
  return tag.length > 60 ? `${tag.slice(0, 57)}...` : tag
}

function parseExpression(inner: string): Expression | string {
  const bar = inner.indexOf('|')
  const variable = (bar === -1 ? inner : inner.slice(0, bar)).trim()
  if (!KNOWN.has(variable)) {
    const shown = variable.length > 80 ? `${variable.slice(0, 77)}...` : variable
    return `unknown placeholder {{${shown}}}; the placeholders are ${LIST}`
  }
  if (bar === -1) return { variable: variable as VariableName, fallback: null }
  const filter = DEFAULT_FILTER.exec(inner.slice(bar).trim())
  if (!filter) {
    const name = /^\|\s*([^\s:("'|]*)/.exec(inner.slice(bar).trim())?.[1] ?? ''
    return `unsupported filter "${name}" on {{${variable}}}; the only filter is | default: "text"`
  }
  return { variable: variable as VariableName, fallback: filter[1] ?? filter[2] ?? '' }
}

/** Whether a (valid) template reads any of these variables. */
export function usesVariable(text: string, prefix: string, html = false): boolean {
  const parsed = parseTemplateText(text, html)
  return (
    typeof parsed !== 'string' &&
    parsed.some(p => typeof p !== 'string' && p.variable.startsWith(prefix))
  )
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * The template with its variables filled, in one pass: a value is never read as a template, so a
 * customer named "{{current_user.email}}" is sent as that text. `html`: values are HTML-escaped,
 * the template's own text (a default included) is left as the macro has it. An empty value
 * without a default renders empty, as in Gorgias; the space before it goes when punctuation
 * follows ("Hi {{ticket.customer.firstname}}," -> "Hi,").
 */
export function renderTemplate(template: string, values: TemplateValues, html = false): string {
  const parsed = parseTemplateText(template, html)
  // Templates are checked before any request; one that slipped through is sent as it is, never
  // with a half-filled variable.
  if (typeof parsed === 'string') return template
  let out = ''
  let emptied = false
  for (const piece of parsed) {
    if (typeof piece === 'string') {
      if (emptied && /^[,.!?;:)]/.test(piece)) out = out.replace(/[ \t]+$/, '')
      out += piece
      emptied = false
      continue
    }
    const value = values[piece.variable] ?? ''
    if (value !== '') out += html ? escapeHtml(value) : value
    else if (piece.fallback !== null) out += piece.fallback
    emptied = value === '' && piece.fallback === null
  }
  return out
}
