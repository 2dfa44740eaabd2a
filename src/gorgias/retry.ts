/**
 * What to do after one attempt of a request: a pure table of (answer x retry-safe x attempts so
 * far), tested as a table in __tests__/retry.test.ts.
 *
 * - 2xx: return it.
 * - 429: the request was not processed: wait (Retry-After, else until the bucket has room) and send
 *   again, up to `max429Retries`.
 * - 5xx, 408, timeouts and lost connections: retried with backoff only on requests that are safe to
 *   repeat. Creating a message is not: once it may have reached the server, any doubt is
 *   "ambiguous" for the caller to resolve by re-reading the ticket. A connection that was never
 *   established is retried for every request.
 * - Any other status (400, 401, 403, 404, 409, 422, a redirect...) throws at once.
 */

export type AttemptOutcome =
  | { type: 'response'; status: number; retryAfterMs?: number }
  | { type: 'failure'; maybeSent: boolean; timedOut: boolean }

export interface RetryState {
  retrySafe: boolean
  /** 5xx / network failures so far, this one not counted */
  failures: number
  /** 429s so far, this one not counted */
  throttles: number
  maxRetries: number
  max429Retries: number
  /** a number in [0, 1) for the jitter */
  random: number
}

export type RetryStep =
  | { do: 'return' }
  /** 429: wait this long (0 = let the pacer decide, it now believes the bucket full) */
  | { do: 'throttle'; ms: number }
  | { do: 'backoff'; ms: number }
  | { do: 'throw'; because: 'http-error' }
  | { do: 'throw'; because: 'ambiguous'; reason: 'timeout' | 'connection-lost' | 'server-error' }
  | { do: 'throw'; because: 'gave-up' }
  | { do: 'throw'; because: 'rate-limited' }

const BACKOFF_BASE_MS = 500
const BACKOFF_CAP_MS = 20_000
/**
 * A Retry-After far beyond the bucket's window is a server bug or an outage; waiting a minute and
 * asking again keeps an unattended run bounded (max429Retries of these at most, and the run's
 * time limit above all).
 */
export const RETRY_AFTER_CAP_MS = 60_000

export function retryStep(attempt: AttemptOutcome, s: RetryState): RetryStep {
  if (attempt.type === 'response') {
    const { status } = attempt
    if (status >= 200 && status < 300) return { do: 'return' }
    if (status === 429) {
      if (s.throttles >= s.max429Retries) return { do: 'throw', because: 'rate-limited' }
      return { do: 'throttle', ms: attempt.retryAfterMs ?? 0 }
    }
    if (status < 500 && status !== 408) return { do: 'throw', because: 'http-error' }
    if (!s.retrySafe) return { do: 'throw', because: 'ambiguous', reason: 'server-error' }
  } else if (!s.retrySafe && attempt.maybeSent) {
    return {
      do: 'throw',
      because: 'ambiguous',
      reason: attempt.timedOut ? 'timeout' : 'connection-lost'
    }
  }
  if (s.failures >= s.maxRetries) return { do: 'throw', because: 'gave-up' }
  return { do: 'backoff', ms: backoffMs(s.failures + 1, s.random) }
}

/** Full jitter: spreads retries of parallel requests instead of having them collide again. */
export function backoffMs(failure: number, random: number): number {
  return Math.round(random * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (failure - 1)))
}

/** Seconds or an HTTP date; capped; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  let ms: number | undefined
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000
  else if (/[a-z]/i.test(text) && !Number.isNaN(Date.parse(text))) ms = Date.parse(text) - nowMs
  return ms === undefined ? undefined : Math.min(Math.max(0, ms), RETRY_AFTER_CAP_MS)
}
