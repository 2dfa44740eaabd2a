/**
 * The documented variations of the answers (SimulatorOptions `nextItemsLink`, `timestamps`,
 * `messagesCount`, `changingUsersAndMacros`, `pageCap`, `embeddedTicketId`): shapes the Gorgias API reference allows
 * a real account to give (docs: gorgias-api.md) and that the default simulator never gives. They
 * are applied to a route's request and answer at the edge, so that the routes keep one shape; off
 * by default, and then nothing here runs.
 */
import type { Result } from './results.js'
import type { SimulatorOptions } from './types.js'
import { isRecord } from './values.js'

export interface Variations {
  nextItemsLink: 'path' | 'url'
  timestamps: 'iso' | 'python' | 'varied' | 'zoned'
  messagesCount: boolean
  changingUsersAndMacros: boolean
  pageCap: number | null
  embeddedTicketId: boolean
}

/** The options' variations; null when every one is off (the default simulator). */
export function variationsOf(opts: SimulatorOptions): Variations | null {
  const cap = opts.pageCap ?? null
  if (cap !== null && !(Number.isInteger(cap) && cap >= 1)) {
    throw new RangeError('pageCap must be a whole number >= 1')
  }
  const v: Variations = {
    nextItemsLink: opts.nextItemsLink ?? 'path',
    timestamps: opts.timestamps ?? 'iso',
    messagesCount: opts.messagesCount ?? true,
    changingUsersAndMacros: opts.changingUsersAndMacros ?? false,
    pageCap: cap,
    embeddedTicketId: opts.embeddedTicketId ?? true
  }
  const off =
    v.nextItemsLink === 'path' &&
    v.timestamps === 'iso' &&
    v.messagesCount &&
    !v.changingUsersAndMacros &&
    v.pageCap === null &&
    v.embeddedTicketId
  return off ? null : v
}

/** Routes whose items change between requests under `changingUsersAndMacros`. */
const CHANGING = new Set(['GET /api/users', 'GET /api/macros', 'GET /api/macros/{id}'])

export class Varier {
  readonly #v: Variations
  readonly #now: () => Date
  /** Answers of CHANGING routes so far: each one's items are a little newer. */
  #served = 0

  constructor(v: Variations, now: () => Date) {
    this.#v = v
    this.#now = now
  }

  /** The request's `limit` as the server applies it: at most `pageCap` (the default is 30). */
  capLimit(query: URLSearchParams): void {
    const cap = this.#v.pageCap
    if (cap === null) return
    const asked = query.get('limit')
    const wanted = asked !== null && /^\d+$/.test(asked) ? Number(asked) : 30
    if (wanted > cap) query.set('limit', String(cap))
  }

  /** The answer as the varied API gives it; `origin` is the host the request came to. */
  answer(result: Result, route: string, origin: string): Result {
    if (result.body === undefined || result.status >= 300) return result
    const body = structuredClone(result.body)
    if (this.#v.changingUsersAndMacros && CHANGING.has(route)) this.#change(body, route)
    this.#walk(body)
    if (!this.#v.embeddedTicketId && route === 'GET /api/tickets/{id}' && isRecord(body)) {
      const embedded: unknown[] = Array.isArray(body.messages) ? body.messages : []
      for (const m of embedded) if (isRecord(m)) delete m.ticket_id
    }
    if (this.#v.nextItemsLink === 'url' && isRecord(body) && isRecord(body.meta)) {
      for (const key of ['next_items', 'prev_items']) {
        const link = body.meta[key]
        if (typeof link === 'string' && link.startsWith('/')) body.meta[key] = `${origin}${link}`
      }
    }
    return { ...result, body }
  }

  /** A new `updated_datetime` on every item (and a new `usage` on macros), as agents edit them. */
  #change(body: unknown, route: string): void {
    const n = ++this.#served
    const stamp = new Date(this.#now().getTime() + n * 1000).toISOString()
    const items = isRecord(body) && Array.isArray(body.data) ? (body.data as unknown[]) : [body]
    for (const item of items) {
      if (!isRecord(item)) continue
      item.updated_datetime = stamp
      if (route !== 'GET /api/users') item.usage = n
    }
  }

  /** Drops `messages_count` (when off) and rewrites every `*_datetime`, at any depth. */
  #walk(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.#walk(item)
      return
    }
    if (!isRecord(value)) return
    for (const [key, field] of Object.entries(value)) {
      if (key === 'messages_count' && !this.#v.messagesCount) delete value[key]
      else if (key.endsWith('_datetime') && typeof field === 'string') {
        value[key] = this.#timestamp(field)
      } else this.#walk(field)
    }
  }

  #timestamp(text: string): string {
    const ms = Date.parse(text)
    if (this.#v.timestamps === 'iso' || !/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(ms)) {
      return text
    }
    if (this.#v.timestamps === 'zoned') return zoned(ms)
    const seconds = new Date(ms).toISOString().slice(0, 19)
    const micros = String((((ms % 1000) + 1000) % 1000) * 1000).padStart(6, '0')
    if (this.#v.timestamps === 'python') {
      // Python's isoformat(): no fraction at all on a whole second, else microseconds.
      return `${seconds}${micros === '000000' ? '' : `.${micros}`}+00:00`
    }
    // 'varied': each instant its own number of fraction digits (0-6) and its own UTC suffix.
    const whole = Math.floor(ms / 1000)
    const digits = ((whole % 7) + 7) % 7
    return `${seconds}${digits === 0 ? '' : `.${micros.slice(0, digits)}`}${whole % 2 === 0 ? 'Z' : '+00:00'}`
  }
}

/** Offsets (minutes) of 'zoned' timestamps: east and west, half and quarter hours, and UTC. */
const OFFSETS = [120, -300, 330, 0, -570, 545, 840]

/** The instant in the local time of an offset chosen by its second, e.g. `...T12:30:00.123+05:30`. */
function zoned(ms: number): string {
  const whole = Math.floor(ms / 1000)
  const offset = OFFSETS[((whole % OFFSETS.length) + OFFSETS.length) % OFFSETS.length] ?? 0
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23)
  const abs = Math.abs(offset)
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `${local}${offset < 0 ? '-' : '+'}${hhmm}`
}
