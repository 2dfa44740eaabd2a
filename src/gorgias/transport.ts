/**
 * The transport under the Gorgias client: one request to the API, start to end. It authenticates,
 * paces every attempt by the account's leaky bucket (limiter.ts), retries as retry.ts decides,
 * keeps the run's deadline, turns failures into typed errors (errors.ts) with the key redacted,
 * and counts. It knows no endpoint: the client (client.ts) says what to send and how to read it.
 */
import { DeadlineError, MalformedResponseError, type RequestInfo } from './errors.js'
import { ambiguousError, failureError, sendOnce, type Attempt, type Method } from './http.js'
import { RateLimiter, parseBucketHeader, type BucketReading, type Permit } from './limiter.js'
import { redact, secretForms } from './redact.js'
import { REQUEST_KINDS, isRetrySafe, writeTime, type RequestKind } from './requests.js'
import { retryStep, parseRetryAfter, type AttemptOutcome } from './retry.js'
import { checkBaseUrl } from './url.js'

const USER_AGENT = 'gorgias-auto-close'

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

/** One request, as the retry loop sends it. */
export interface Call<T> {
  kind: RequestKind
  method: Method
  path: string
  query?: URLSearchParams
  body?: unknown
  /** What a 2xx body must be, for the error message. */
  expected: string
  /** Checks the JSON of a 2xx; `undefined` means malformed. */
  parse: (json: unknown, status: number) => { value: T } | undefined
}

export class Transport {
  /** The API base without a trailing slash, e.g. https://acme.gorgias.com/api */
  readonly base: string
  readonly #email: string
  readonly #headers: Record<string, string>
  /** takes every form of the key out of a text (see redact.ts) */
  readonly #redact: (text: string) => string
  readonly #timeoutMs: number
  readonly #maxRetries: number
  readonly #max429Retries: number
  readonly #deadline: number
  readonly #onEvent: ((e: ClientEvent) => void) | undefined
  readonly #sleep: (ms: number) => Promise<void>
  readonly #random: () => number
  readonly #now: () => number
  readonly #sendOnce: typeof sendOnce
  readonly #limiter: RateLimiter<RequestKind>
  readonly #stats: Omit<ClientStats, 'limit'>
  #lastBucket: BucketReading | null = null
  /** the server's time of the last write answered for each ticket (ms since the epoch) */
  readonly #wroteAt = new Map<number, number>()

  constructor(opts: ClientOptions) {
    const checked = checkBaseUrl(opts.baseUrl)
    if ('problem' in checked) {
      throw new Error(
        `Gorgias base URL refused (${checked.problem}): expected https://<domain>.gorgias.com/api`
      )
    }
    this.base = checked.url
    if (!opts.email) throw new Error('GorgiasClient needs the email of the API user')
    if (!opts.apiKey) throw new Error('GorgiasClient needs an API key')
    this.#email = opts.email
    const token = Buffer.from(`${opts.email}:${opts.apiKey}`).toString('base64')
    this.#headers = {
      Authorization: `Basic ${token}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT
    }
    // The Basic token alone, and with its scheme, besides the key: whichever an echo shows.
    const secrets = secretForms(opts.email, opts.apiKey)
    this.#redact = text => redact(text, secrets)
    this.#timeoutMs = opts.timeoutMs ?? 30_000
    this.#maxRetries = opts.maxRetries ?? 4
    this.#max429Retries = opts.max429Retries ?? 30
    this.#deadline = opts.deadline ?? Infinity
    this.#onEvent = opts.onEvent
    this.#sendOnce = opts.send ?? sendOnce
    this.#sleep = opts.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
    this.#random = opts.random ?? Math.random
    this.#now = opts.now ?? (() => performance.now())
    const rate = opts.rateLimit ?? { limit: 40, windowMs: 20_000 }
    this.#limiter = new RateLimiter<RequestKind>({
      limit: rate.limit,
      windowMs: rate.windowMs,
      share: opts.rateLimitShare ?? 1,
      concurrency: opts.concurrency ?? 4,
      now: this.#now,
      sleep: this.#sleep,
      onWait: (ms, kind) => {
        this.#stats.rateLimitWaits++
        this.#stats.waitedMs += ms
        this.#emit({ type: 'wait', reason: 'rate-limit', ms, kind })
      }
    })
    this.#stats = {
      requests: Object.fromEntries(REQUEST_KINDS.map(kind => [kind, 0])) as Record<
        RequestKind,
        number
      >,
      total: 0,
      throttled: 0,
      retries: 0,
      rateLimitWaits: 0,
      waitedMs: 0
    }
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
    return {
      ...this.#stats,
      requests: { ...this.#stats.requests },
      limit: this.#limiter.snapshot().limit
    }
  }

  /** Sends the call, retrying as retry.ts decides, and returns what `parse` made of the 2xx. */
  async call<T>(call: Call<T>): Promise<T> {
    const info: RequestInfo = { method: call.method, path: call.path, kind: call.kind }
    const search = call.query?.toString() ?? ''
    const url = `${this.base}${call.path}${search ? `?${search}` : ''}`
    const body = call.body === undefined ? undefined : JSON.stringify(call.body)
    let failures = 0
    let throttles = 0
    for (;;) {
      this.#checkDeadline(info, 0)
      const attempt = await this.#send(call.kind, call.method, url, body)
      const outcome: AttemptOutcome =
        attempt.type === 'response'
          ? {
              type: 'response',
              status: attempt.status,
              retryAfterMs: parseRetryAfter(attempt.retryAfter, Date.now())
            }
          : { type: 'failure', maybeSent: attempt.maybeSent, timedOut: attempt.timedOut }
      const step = retryStep(outcome, {
        retrySafe: isRetrySafe(call.kind),
        failures,
        throttles,
        maxRetries: this.#maxRetries,
        max429Retries: this.#max429Retries,
        random: this.#random()
      })
      const status = attempt.type === 'response' ? attempt.status : undefined
      const cause = attempt.type === 'response' ? `HTTP ${attempt.status}` : attempt.cause
      switch (step.do) {
        case 'return':
          if (attempt.type === 'response') this.#noteWrite(call, attempt.date)
          return this.#read(call, info, status!, attempt.type === 'response' ? attempt.text : '')
        case 'throttle':
          this.#stats.throttled++
          throttles++
          // The bucket's level came with the answer (the limiter has it already): a 429 with room
          // left is some other limit, which Retry-After covers. Without it, assume full.
          if (attempt.type === 'response' && !parseBucketHeader(attempt.limitHeader)) {
            this.#limiter.markFull()
          }
          this.#retry(call.kind, throttles, 'HTTP 429')
          if (step.ms > 0) {
            this.#checkDeadline(info, step.ms)
            // The bucket is the account's: hold every other request back too.
            this.#limiter.pause(step.ms)
            await this.#wait('retry-after', step.ms, call.kind)
          }
          continue
        case 'backoff':
          failures++
          this.#checkDeadline(info, step.ms)
          this.#retry(call.kind, failures, cause)
          await this.#wait('backoff', step.ms, call.kind)
          continue
        case 'throw':
          if (step.because === 'rate-limited') this.#stats.throttled++
          throw failureError(
            step,
            { info, attempt, failures, throttles },
            this.#email,
            this.#redact
          )
      }
    }
  }

  #noteWrite(call: { kind: RequestKind; path: string }, date: string | null | undefined): void {
    const w = writeTime(call.kind, call.path, date)
    if (w) this.#wroteAt.set(w.ticketId, Math.max(w.at, this.#wroteAt.get(w.ticketId) ?? 0))
  }

  #checkDeadline(info: RequestInfo, waitMs: number): void {
    if (this.#now() + waitMs <= this.#deadline) return
    throw new DeadlineError(
      `${info.method} ${info.path} not sent: the run's time limit comes first`,
      info
    )
  }

  /** One attempt: waits for the pacer, sends, re-syncs the pacer with the server's count. */
  async #send(kind: RequestKind, method: Method, url: string, body?: string): Promise<Attempt> {
    const permit: Permit = await this.#limiter.acquire(kind)
    this.#stats.requests[kind]++
    this.#stats.total++
    let reading: BucketReading | undefined
    try {
      const attempt = await this.#sendOnce(
        url,
        { method, headers: this.#headers, body },
        this.#timeoutMs
      )
      if (attempt.type === 'response') {
        reading = parseBucketHeader(attempt.limitHeader)
        if (reading) this.#lastBucket = reading
      }
      return attempt
    } finally {
      this.#limiter.complete(permit, reading)
    }
  }

  #read<T>(call: Call<T>, info: RequestInfo, status: number, text: string): T {
    let json: unknown = null
    let parsed: { value: T } | undefined
    try {
      if (text.trim() !== '') json = JSON.parse(text)
      parsed = call.parse(json, status)
    } catch {
      parsed = undefined
    }
    if (parsed) return parsed.value
    if (call.kind === 'create-message') {
      // The message was accepted, but we cannot tell which one it is: let the caller look.
      throw ambiguousError(
        info,
        'unreadable-response',
        `the response was not ${call.expected}`,
        status,
        this.#redact
      )
    }
    throw new MalformedResponseError(
      `Unexpected response to ${call.method} ${call.path} (HTTP ${status}): expected ${call.expected}`,
      { ...info, status }
    )
  }

  #retry(kind: RequestKind, attempt: number, cause: string) {
    this.#stats.retries++
    this.#emit({ type: 'retry', kind, attempt, cause: this.#redact(cause) })
  }

  async #wait(reason: 'retry-after' | 'backoff', ms: number, kind: RequestKind) {
    this.#stats.waitedMs += ms
    this.#emit({ type: 'wait', reason, ms, kind })
    if (ms > 0) await this.#sleep(ms)
  }

  #emit(event: ClientEvent) {
    try {
      this.#onEvent?.(event)
    } catch {
      // A failing log callback must not turn into a failed (and maybe repeated) request.
    }
  }
}
