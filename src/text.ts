/**
 * Text this action shows but did not write (subjects, names, what a module or the API said) made
 * inert where shown: the job summary (Markdown), a terminal, the log (`::` opens a workflow command).
 */

/** Controls that reorder what follows them: a subject could display reversed (U+202E). */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g
/** C0 (ESC, BEL, CR, LF, ...), DEL and C1 (incl. CSI, U+009B) controls. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g

/** One line of plain text: whitespace runs become one space; other controls and bidi controls go. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(CONTROLS, '').replace(BIDI_CONTROLS, '').trim()
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * At most `max` graphemes (an emoji, a letter with its accents), ending in "…" when cut; also at
 * most `4 * max` UTF-16 units, so a grapheme of a thousand combining marks cannot blow up a table.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const budget = 4 * max
  const kept: string[] = []
  let units = 0
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length === max || units + segment.length > budget) {
      // Make room for the ellipsis.
      while (kept.length > 0 && (kept.length > max - 1 || units + 1 > budget)) {
        units -= kept.pop()!.length
      }
      return `${kept.join('')}…`
    }
    kept.push(segment)
    units += segment.length
  }
  return text
}

/** Width in graphemes, for padding terminal columns. */
export const graphemeLength = (text: string): number => [...graphemes.segment(text)].length

/**
 * Backslash-escapes what GitHub's Markdown would read as syntax (emphasis, code, links, HTML,
 * entities, table pipes, headings, math; `:` and `.` that could make an autolink or an emoji code,
 * `@` of an email autolink) and a first character that could open a block (list, quote, heading).
 * Prose keeps its look: a colon or full stop before a space is left alone.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_~[\]<>&|#$@!]|[:.](?=\S)/g, c => `\\${c}`)
    .replace(/^([-+=]|\d+[.)])/, start =>
      /^\d/.test(start) ? `${start.slice(0, -1)}\\${start.slice(-1)}` : `\\${start}`
    )
}

/** Customer text for a Markdown table cell or line: one line, cut, escaped. */
export const markdownText = (text: string, max = 70): string =>
  escapeMarkdown(cut(oneLine(text), max))

/** Text for a terminal column: one line, no control character that could move the cursor or colour. */
export const terminalCell = (text: string, max?: number): string =>
  max === undefined ? oneLine(text) : cut(oneLine(text), max)

/**
 * A log line the runner reads as text, never as a workflow command: one line (a newline and then
 * `::error::` would be a command); the caller puts its own prefix first, so it never starts `::`.
 */
export const logText = (text: unknown, max = 2000): string => cut(oneLine(asText(text)), max)

/** Any value a module might hand over, as text: strings as they are, the rest as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Error) return value.message
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** A Markdown link to a ticket in the helpdesk (the domain is validated by config.ts). */
export const ticketLink = (domain: string, id: number): string =>
  `[#${id}](https://${domain}.gorgias.com/app/ticket/${id})`

/** What a report shows in place of the name of a customer who has none. */
export const NO_NAME = '(no name)'

/** "1 page", "2 pages". */
export const plural = (n: number, one: string, many: string): string =>
  `${n} ${n === 1 ? one : many}`
