/** The simulator's public types: its options, its request log, and its control-API inputs. */
import type { Message, Ticket, TicketUser } from '../src/gorgias/types.js'
import type { RateLimit } from './bucket.js'

export interface SimulatorOptions {
  email?: string
  apiKey?: string
  /** Valid credentials get 403 (a key without the needed permission). */
  forbidden?: boolean
  /** Leaky bucket per account; false (default) = unlimited. Gorgias: { limit: 40, windowMs: 20000 }. */
  rateLimit?: RateLimit | false
  /** Clock for server-side timestamps (not for the rate limiter: see bucketClock). */
  now?: () => Date
  /**
   * Monotonic ms clock of the rate-limit bucket, default real time (performance.now), which is
   * what a client paces itself on. An in-process test whose client paces on a fake clock hands
   * the same clock in here, so that the bucket drains as the client believes it does.
   */
  bucketClock?: () => number
  /** Added latency per request, before it is processed. */
  latencyMs?: number
  /**
   * What `GET /api/tickets/{id}` embeds as `messages` (full message objects, oldest first):
   * true (default) all of them, false no `messages` key at all, a number N only the first N (a
   * client must then page `GET /api/messages?ticket_id=` for the rest).
   */
  embedMessages?: boolean | number
  /**
   * How view items (`/api/views/{id}/items`) are paged: 'next_items' (default, what Gorgias's web
   * app reads: `meta.next_items` / `meta.prev_items` are the paths of the neighbour pages, beside
   * `meta.current_cursor`) or 'next_cursor' (`meta.next_cursor` / `meta.prev_cursor` like the other
   * lists).
   */
  viewPaging?: 'next_items' | 'next_cursor'
  /** false: every `/api/views...` endpoint answers 404 (an account or API without views). */
  views?: boolean
  // The documented variations below are off by default (the simulator is then as the tests,
  // the demo and the bench know it); each is a shape gorgias-api.md allows a real account to give.
  /**
   * How `meta.next_items`/`prev_items` name a page: 'path' (default, `/api/views/0/items/?...`)
   * or 'url', an absolute URL on the host the request came to (`http://HOST/api/views/...`).
   */
  nextItemsLink?: 'path' | 'url'
  /**
   * `Retry-After` of a 429: 'seconds' (default) or 'http-date' (RFC 9110 10.2.3 allows both): the
   * instant on the server's clock (`now`, as the `Date` header), rounded up to the whole second.
   */
  retryAfter?: 'seconds' | 'http-date'
  /** false: tickets (lists, view items, retrieve, PUT answers) carry no `messages_count`. */
  messagesCount?: boolean
  /**
   * How every `*_datetime` of an answer is written: 'iso' (default, `toISOString()`), 'python'
   * (`+00:00`, microseconds, none at all on a whole second: Python's isoformat), 'varied' (each
   * value its own: `Z` or `+00:00`, 0 to 6 fraction digits), 'zoned' (each value in the local
   * time of an offset other than UTC, e.g. `+05:30`, `-09:30`: the same instant).
   */
  timestamps?: 'iso' | 'python' | 'varied' | 'zoned'
  /** true: every answer of `/api/users` and `/api/macros...` gives a new `updated_datetime` (and macros a new `usage`). */
  changingUsersAndMacros?: boolean
  /** Every list answers at most this many items a page, whatever `limit` asks (next_cursor says more follow). */
  pageCap?: number
  /** true: `GET /api/users` lists the API user last, after the agents (default first). */
  apiUserLast?: boolean
  /**
   * true: tag names match exactly (gorgias-api.md: "Tag names are case-sensitive on the server"):
   * `VIP` and `vip` are two tags; adding or removing by name, and creating, go by the exact name.
   * Default: any case. `search` matches in any case either way.
   */
  caseSensitiveTags?: boolean
  /** false: the messages embedded in `GET /api/tickets/{id}` carry no `ticket_id` (the list's do). */
  embeddedTicketId?: boolean
}

export interface SimRequest {
  method: string
  /** Full path without the query, e.g. `/api/tickets/5/messages`. */
  path: string
  query: URLSearchParams
  /** Parsed JSON body; the raw string when it is not JSON; undefined when empty. */
  body: unknown
}

export type RequestHook = (req: SimRequest) => void | Promise<void>

export interface RequestLogEntry {
  method: string
  /** Full path without the query. */
  path: string
  /** Query string without the leading `?`. */
  query: string
  /** Status answered; for a reset-after-processing, the status the processing produced; 0 for a reset. */
  status: number
  body: unknown
  /** Date.now() when the request arrived. */
  at: number
  /** Route template, e.g. `PUT /api/tickets/{id}`. */
  route: string
  /** The request reached the API logic (it may still have failed validation). */
  processed: boolean
  /** The route is marked deprecated in the API reference (e.g. `GET /api/tickets/{id}/messages`). */
  deprecated?: true
  fault?: 'status' | 'reset' | 'reset-after-processing' | 'delay' | 'malformed'
}

export interface SimulatorStats {
  requests: number
  byRoute: Record<string, number>
  /** 429 answers (rate limiter and injected). */
  throttled: number
  /** Processed POST/PUT/DELETE with a status < 300. */
  writes: number
  /** Highest bucket level reached (0 when the rate limit is off), as peakRateLimitLevel(). */
  peakLevel: number
  /** Requests to routes the reference marks deprecated. */
  deprecated: number
}

/** Input of addTicket: tags may be given by name only; messages are added in order. */
export type TicketInput = Omit<Partial<Ticket>, 'tags' | 'customer'> & {
  tags?: Array<{ id?: number; name: string }> | null
  customer?: Partial<TicketUser> | null
  messages?: Array<Partial<Message>>
}

/** A saved view: the tickets it lists (its items, trashed ones left out). */
export interface View {
  id: number
  name: string
  ticketIds: number[]
}
