/**
 * The transport under the Gorgias client: one request to the API, start to end. It authenticates,
 * paces every attempt by the account's leaky bucket (limiter.ts), retries as `retryStep` decides,
 * keeps the run's deadline, turns failures into typed errors with the key redacted, and counts.
 * It knows no endpoint: the client (client.ts) says what to send and how to read it.
 */
import fetch from 'node-fetch'
import {
  DeadlineError,
  MalformedResponseError,
  REQUEST_KINDS,
  TransientError,
  ambiguousError,
  redact,
  refusalError,
  secretForms,
  type GorgiasError,
  type RequestInfo,
  type RequestKind
} from './errors.js'
import { RATE_LIMIT_HEADER, RateLimiter, parseBucketHeader, type BucketReading } from './limiter.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

// Connection-phase failures: the request never left this machine, so even a write may be resent.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID'
])
const NOT_SENT_SYSCALLS = new Set(['connect', 'getaddrinfo'])

export type Attempt =
  | {
      type: 'response'
      status: number
      text: string
      retryAfter: string | null
      limitHeader: string | null
      /** the server's `Date` header: its clock, to the second */
      date?: string | null
    }
  | { type: 'failure'; cause: string; maybeSent: boolean; timedOut: boolean }

/** One HTTP attempt: sends once, reads the whole body, never throws (a failure is described). */
export async function sendOnce(
  url: string,
  init: { method: Method; headers: Record<string, string>; body: string | undefined },
  timeoutMs: number
): Promise<Attempt> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    // A redirect would carry the credentials elsewhere; the API never redirects.
    const res = await fetch(url, { ...init, signal: controller.signal, redirect: 'manual' })
    return {
      type: 'response',
      status: res.status,
      text: await res.text(),
      retryAfter: res.headers.get('retry-after'),
      limitHeader: res.headers.get(RATE_LIMIT_HEADER),
      date: res.headers.get('date')
    }
  } catch (err) {
    if (controller.signal.aborted) {
      const cause = `timed out after ${timeoutMs} ms`
      return { type: 'failure', cause, maybeSent: true, timedOut: true }
    }
    const record = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>
    const text = (key: string) => (typeof record[key] === 'string' ? String(record[key]) : '')
    const neverSent =
      NOT_SENT_CODES.has(text('code')) || NOT_SENT_SYSCALLS.has(text('erroredSysCall'))
    // Codes only: node-fetch's messages carry the full URL, and nothing here needs it.
    const cause = text('code') || text('type') || 'network error'
    return { type: 'failure', cause, maybeSent: !neverSent, timedOut: false }
  } finally {
    clearTimeout(timer)
  }
}

/*
 * What to do after one attempt, as a pure table (tested in __tests__/retry.test.ts):
 * - 2xx: return it. 429: not processed; wait (Retry-After, else until the bucket has room) and
 *   send again, up to `max429Retries`.
 * - 5xx, 408, timeouts, lost connections: backoff, only where safe to repeat. Creating a message
 *   is not: once it may have reached the server, any doubt is "ambiguous" for the caller to
 *   resolve by re-reading. A connection never established is retried for every request.
 * - Any other status (400, 401, 403, 404, 409, 422, a redirect...) throws at once.
 */
export type AttemptOutcome =
  | { type: 'response'; status: number; retryAfterMs?: number }
  | { type: 'failure'; maybeSent: boolean; timedOut: boolean }

export interface RetryState {
  retrySafe: boolean
  /** 5xx / network failures and 429s so far, this one not counted */
  failures: number
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
  | { do: 'throw'; because: 'http-error' | 'gave-up' | 'rate-limited' }
  | { do: 'throw'; because: 'ambiguous'; reason: 'timeout' | 'connection-lost' | 'server-error' }

/** A Retry-After far past the bucket's window is a bug or an outage: wait a minute, ask again. */
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
    const reason = attempt.timedOut ? 'timeout' : 'connection-lost'
    return { do: 'throw', because: 'ambiguous', reason }
  }
  if (s.failures >= s.maxRetries) return { do: 'throw', because: 'gave-up' }
  return { do: 'backoff', ms: backoffMs(s.failures + 1, s.random) }
}

/** Full jitter from 500 ms doubling to 20 s: parallel retries spread instead of colliding again. */
export function backoffMs(failure: number, random: number): number {
  return Math.round(random * Math.min(20_000, 500 * 2 ** (failure - 1)))
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

const WRITE_KINDS = new Set<RequestKind>([
  'create-message',
  'close-ticket',
  'add-tags',
  'remove-tags'
])

/**
 * When, on the server's clock, a write to a ticket landed: its answer's `Date` header, to the end
 * of that second (the header drops the fraction, and the write was made before the answer left).
 * Null for a read, a path of no ticket, or no readable date.
 */
export function writeTime(
  kind: RequestKind,
  path: string,
  date: string | null | undefined
): { ticketId: number; at: number } | null {
  if (!WRITE_KINDS.has(kind) || !date) return null
  const id = /^\/tickets\/(\d+)(?:\/|$)/.exec(path)?.[1]
  const at = Date.parse(date)
  if (id === undefined || Number.isNaN(at)) return null
  return { ticketId: Number(id), at: at - (((at % 1000) + 1000) % 1000) + 999 }
}

export type BaseUrlProblem = 'not-a-url' | 'credentials' | 'scheme' | 'query'

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host)
}

/**
 * The one check of the API base URL (the settings word the error, the client refuses): https
 * only, but plain http to this machine (tests, the simulator); no credentials, query or fragment
 * (the credentials go in a header, never in a URL that may be logged). No trailing slash.
 */
export function checkBaseUrl(raw: string): { url: string } | { problem: BaseUrlProblem } {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return { problem: 'not-a-url' }
  }
  if (url.username || url.password) return { problem: 'credentials' }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    return { problem: 'scheme' }
  }
  if (url.search || url.hash) return { problem: 'query' }
  return { url: url.toString().replace(/\/+$/, '') }
}

export type ClientEvent =
  | {
      type: 'wait'
      reason: 'rate-limit' | 'retry-after' | 'backoff'
      ms: number
      kind: RequestKind
    }
  | { type: 'retry'; kind: RequestKind; attempt: number; cause: string }

const DEFAULTS = {
  /** per attempt */
  timeoutMs: 30_000,
  /** for 5xx / network errors on retry-safe requests */
  maxRetries: 4,
  /** a 429 alone should not make us give up on a ticket, but the wait is bounded */
  max429Retries: 30,
  /** `limit` follows the rate-limit response header */
  rateLimit: { limit: 40, windowMs: 20_000 },
  /** fraction of the account's bucket this client may fill (see RateLimiter) */
  rateLimitShare: 1,
  /** requests in flight */
  concurrency: 4,
  /** on the `now` clock: nothing is sent, nor a retry waited for, past it (DeadlineError) */
  deadline: Infinity,
  onEvent: undefined as ((e: ClientEvent) => void) | undefined,
  /** one HTTP attempt; tests hand in an in-process one (no sockets, no timers) */
  send: sendOnce,
  sleep: (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)),
  random: Math.random,
  /** monotonic ms clock for the limiter and the deadline */
  now: () => performance.now()
}

/** e.g. baseUrl https://acme.gorgias.com/api (a trailing slash is fine); the rest as DEFAULTS. */
export type ClientOptions = { baseUrl: string; email: string; apiKey: string } & Partial<
  typeof DEFAULTS
>

export interface ClientStats {
  /** attempts actually sent, by kind */
  requests: Record<RequestKind, number>
  total: number
  /** 429s received */
  throttled: number
  retries: number
  /** times the pacer delayed the request at the head of its queue */
  rateLimitWaits: number
  /** waiting for pacing, Retry-After and backoff (waits of parallel requests add up) */
  waitedMs: number
  /** bucket size in force: the last one the server reported, else the configured one */
  limit: number
}

/** One request, as the retry loop sends it. */
export interface Call<T> {
  kind: RequestKind
  method: Method
  path: string
  query?: URLSearchParams
  body?: unknown
  /** what a 2xx body must be, for the error message */
  expected: string
  /** checks the JSON of a 2xx; `undefined` means malformed */
  parse: (json: unknown, status: number) => { value: T } | undefined
}

type Answer = Extract<Attempt, { type: 'response' }>

export class Transport {
  /** the API base without a trailing slash, e.g. https://acme.gorgias.com/api */
  readonly base: string
  readonly #email: string
  readonly #headers: Record<string, string>
  readonly #redact: (text: string) => string
  readonly #opts: typeof DEFAULTS
  readonly #limiter: RateLimiter<RequestKind>
  readonly #stats: Omit<ClientStats, 'limit'> = {
    requests: Object.fromEntries(REQUEST_KINDS.map(kind => [kind, 0])) as ClientStats['requests'],
    total: 0,
    throttled: 0,
    retries: 0,
    rateLimitWaits: 0,
    waitedMs: 0
  }
  #lastBucket: BucketReading | null = null
  /** the server's time of the last write answered for each ticket (ms since the epoch) */
  readonly #wroteAt = new Map<number, number>()

  constructor({ baseUrl, email, apiKey, ...opts }: ClientOptions) {
    const checked = checkBaseUrl(baseUrl)
    if ('problem' in checked) {
      throw new Error(
        `Gorgias base URL refused (${checked.problem}): expected https://<domain>.gorgias.com/api`
      )
    }
    this.base = checked.url
    if (!email) throw new Error('GorgiasClient needs the email of the API user')
    if (!apiKey) throw new Error('GorgiasClient needs an API key')
    this.#email = email
    this.#headers = {
      Authorization: `Basic ${Buffer.from(`${email}:${apiKey}`).toString('base64')}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': 'gorgias-auto-close'
    }
    // The Basic token alone, and with its scheme, besides the key: whichever an echo shows.
    const secrets = secretForms(email, apiKey)
    this.#redact = text => redact(text, secrets)
    const given = Object.entries(opts).filter(([, value]) => value !== undefined)
    const o = (this.#opts = { ...DEFAULTS, ...Object.fromEntries(given) })
    this.#limiter = new RateLimiter<RequestKind>({
      ...o.rateLimit,
      share: o.rateLimitShare,
      concurrency: o.concurrency,
      now: o.now,
      sleep: o.sleep,
      onWait: (ms, kind) => {
        this.#stats.rateLimitWaits++
        this.#stats.waitedMs += ms
        this.#emit({ type: 'wait', reason: 'rate-limit', ms, kind })
      }
    })
  }

  /** The account's bucket as the last answer's rate-limit header gave it; null when none did. */
  rateLimitReading(): BucketReading | null {
    return this.#lastBucket
  }

  /** The server's time of this client's last answered write to the ticket (see writeTime). */
  lastWriteAt(ticketId: number): number | null {
    return this.#wroteAt.get(ticketId) ?? null
  }

  stats(): ClientStats {
    const requests = { ...this.#stats.requests }
    return { ...this.#stats, requests, limit: this.#limiter.snapshot().limit }
  }

  /** Sends the call, retrying as retryStep decides, and returns what `parse` made of the 2xx. */
  protected async call<T>(call: Call<T>): Promise<T> {
    const info: RequestInfo = { method: call.method, path: call.path, kind: call.kind }
    const search = call.query?.toString() ?? ''
    const url = `${this.base}${call.path}${search ? `?${search}` : ''}`
    const body = call.body === undefined ? undefined : JSON.stringify(call.body)
    let failures = 0
    let throttles = 0
    for (;;) {
      this.#checkDeadline(info, 0)
      const attempt = await this.#send(call.kind, call.method, url, body)
      const res = attempt.type === 'response' ? attempt : undefined
      const outcome: AttemptOutcome = res
        ? { ...res, retryAfterMs: parseRetryAfter(res.retryAfter, Date.now()) }
        : attempt
      const step = retryStep(outcome, {
        retrySafe: call.kind !== 'create-message',
        failures,
        throttles,
        maxRetries: this.#opts.maxRetries,
        max429Retries: this.#opts.max429Retries,
        random: this.#opts.random()
      })
      const cause = res ? `HTTP ${res.status}` : attempt.type === 'failure' ? attempt.cause : ''
      if (step.do === 'return' && res) {
        const w = writeTime(call.kind, call.path, res.date)
        if (w) this.#wroteAt.set(w.ticketId, Math.max(w.at, this.#wroteAt.get(w.ticketId) ?? 0))
        return this.#read(call, { ...info, status: res.status }, res.text)
      } else if (step.do === 'throttle') {
        this.#stats.throttled++
        throttles++
        // The bucket's level came with the answer (the limiter has it already): a 429 with room
        // left is some other limit, which Retry-After covers. Without it, assume full.
        if (!parseBucketHeader(res?.limitHeader)) this.#limiter.markFull()
        this.#retry(call.kind, throttles, 'HTTP 429')
        if (step.ms > 0) {
          this.#checkDeadline(info, step.ms)
          // The bucket is the account's: hold every other request back too.
          this.#limiter.pause(step.ms)
          await this.#wait('retry-after', step.ms, call.kind)
        }
      } else if (step.do === 'backoff') {
        failures++
        this.#checkDeadline(info, step.ms)
        this.#retry(call.kind, failures, cause)
        await this.#wait('backoff', step.ms, call.kind)
      } else if (step.do === 'throw') {
        if (step.because === 'rate-limited') this.#stats.throttled++
        const at = res ? { ...info, status: res.status } : info
        throw this.#failure(step, at, res, cause, { failures, throttles })
      }
    }
  }

  /** The typed error of a request that retryStep says not to retry (again); texts redacted. */
  #failure(
    step: Extract<RetryStep, { do: 'throw' }>,
    info: RequestInfo,
    res: Answer | undefined,
    cause: string,
    { failures, throttles }: { failures: number; throttles: number }
  ): GorgiasError {
    const what = `${info.method} ${info.path}`
    switch (step.because) {
      case 'http-error':
        return refusalError(info, res?.text ?? '', this.#email, this.#redact)
      case 'ambiguous': {
        const how = res ? `Gorgias answered ${cause}` : `the request failed (${cause})`
        return ambiguousError(info, step.reason, how, this.#redact)
      }
      case 'rate-limited': {
        const message = `Gorgias kept rate-limiting ${what} (HTTP 429) after ${throttles} retries`
        return new TransientError(message, info)
      }
      case 'gave-up': {
        const message = `${what} still failing after ${failures + 1} attempts: ${cause}`
        return new TransientError(this.#redact(message), info)
      }
    }
  }

  #checkDeadline(info: RequestInfo, waitMs: number): void {
    if (this.#opts.now() + waitMs <= this.#opts.deadline) return
    const message = `${info.method} ${info.path} not sent: the run's time limit comes first`
    throw new DeadlineError(message, info)
  }

  /** One attempt: waits for the pacer, sends, re-syncs the pacer with the server's count. */
  async #send(kind: RequestKind, method: Method, url: string, body?: string): Promise<Attempt> {
    const permit = await this.#limiter.acquire(kind)
    this.#stats.requests[kind]++
    this.#stats.total++
    let reading: BucketReading | undefined
    try {
      const init = { method, headers: this.#headers, body }
      const attempt = await this.#opts.send(url, init, this.#opts.timeoutMs)
      if (attempt.type === 'response') {
        reading = parseBucketHeader(attempt.limitHeader)
        if (reading) this.#lastBucket = reading
      }
      return attempt
    } finally {
      this.#limiter.complete(permit, reading)
    }
  }

  #read<T>(call: Call<T>, info: RequestInfo, text: string): T {
    let parsed: { value: T } | undefined
    try {
      parsed = call.parse(text.trim() === '' ? null : JSON.parse(text), info.status!)
    } catch {
      parsed = undefined
    }
    if (parsed) return parsed.value
    const expected = `expected ${call.expected}`
    if (call.kind === 'create-message') {
      // The message was accepted, but we cannot tell which one it is: let the caller look.
      const what = `the response was not ${call.expected}`
      throw ambiguousError(info, 'unreadable-response', what, this.#redact)
    }
    const message = `Unexpected response to ${call.method} ${call.path} (HTTP ${info.status}): ${expected}`
    throw new MalformedResponseError(message, info)
  }

  #retry(kind: RequestKind, attempt: number, cause: string) {
    this.#stats.retries++
    this.#emit({ type: 'retry', kind, attempt, cause: this.#redact(cause) })
  }

  async #wait(reason: 'retry-after' | 'backoff', ms: number, kind: RequestKind) {
    this.#stats.waitedMs += ms
    this.#emit({ type: 'wait', reason, ms, kind })
    if (ms > 0) await this.#opts.sleep(ms)
  }

  #emit(event: ClientEvent) {
    try {
      this.#opts.onEvent?.(event)
    } catch {
      // A failing log callback must not turn into a failed (and maybe repeated) request.
    }
  }
}
