import type { sendOnce } from './http.js'
import type { RequestKind } from './requests.js'

/** The client's options, statistics and request shapes (see client.ts). */

export type ClientEvent =
  | {
      type: 'wait'
      reason: 'rate-limit' | 'retry-after' | 'backoff'
      ms: number
      kind: RequestKind
    }
  | { type: 'retry'; kind: RequestKind; attempt: number; cause: string }

export interface ClientOptions {
  /** e.g. https://acme.gorgias.com/api (a trailing slash is fine) */
  baseUrl: string
  email: string
  apiKey: string
  /** Per attempt, default 30000. */
  timeoutMs?: number
  /** Retries for 5xx / network errors on retry-safe requests, default 4. */
  maxRetries?: number
  /** Default 30: a 429 alone should not make us give up on a ticket, but the wait is bounded. */
  max429Retries?: number
  /** Default { limit: 40, windowMs: 20000 }; `limit` follows the rate-limit response header. */
  rateLimit?: { limit: number; windowMs: number }
  /** Fraction of the account's bucket this client may fill, default 1 (see RateLimiter). */
  rateLimitShare?: number
  /** Max requests in flight, default 4. */
  concurrency?: number
  /**
   * On the `now` clock: no request is sent, and no retry waited for, past this time; such a
   * request fails with DeadlineError without having been sent.
   */
  deadline?: number
  onEvent?: (e: ClientEvent) => void
  /**
   * One HTTP attempt (default: node-fetch, see http.ts sendOnce). Tests hand in an in-process one
   * so sweeps over a simulated account run without sockets or timers.
   */
  send?: typeof sendOnce
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Monotonic ms clock for the limiter and the deadline. */
  now?: () => number
}

export interface ClientStats {
  /** Attempts actually sent, by kind. */
  requests: Record<RequestKind, number>
  total: number
  /** 429s received. */
  throttled: number
  retries: number
  /** Times the pacer delayed the request at the head of its queue. */
  rateLimitWaits: number
  /** Time spent waiting for pacing, Retry-After and backoff (waits of parallel requests add up). */
  waitedMs: number
  /** Bucket size in force: the last one the server reported, else the configured one. */
  limit: number
}

export interface TagSelection {
  ids?: number[]
  names?: string[]
}

/** The body of an ad-hoc view query (reference: list view items, "id should be set to 0"). */
export interface ViewQuery {
  type: 'ticket-list'
  filters: string
  order_by: string
  order_dir: 'asc' | 'desc'
}
