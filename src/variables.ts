/**
 * The variables of the texts this action sends: its own placeholders (`{{first_name}}`) and the
 * part of Gorgias's macro variables it can fill (`{{ticket.customer.firstname}}`,
 * `{{current_user.firstname | default: "The Support Team"}}`). A template is checked once, before
 * anything is sent: the API sends a body as given, so an unfilled `{{…}}` would reach the customer.
 * Pure.
 */

const PERSON_FIELDS = ['firstname', 'lastname', 'name', 'email'] as const
export type Person = Record<(typeof PERSON_FIELDS)[number], string>
const personVariables = <P extends string>(prefix: P) =>
  PERSON_FIELDS.map(field => `${prefix}.${field}` as const)

/** This action's own placeholders, then Gorgias's macro variables it fills ("Macro variables"). */
const VARIABLES = [
  ...(['first_name', 'ticket_id', 'subject', 'reminder_number', 'reminders_total'] as const),
  ...personVariables('ticket.customer'),
  ...(['ticket.subject', 'ticket.id', 'ticket.channel'] as const),
  ...personVariables('ticket.assignee_user'),
  ...personVariables('current_user')
]
type VariableName = (typeof VARIABLES)[number]
const KNOWN: ReadonlySet<string> = new Set(VARIABLES)
const LIST = VARIABLES.map(v => `{{${v}}}`).join(', ')

/** A variable's value per name; a missing name renders as empty. */
export type TemplateValues = Partial<Record<VariableName, string>>

/** `{{ variable | default: "fallback" }}`; fallback is null without the filter. */
type Piece = string | { variable: VariableName; fallback: string | null }

// Neither runs past the next opening: an unclosed one must not cost quadratic time on a huge body.
const EXPRESSION = /\{\{((?:(?!\{\{)[\s\S])*?)\}\}/g
const DEFAULT_FILTER = /^\|\s*default\s*:\s*(?:"([^"]*)"|'([^']*)')\s*$/
const LIQUID_TAG = /\{%(?:(?!\{%)[\s\S])*?%\}/
/** Braces as character references: `{` is 123 (0x7b), `}` is 125 (0x7d). */
const BRACE_REFS = /&(?:#0*12[35]|#x0*7[bd]|[lr]brace|[lr]cub);/gi
const OPEN_REF = /^&(?:#0*123|#x0*7b|lbrace|lcub);$/i
/** Quotes as an HTML editor may have written them inside a variable of body_html. */
const HTML_QUOTES = /&(?:quot|#34|#x22);|&(?:apos|#39|#x27);/gi

/** Why a template cannot be sent, or null. `html`: the template is a macro's body_html. */
export function templateProblem(text: string, html = false): string | null {
  const parsed = parseTemplateText(text, html)
  return typeof parsed === 'string' ? parsed : null
}

/** The template as literal text and variables, or the problem (the caller names where it is). */
function parseTemplateText(text: string, html: boolean): Piece[] | string {
  const pieces: Piece[] = []
  const literal = (part: string): string | null => {
    if (part.includes('{{') || part.includes('}}')) {
      return 'has an unbalanced "{{" or "}}"; write placeholders like {{first_name}}'
    }
    // An email client shows `&#123;&#123;` as "{{": a placeholder the editor encoded is sent raw.
    const decoded = html ? part.replace(BRACE_REFS, r => (OPEN_REF.test(r) ? '{' : '}')) : part
    if (decoded.includes('{{') || decoded.includes('}}')) {
      return 'has an HTML-encoded "{{" or "}}" (such as &#123;&#123;), which the customer would see as written; write placeholders like {{first_name}} as plain text'
    }
    const tag = LIQUID_TAG.exec(part)?.[0]
    if (tag) {
      const shown = tag.length > 60 ? `${tag.slice(0, 57)}...` : tag
      return `has a Liquid tag ${shown}; tags ({% if %}, {% for %}) are not supported, only variables`
    }
    if (part) pieces.push(part)
    return null
  }
  let at = 0
  for (const match of text.matchAll(EXPRESSION)) {
    const problem = literal(text.slice(at, match.index))
    if (problem) return problem
    const inner = html ? match[1]!.replace(HTML_QUOTES, q => (/q|34|22/i.test(q) ? '"' : "'")) : match[1]! // prettier-ignore
    const expression = parseExpression(inner)
    if (typeof expression === 'string') return expression
    pieces.push(expression)
    at = match.index + match[0].length
  }
  return literal(text.slice(at)) ?? pieces
}

function parseExpression(inner: string): Piece {
  const bar = inner.indexOf('|')
  const name = (bar === -1 ? inner : inner.slice(0, bar)).trim()
  if (!KNOWN.has(name)) {
    const shown = name.length > 80 ? `${name.slice(0, 77)}...` : name
    return `unknown placeholder {{${shown}}}; the placeholders are ${LIST}`
  }
  const variable = name as VariableName
  if (bar === -1) return { variable, fallback: null }
  const filter = DEFAULT_FILTER.exec(inner.slice(bar).trim())
  if (!filter) {
    const filterName = /^\|\s*([^\s:("'|]*)/.exec(inner.slice(bar).trim())?.[1] ?? ''
    return `unsupported filter "${filterName}" on {{${variable}}}; the only filter is | default: "text"`
  }
  return { variable, fallback: filter[1] ?? filter[2] ?? '' }
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
  // Checked before any request; one that slipped through is sent as it is, never half-filled.
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
