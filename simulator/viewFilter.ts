/**
 * The subset of Gorgias's view filter language a sweep needs (reference: views; the reference's
 * own example is `eq(ticket.assignee_user.id, '{{current_user.id}}') && eq(ticket.status, 'open')`):
 *
 *   filters := ''  |  test ('&&' test)*
 *   test    := ('eq' | 'neq') '(' path ',' literal ')'
 *   path    := 'ticket' ('.' name)+          e.g. ticket.status, ticket.assignee_user.id
 *   literal := 'text' | "text" | number | true | false | null
 *
 * Anything else (Gorgias's other operators, `||`, another root, a bad token) is refused with a
 * FilterError, which the route answers as a 400: a client must not read a refused query as "no
 * tickets match". Values compare the way a JSON filter would: a string literal matches a number
 * field with the same digits (ids are often quoted), null matches a missing value.
 */
import type { Ticket } from '../src/gorgias/types.js'
import { isRecord } from './values.js'

export class FilterError extends Error {}

export type TicketPredicate = (ticket: Ticket) => boolean

type Literal = string | number | boolean | null

type Token =
  | { kind: 'name'; text: string; at: number }
  | { kind: 'literal'; value: Literal; at: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.' | '&&'; at: number }

const OPERATORS: Record<string, (same: boolean) => boolean> = {
  eq: same => same,
  neq: same => !same
}

/** Ticket fields a filter may test (the documented ones that hold one value or an object). */
const TICKET_FIELDS = new Set([
  'id',
  'status',
  'channel',
  'via',
  'subject',
  'spam',
  'customer',
  'assignee_user',
  'assignee_team',
  'language',
  'created_datetime',
  'opened_datetime',
  'updated_datetime',
  'last_message_datetime',
  'last_received_message_datetime',
  'closed_datetime',
  'snooze_datetime',
  'trashed_datetime',
  'messages_count',
  'external_id',
  'meta'
])

const TOKEN =
  /\s*(?:(&&)|(\|\|)|([(),.])|([A-Za-z_][A-Za-z0-9_]*)|(-?\d+(?:\.\d+)?)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))/y

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  TOKEN.lastIndex = 0
  let at = 0
  while (text.slice(at).trim() !== '') {
    const m = TOKEN.exec(text)
    if (!m) throw new FilterError(`unexpected character at position ${at}: ${text.slice(at).trim().slice(0, 20)}`) // prettier-ignore
    const start = m.index + m[0].length - m[0].trimStart().length
    at = TOKEN.lastIndex
    const [, and, or, punct, name, number, quoted] = m
    if (or !== undefined) throw new FilterError(`"||" is not supported (position ${start})`)
    if (and !== undefined) tokens.push({ kind: 'punct', text: '&&', at: start })
    else if (punct !== undefined) tokens.push({ kind: 'punct', text: punct as '(', at: start })
    else if (number !== undefined)
      tokens.push({ kind: 'literal', value: Number(number), at: start })
    else if (quoted !== undefined) {
      const value = quoted.slice(1, -1).replace(/\\(.)/g, '$1')
      tokens.push({ kind: 'literal', value, at: start })
    } else if (name === 'true' || name === 'false') {
      tokens.push({ kind: 'literal', value: name === 'true', at: start })
    } else if (name === 'null') tokens.push({ kind: 'literal', value: null, at: start })
    else tokens.push({ kind: 'name', text: name ?? '', at: start })
  }
  return tokens
}

class Parser {
  #i = 0
  constructor(readonly tokens: Token[]) {}

  parse(): TicketPredicate {
    const tests = [this.#test()]
    while (this.#peek()) {
      this.#expect('&&')
      tests.push(this.#test())
    }
    return ticket => tests.every(test => test(ticket))
  }

  #peek(): Token | undefined {
    return this.tokens[this.#i]
  }

  #next(what: string): Token {
    const token = this.tokens[this.#i++]
    if (!token) throw new FilterError(`expected ${what}, found the end of the expression`)
    return token
  }

  #expect(text: string): void {
    const token = this.#next(`"${text}"`)
    if (token.kind !== 'punct' || token.text !== text) {
      throw new FilterError(`expected "${text}" at position ${token.at}`)
    }
  }

  #test(): TicketPredicate {
    const fn = this.#next('an operator such as eq(...)')
    if (fn.kind !== 'name') throw new FilterError(`expected an operator at position ${fn.at}`)
    const operator = OPERATORS[fn.text]
    if (!operator) {
      throw new FilterError(`unsupported operator "${fn.text}" at position ${fn.at} (the simulator knows eq and neq)`) // prettier-ignore
    }
    this.#expect('(')
    const path = this.#path()
    this.#expect(',')
    const literal = this.#next('a value')
    if (literal.kind !== 'literal') throw new FilterError(`expected a value at position ${literal.at}`) // prettier-ignore
    this.#expect(')')
    return ticket => operator(sameValue(valueAt(ticket, path), literal.value))
  }

  #path(): string[] {
    const root = this.#next('ticket.<field>')
    if (root.kind !== 'name' || root.text !== 'ticket') {
      throw new FilterError(`unknown object at position ${root.at}: only ticket.<field> can be filtered on`) // prettier-ignore
    }
    const path: string[] = []
    while (this.#peek()?.kind === 'punct' && (this.#peek() as { text: string }).text === '.') {
      this.#i++
      const name = this.#next('a field name')
      if (name.kind !== 'name') throw new FilterError(`expected a field name at position ${name.at}`) // prettier-ignore
      path.push(name.text)
    }
    const field = path[0]
    if (field === undefined) throw new FilterError(`expected ticket.<field> at position ${root.at}`)
    if (!TICKET_FIELDS.has(field)) throw new FilterError(`unknown ticket field "${field}"`)
    return path
  }
}

/** Compiles a view's `filters` expression; an empty one matches every ticket. */
export function compileFilters(text: string): TicketPredicate {
  const tokens = tokenize(text)
  if (tokens.length === 0) return () => true
  return new Parser(tokens).parse()
}

function valueAt(ticket: Ticket, path: string[]): unknown {
  let value: unknown = ticket
  for (const key of path) {
    if (!isRecord(value)) return undefined
    value = value[key]
  }
  return value
}

function sameValue(value: unknown, literal: Literal): boolean {
  if (literal === null) return value === null || value === undefined
  if (typeof value === typeof literal) return value === literal
  if (typeof literal === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return String(value) === literal
  }
  if (typeof literal === 'number' && typeof value === 'string') return value === String(literal)
  return false
}
