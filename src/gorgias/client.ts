/**
 * Gorgias REST API client: auth, cursor pagination, pacing by the account's leaky bucket, retries
 * and typed errors. It knows nothing of GitHub and holds no business rules.
 *
 * Retry rules, in short:
 * - 429 on any request was not processed: wait (Retry-After, else until the bucket has room) and
 *   send again, up to `max429Retries`.
 * - 5xx, timeouts and lost connections are retried with backoff only on requests that are safe to
 *   repeat (GETs, closing, adding/removing tags). Creating a message is not: once it may have
 *   reached the server, any doubt becomes an AmbiguousWriteError for the caller to resolve by
 *   re-reading the ticket. A connection that was never established is retried for every request.
 * - 400/401/403/404/422 and anything unexpected throw at once.
 */
import fetch from 'node-fetch'
import {
  AmbiguousWriteError,
  AuthError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  TransientError,
  ValidationError,
  type AmbiguityReason,
  type RequestInfo
} from './errors.js'
import { RateLimiter, parseBucketHeader, type BucketReading, type Permit } from './limiter.js'
import type { Message, NewMessage, Page, Tag, Ticket } from './types.js'

export type RequestKind =
  | 'list-tickets'
  | 'get-ticket'
  | 'list-messages'
  | 'create-message'
  | 'close-ticket'
  | 'add-tags'
  | 'remove-tags'
  | 'tags'
  | 'read-other'

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
  /** Max requests in flight, default 4. */
  concurrency?: number
  onEvent?: (e: ClientEvent) => void
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Monotonic ms clock for the limiter. */
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

export const RATE_LIMIT_HEADER = 'x-gorgias-account-api-call-limit'
const USER_AGENT = 'gorgias-auto-close'
const PAGE_LIMIT = 100
const BACKOFF_BASE_MS = 500
const BACKOFF_CAP_MS = 20_000
// A Retry-After far beyond the bucket's window is a server bug; waiting a minute and asking again
// keeps an unattended run bounded (max429Retries of these at most).
const RETRY_AFTER_CAP_MS = 60_000
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

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

interface Call<T> {
  kind: RequestKind
  method: Method
  path: string
  query?: URLSearchParams
  body?: unknown
  /** What a 2xx body must be, for the error message. */
  expected: string
  /** Checks the JSON of a 2xx; `undefined` means malformed. */
  parse: (json: unknown) => { value: T } | undefined
}

type Attempt =
  | { type: 'response'; status: number; text: string; retryAfter: string | null }
  | { type: 'failure'; cause: string; maybeSent: boolean; timedOut: boolean }

const KINDS: readonly RequestKind[] = [
  'list-tickets',
  'get-ticket',
  'list-messages',
  'create-message',
  'close-ticket',
  'add-tags',
  'remove-tags',
  'tags',
  'read-other'
]

export class GorgiasClient {
  readonly #base: string
  readonly #email: string
  readonly #headers: Record<string, string>
  readonly #secrets: string[]
  readonly #timeoutMs: number
  readonly #maxRetries: number
  readonly #max429Retries: number
  readonly #onEvent: ((e: ClientEvent) => void) | undefined
  readonly #sleep: (ms: number) => Promise<void>
  readonly #random: () => number
  readonly #limiter: RateLimiter<RequestKind>
  readonly #stats: Omit<ClientStats, 'limit'>

  constructor(opts: ClientOptions) {
    this.#base = checkBaseUrl(opts.baseUrl)
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
    this.#secrets = [opts.apiKey, token]
    this.#timeoutMs = opts.timeoutMs ?? 30_000
    this.#maxRetries = opts.maxRetries ?? 4
    this.#max429Retries = opts.max429Retries ?? 30
    this.#onEvent = opts.onEvent
    this.#sleep = opts.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
    this.#random = opts.random ?? Math.random
    const rate = opts.rateLimit ?? { limit: 40, windowMs: 20_000 }
    this.#limiter = new RateLimiter<RequestKind>({
      limit: rate.limit,
      windowMs: rate.windowMs,
      concurrency: opts.concurrency ?? 4,
      now: opts.now ?? (() => performance.now()),
      sleep: this.#sleep,
      onWait: (ms, kind) => {
        this.#stats.rateLimitWaits++
        this.#stats.waitedMs += ms
        this.#emit({ type: 'wait', reason: 'rate-limit', ms, kind })
      }
    })
    this.#stats = {
      requests: Object.fromEntries(KINDS.map(kind => [kind, 0])) as Record<RequestKind, number>,
      total: 0,
      throttled: 0,
      retries: 0,
      rateLimitWaits: 0,
      waitedMs: 0
    }
  }

  /** Yields one page of tickets at a time, following `meta.next_cursor` until it is null. */
  async *listTickets(
    opts: { viewId?: number; orderBy?: string; limit?: number } = {}
  ): AsyncGenerator<Ticket[]> {
    const limit = opts.limit ?? PAGE_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT) {
      throw new RangeError(`listTickets limit must be an integer from 1 to ${PAGE_LIMIT}`)
    }
    const query = new URLSearchParams({ limit: String(limit) })
    if (opts.viewId !== undefined) query.set('view_id', String(checkId(opts.viewId)))
    if (opts.orderBy) query.set('order_by', opts.orderBy)
    yield* this.#pages<Ticket>('list-tickets', '/tickets', query, 'tickets')
  }

  async getTicket(id: number): Promise<Ticket> {
    return this.#call({
      kind: 'get-ticket',
      method: 'GET',
      path: `/tickets/${checkId(id)}`,
      expected: 'a ticket',
      parse: entity<Ticket>
    })
  }

  /**
   * GET any other API path (e.g. `/customers/123`), for policy modules: read-only by
   * construction, paced and retried like every other read.
   */
  async getJson(path: string, query: Record<string, string | number> = {}): Promise<unknown> {
    if (!/^\/[A-Za-z0-9_\-/]+$/.test(path) || path.includes('..')) {
      throw new TypeError(`getJson: "${path}" is not an API path such as /customers/123`)
    }
    return this.#call({
      kind: 'read-other',
      method: 'GET',
      path,
      query: new URLSearchParams(
        Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])
      ),
      expected: 'JSON',
      parse: json => ({ value: json })
    })
  }

  /** Every message of the ticket, all pages. */
  async listMessages(ticketId: number): Promise<Message[]> {
    const path = `/tickets/${checkId(ticketId)}/messages`
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT) })
    const messages: Message[] = []
    for await (const page of this.#pages<Message>('list-messages', path, query, 'messages')) {
      messages.push(...page)
    }
    return messages
  }

  /** Never retried once it may have reached Gorgias: see AmbiguousWriteError. */
  async createMessage(ticketId: number, body: NewMessage): Promise<Message> {
    return this.#call({
      kind: 'create-message',
      method: 'POST',
      path: `/tickets/${checkId(ticketId)}/messages`,
      body,
      expected: 'the created message',
      parse: entity<Message>
    })
  }

  /** Sends `{"status":"closed"}` and nothing else: a ticket PUT with `tags` replaces them all. */
  async closeTicket(id: number): Promise<void> {
    // Any 2xx means closed: failing on an unexpected body would report a done close as failed.
    await this.#call({
      kind: 'close-ticket',
      method: 'PUT',
      path: `/tickets/${checkId(id)}`,
      body: { status: 'closed' },
      expected: 'any',
      parse: () => ({ value: null })
    })
  }

  /** Adds tags, leaving the others alone (POST /tickets/{id}/tags). */
  async addTags(ticketId: number, tags: TagSelection): Promise<void> {
    await this.#tags('add-tags', 'POST', ticketId, tags)
  }

  /** Removes only the given tags (DELETE /tickets/{id}/tags with a JSON body). */
  async removeTags(ticketId: number, tags: TagSelection): Promise<void> {
    await this.#tags('remove-tags', 'DELETE', ticketId, tags)
  }

  stats(): ClientStats {
    return {
      ...this.#stats,
      requests: { ...this.#stats.requests },
      limit: this.#limiter.snapshot().limit
    }
  }

  /**
   * The account's tag with this name (any case), created when there is none. Needed only when a
   * tag cannot be added by name: adding by id is what public connectors do.
   */
  async tagByName(name: string): Promise<Tag> {
    const wanted = name.toLowerCase()
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT) })
    for await (const page of this.#pages<Tag>('tags', '/tags', query, 'tags')) {
      const found = page.find(t => typeof t.name === 'string' && t.name.toLowerCase() === wanted)
      if (found) return found
    }
    return this.#call({
      kind: 'tags',
      method: 'POST',
      path: '/tags',
      body: { name },
      expected: 'a tag',
      parse: entity<Tag>
    })
  }

  async #tags(kind: RequestKind, method: Method, ticketId: number, tags: TagSelection) {
    const body: TagSelection = {}
    if (tags.ids?.length) body.ids = tags.ids.map(checkId)
    if (tags.names?.length) body.names = tags.names
    const path = `/tickets/${checkId(ticketId)}/tags`
    if (!body.ids && !body.names) return
    // The answer's shape is undocumented and unused: any 2xx will do.
    await this.#call({ kind, method, path, body, expected: 'any', parse: () => ({ value: null }) })
  }

  async *#pages<T>(
    kind: RequestKind,
    path: string,
    query: URLSearchParams,
    what: string
  ): AsyncGenerator<T[]> {
    const seen = new Set<string>()
    let cursor: string | null = null
    do {
      const pageQuery = new URLSearchParams(query)
      if (cursor !== null) pageQuery.set('cursor', cursor)
      const page: Page<T> = await this.#call({
        kind,
        method: 'GET',
        path,
        query: pageQuery,
        expected: `a page of ${what} ({"data": [...], "meta": {...}})`,
        parse: pageOf<T>
      })
      yield page.data
      cursor = page.meta.next_cursor
      // A cursor that comes back would loop forever in an unattended run.
      if (cursor !== null) {
        if (seen.has(cursor)) {
          throw new MalformedResponseError(
            `Gorgias returned the same pagination cursor twice for GET ${path}`,
            { method: 'GET', path, kind }
          )
        }
        seen.add(cursor)
      }
    } while (cursor !== null)
  }

  async #call<T>(call: Call<T>): Promise<T> {
    const info: RequestInfo = { method: call.method, path: call.path, kind: call.kind }
    const retrySafe = call.kind !== 'create-message'
    const url = `${this.#base}${call.path}${call.query ? `?${call.query.toString()}` : ''}`
    const body = call.body === undefined ? undefined : JSON.stringify(call.body)
    let failures = 0
    let throttles = 0
    for (;;) {
      const attempt = await this.#send(call.kind, call.method, url, body)
      let cause: string
      if (attempt.type === 'response') {
        const { status } = attempt
        if (status >= 200 && status < 300) return this.#read(call, info, status, attempt.text)
        if (status === 429) {
          this.#stats.throttled++
          if (throttles >= this.#max429Retries) {
            throw new TransientError(
              `Gorgias kept rate-limiting ${call.method} ${call.path} (HTTP 429) after ` +
                `${throttles} retries`,
              { ...info, status }
            )
          }
          throttles++
          await this.#waitRetryAfter(call.kind, attempt.retryAfter, throttles)
          continue
        }
        if (status < 500 && status !== 408) throw this.#httpError(info, status, attempt.text)
        cause = `HTTP ${status}`
        if (!retrySafe) {
          throw this.#ambiguous(info, 'server-error', `Gorgias answered HTTP ${status}`, status)
        }
      } else {
        cause = attempt.cause
        if (!retrySafe && attempt.maybeSent) {
          const reason = attempt.timedOut ? 'timeout' : 'connection-lost'
          throw this.#ambiguous(info, reason, `the request failed (${cause})`)
        }
      }
      if (failures >= this.#maxRetries) {
        throw new TransientError(
          this.#redact(
            `${call.method} ${call.path} still failing after ${failures + 1} attempts: ${cause}`
          ),
          attempt.type === 'response' ? { ...info, status: attempt.status } : info
        )
      }
      failures++
      // Full jitter: spreads retries of parallel requests instead of having them collide again.
      const ms = Math.round(
        this.#random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (failures - 1))
      )
      this.#retry(call.kind, failures, cause)
      await this.#wait('backoff', ms, call.kind)
    }
  }

  /** One attempt: waits for the pacer, sends, reads the whole body, re-syncs the pacer. */
  async #send(kind: RequestKind, method: Method, url: string, body?: string): Promise<Attempt> {
    const permit: Permit = await this.#limiter.acquire(kind)
    this.#stats.requests[kind]++
    this.#stats.total++
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs)
    let reading: BucketReading | undefined
    try {
      const res = await fetch(url, {
        method,
        headers: this.#headers,
        body,
        signal: controller.signal,
        // A redirect would carry the credentials elsewhere; the API never redirects.
        redirect: 'manual'
      })
      reading = parseBucketHeader(res.headers.get(RATE_LIMIT_HEADER))
      const text = await res.text()
      return {
        type: 'response',
        status: res.status,
        text,
        retryAfter: res.headers.get('retry-after')
      }
    } catch (err) {
      const timedOut = controller.signal.aborted
      if (timedOut) {
        return {
          type: 'failure',
          cause: `timed out after ${this.#timeoutMs} ms`,
          maybeSent: true,
          timedOut
        }
      }
      return { type: 'failure', ...describeFailure(err), timedOut }
    } finally {
      clearTimeout(timer)
      this.#limiter.complete(permit, reading)
    }
  }

  #read<T>(call: Call<T>, info: RequestInfo, status: number, text: string): T {
    let json: unknown = null
    let parsed: { value: T } | undefined
    try {
      if (text.trim() !== '') json = JSON.parse(text)
      parsed = call.parse(json)
    } catch {
      parsed = undefined
    }
    if (parsed) return parsed.value
    if (call.kind === 'create-message') {
      // The message was accepted, but we cannot tell which one it is: let the caller look.
      throw this.#ambiguous(
        info,
        'unreadable-response',
        `the response was not ${call.expected}`,
        status
      )
    }
    throw new MalformedResponseError(
      `Unexpected response to ${call.method} ${call.path} (HTTP ${status}): expected ${call.expected}`,
      { ...info, status }
    )
  }

  #httpError(info: RequestInfo, status: number, text: string): GorgiasError {
    const detail = apiMessage(text)
    const suffix = detail ? `: ${detail}` : ''
    const withStatus = { ...info, status }
    const what = `${info.method} ${info.path}`
    if (status === 401 || status === 403) {
      return new AuthError(
        this.#redact(
          `Gorgias rejected the credentials for ${this.#email} (HTTP ${status})${suffix}`
        ),
        withStatus
      )
    }
    if (status === 404) {
      return new NotFoundError(this.#redact(`Not found: ${what} (HTTP 404)${suffix}`), withStatus)
    }
    if (status === 400 || status === 422) {
      return new ValidationError(
        this.#redact(`Gorgias rejected ${what} (HTTP ${status})${suffix}`),
        withStatus
      )
    }
    return new GorgiasError(
      this.#redact(`Unexpected HTTP ${status} from Gorgias for ${what}${suffix}`),
      withStatus
    )
  }

  #ambiguous(info: RequestInfo, reason: AmbiguityReason, what: string, status?: number) {
    return new AmbiguousWriteError(
      this.#redact(
        `${info.method} ${info.path} may or may not have been applied: ${what}. ` +
          'It was not retried; re-read the ticket to find out.'
      ),
      status === undefined ? info : { ...info, status },
      reason
    )
  }

  async #waitRetryAfter(kind: RequestKind, header: string | null, attempt: number) {
    this.#limiter.markFull()
    this.#retry(kind, attempt, 'HTTP 429')
    const ms = parseRetryAfter(header)
    // Without a usable Retry-After, the limiter (now at full) holds the retry until there is room.
    if (ms === undefined || ms <= 0) return
    // The bucket is the account's: hold every other request back too.
    this.#limiter.pause(ms)
    await this.#wait('retry-after', ms, kind)
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

  #redact(text: string): string {
    return this.#secrets.reduce((out, secret) => out.split(secret).join('***'), text)
  }
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new Error('Gorgias base URL is not a URL (expected https://<domain>.gorgias.com/api)')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('Gorgias base URL must be http(s)')
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('Gorgias base URL must not carry credentials, a query or a fragment')
  }
  return baseUrl.replace(/\/+$/, '')
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw new TypeError(`Not a Gorgias id: ${String(id)}`)
  return id
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEntity(value: unknown): boolean {
  return isRecord(value) && typeof value.id === 'number'
}

// The JSON boundary: only what the code relies on (an object with a numeric id) is checked; the
// rest passes through as the API sent it, and readers of optional fields cope (see types.ts).
function entity<T>(json: unknown): { value: T } | undefined {
  return isEntity(json) ? { value: json as T } : undefined
}

/**
 * A page must be the documented envelope: without `meta` there is no telling whether more pages
 * follow (an old offset-style answer would silently end the sweep at page one). Items only need to
 * be objects: one odd ticket or message is the policy's to call unreadable, not a reason to drop
 * the whole page.
 */
function pageOf<T>(json: unknown): { value: Page<T> } | undefined {
  if (!isRecord(json) || !Array.isArray(json.data) || !json.data.every(isRecord)) return undefined
  const meta = json.meta
  if (!isRecord(meta)) return undefined
  const cursor = meta.next_cursor
  let next: string | null = null
  if (typeof cursor === 'string' && cursor !== '') next = cursor
  else if (cursor !== null && cursor !== undefined && cursor !== '') return undefined
  return { value: { data: json.data as T[], meta: { next_cursor: next } } }
}

/** The API's own words from an error body; its shape varies by endpoint. */
function apiMessage(text: string): string | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(json)) return undefined
  const error = json.error
  const candidates = isRecord(error)
    ? [error.msg, error.message, json.message, json.msg]
    : [error, json.message, json.msg, json.detail]
  let message = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '')
  // Validation errors list the offending fields: worth showing, briefly.
  const fields = isRecord(error) ? error.data : undefined
  if (fields !== undefined && fields !== null) {
    const details = JSON.stringify(fields)
    message = message ? `${message} ${details}` : details
  }
  return message === undefined ? undefined : truncate(message, 500)
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  let ms: number | undefined
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000
  else if (/[a-z]/i.test(text) && !Number.isNaN(Date.parse(text)))
    ms = Date.parse(text) - Date.now()
  return ms === undefined ? undefined : Math.min(Math.max(0, ms), RETRY_AFTER_CAP_MS)
}

function describeFailure(err: unknown): { cause: string; maybeSent: boolean } {
  const record: Record<string, unknown> =
    typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {}
  const code = typeof record.code === 'string' ? record.code : undefined
  const syscall = typeof record.erroredSysCall === 'string' ? record.erroredSysCall : undefined
  const type = typeof record.type === 'string' ? record.type : undefined
  const neverSent =
    (code !== undefined && NOT_SENT_CODES.has(code)) ||
    (syscall !== undefined && NOT_SENT_SYSCALLS.has(syscall))
  // Codes only: node-fetch's messages carry the full URL, and nothing here needs it.
  return { cause: code ?? type ?? 'network error', maybeSent: !neverSent }
}
