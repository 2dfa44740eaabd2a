/**
 * The transport under the Gorgias client: one request to the API, start to end. It authenticates,
 * paces every attempt by the account's leaky bucket (limiter.ts), retries as `retryStep` decides,
 * keeps the run's deadline, turns failures into typed errors with the key redacted, and counts.
 * It knows no endpoint: the client (client.ts) says what to send and how to read it.
 */
import fetch from 'node-fetch'
import {
  DeadlineError,
  REQUEST_KINDS,
  failureError,
  redact,
  parseRetryAfter,
  retryStep,
  secretForms,
  unreadableError,
  type RequestInfo,
  type AttemptOutcome,
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

/**
 * No answer of the API comes near it (a page of 100 tickets is a few hundred kB): a body that keeps
 * coming (a broken proxy) is cut there, not read into memory until the runner dies.
 */
const MAX_BODY_BYTES = 64 * 1024 * 1024

/** One HTTP attempt: sends once, reads the whole body, never throws (a failure is described). */
export async function sendOnce(
  url: string,
  init: { method: Method; headers: Record<string, string>; body: string | undefined },
  timeoutMs: number,
  maxBytes = MAX_BODY_BYTES
): Promise<Attempt> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    // A redirect would carry the credentials elsewhere; the API never redirects.
    const signal = controller.signal
    const res = await fetch(url, { ...init, signal, redirect: 'manual', size: maxBytes })
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
    const cause =
      text('type') === 'max-size'
        ? `answer larger than ${maxBytes} bytes`
        : text('code') || text('type') || 'network error'
    return { type: 'failure', cause, maybeSent: !neverSent, timedOut: false }
  } finally {
    clearTimeout(timer)
  }
}

const WRITE_KINDS = new Set<string>(['create-message', 'close-ticket', 'add-tags', 'remove-tags'])

/** An attempt the server may have acted on: a 5xx or 408, or a failure once the request left. */
function mayHaveLanded(attempt: Attempt): boolean {
  if (attempt.type === 'failure') return attempt.maybeSent
  return attempt.status >= 500 || attempt.status === 408
}

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
 * (the credentials go in a header, never in a URL that may be logged), not even a bare `?` or `#`
 * (URL leaves them out of search and hash; each path would follow them). No trailing slash.
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
  if (url.search || url.hash || /[?#]/.test(raw)) return { problem: 'query' }
  return { url: url.toString().replace(/\/+$/, '') }
}

type WaitReason = 'rate-limit' | 'retry-after' | 'backoff'
export type ClientEvent =
  | { type: 'wait'; reason: WaitReason; ms: number; kind: RequestKind }
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

const freshStats = () => ({
  /** attempts actually sent, by kind */
  requests: Object.fromEntries(REQUEST_KINDS.map(kind => [kind, 0])) as Record<RequestKind, number>,
  total: 0,
  /** 429s received */
  throttled: 0,
  retries: 0,
  /** times the pacer delayed the request at the head of its queue */
  rateLimitWaits: 0,
  /** waiting for pacing, Retry-After and backoff (waits of parallel requests add up) */
  waitedMs: 0
})

/** `limit`: the bucket size in force, the last one the server reported, else the configured one. */
export type ClientStats = ReturnType<typeof freshStats> & { limit: number }

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

export class Transport {
  /** the API base without a trailing slash, e.g. https://acme.gorgias.com/api */
  readonly base: string
  readonly #email: string
  readonly #headers: Record<string, string>
  readonly #redact: (text: string) => string
  readonly #opts: typeof DEFAULTS
  readonly #limiter: RateLimiter<RequestKind>
  readonly #stats = freshStats()
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
      const attempt = await this.#send(info, call.method, url, body)
      const res = attempt.type === 'response' ? attempt : undefined
      const outcome: AttemptOutcome = res
        ? { ...res, retryAfterMs: parseRetryAfter(res.retryAfter, Date.now(), res.date) }
        : attempt
      const step = retryStep(outcome, {
        retrySafe: call.kind !== 'create-message',
        failures,
        throttles,
        maxRetries: this.#opts.maxRetries,
        max429Retries: this.#opts.max429Retries,
        random: this.#opts.random()
      })
      const cause = attempt.type === 'response' ? `HTTP ${attempt.status}` : attempt.cause
      // A write that may have landed: whatever ends it now must not read as "nothing was done".
      if (WRITE_KINDS.has(call.kind) && mayHaveLanded(attempt)) info.mayHaveApplied = true
      const answered = res ? { ...info, status: res.status } : info
      if (step.do === 'return' && res) {
        const w = writeTime(call.kind, call.path, res.date)
        if (w) this.#wroteAt.set(w.ticketId, Math.max(w.at, this.#wroteAt.get(w.ticketId) ?? 0))
        return this.#read(call, answered, res.text)
      } else if (step.do === 'throttle') {
        this.#stats.throttled++
        throttles++
        // The bucket's level came with the answer (the limiter has it already): a 429 with room
        // left is some other limit, which Retry-After covers. Without either, assume full: a
        // resend at once would only meet the same 429, thirty times in a blink.
        if (step.ms === 0 || !parseBucketHeader(res?.limitHeader)) this.#limiter.markFull()
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
        const last = { text: res?.text ?? '', cause, failures, throttles }
        const error = failureError(step, answered, last, this.#email, this.#redact)
        // A refusal reads as "nothing done"; one that ended a write in doubt must not.
        if (error.mayHaveApplied && step.because === 'http-error') {
          error.message += '; an earlier attempt may have been applied'
        }
        throw error
      }
    }
  }

  #checkDeadline(info: RequestInfo, waitMs: number): void {
    if (this.#opts.now() + waitMs <= this.#opts.deadline) return
    const message = info.mayHaveApplied
      ? `${info.method} ${info.path} not retried: the run's time limit comes first, and its last attempt may have been applied`
      : `${info.method} ${info.path} not sent: the run's time limit comes first`
    throw new DeadlineError(message, info)
  }

  /** One attempt: waits for the pacer, sends, re-syncs the pacer with the server's count. */
  async #send(info: RequestInfo, method: Method, url: string, body?: string): Promise<Attempt> {
    const permit = await this.#limiter.acquire(info.kind)
    let reading: BucketReading | undefined
    try {
      // The pacer may have held it past the deadline (a bucket kept full by the store's apps).
      this.#checkDeadline(info, 0)
      this.#stats.requests[info.kind]++
      this.#stats.total++
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
    throw unreadableError(info, call.expected, this.#redact)
  }

  #retry(kind: RequestKind, attempt: number, cause: string) {
    this.#stats.retries++
    this.#emit({ type: 'retry', kind, attempt, cause: this.#redact(cause) })
  }

  async #wait(reason: WaitReason, ms: number, kind: RequestKind) {
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
