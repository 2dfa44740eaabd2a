/** Gorgias REST API client: auth, cursor pages, pacing by the account's leaky bucket, retries
 * (decided in retry.ts), typed errors. It knows nothing of GitHub and holds no business rules. */
import {
  AmbiguousWriteError,
  AuthError,
  DeadlineError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  TransientError,
  ValidationError,
  ViewUnusableError,
  type RequestInfo
} from './errors.js'
import { RateLimiter, parseBucketHeader, type BucketReading, type Permit } from './limiter.js'
import { PageGuard, firstMatch, nextRequest, pageLimit, parsePage, sameText } from './pages.js'
import { REQUEST_KINDS, isRetrySafe, writeTime, type RequestKind } from './requests.js'
import { nextStep, parseRetryAfter, type AttemptOutcome } from './retry.js'
import type { Message, NewMessage, Tag, Ticket } from './types.js'
import { checkOwnMessages, checkThreadLength } from './thread.js'
import { checkBaseUrl } from './url.js'
import { redact, secretForms } from './redact.js'
import { checkId, entity, httpError, sendOnce, type Attempt, type Method } from './http.js'

export type { RequestKind } from './requests.js'
export type { ClientEvent, ClientOptions, ClientStats, TagSelection, ViewQuery } from './options.js'
import type {
  Call,
  ClientEvent,
  ClientOptions,
  ClientStats,
  PagedCall,
  TagSelection,
  ViewQuery
} from './options.js'

export { RATE_LIMIT_HEADER } from './http.js'
const USER_AGENT = 'gorgias-auto-close'
export const PAGE_LIMIT = 100

export class GorgiasClient {
  readonly #base: string
  readonly #email: string
  readonly #headers: Record<string, string>
  readonly #secrets: string[]
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
    this.#base = checked.url
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
    this.#secrets = secretForms(opts.email, opts.apiKey)
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

  /**
   * Yields one page of tickets at a time (`GET /tickets`), following `meta.next_cursor`. Trashed
   * tickets are left out unless asked for: the API lists them by default.
   */
  async *listTickets(
    opts: { viewId?: number; orderBy?: string; limit?: number; trashed?: boolean } = {}
  ): AsyncGenerator<Ticket[]> {
    const query = new URLSearchParams({ limit: String(pageLimit(opts.limit)) })
    if (opts.viewId !== undefined) query.set('view_id', String(checkId(opts.viewId)))
    if (opts.orderBy) query.set('order_by', opts.orderBy)
    query.set('trashed', String(opts.trashed ?? false))
    yield* this.#pages<Ticket>({
      kind: 'list-tickets',
      method: 'GET',
      path: '/tickets',
      query,
      what: 'tickets'
    })
  }

  /**
   * Yields the tickets of an ad-hoc view (`PUT /views/0/items` with the view's definition): the
   * server filters, so a sweep pays for open tickets only. Pages are followed through
   * `meta.next_items` or `meta.next_cursor`. Anything that makes the answer untrustworthy (a
   * refusal, a 202, an unknown shape, a full page naming no next one) is a ViewUnusableError, for
   * the caller to list the plain way instead.
   */
  async *listViewItems(view: ViewQuery, opts: { limit?: number } = {}): AsyncGenerator<Ticket[]> {
    const limit = pageLimit(opts.limit)
    try {
      yield* this.#pages<Ticket>({
        kind: 'list-view',
        method: 'PUT',
        path: '/views/0/items',
        query: new URLSearchParams({ limit: String(limit) }),
        body: { view },
        what: 'view items',
        viewPaging: { limit }
      })
    } catch (err) {
      if (err instanceof AuthError && err.status === 401) throw err
      if (
        err instanceof ValidationError ||
        err instanceof NotFoundError ||
        err instanceof MalformedResponseError ||
        err instanceof AuthError ||
        (err instanceof GorgiasError && (err.status === 405 || err.status === 501))
      ) {
        throw new ViewUnusableError(err.message, {
          method: err.method,
          path: err.path,
          kind: err.kind,
          ...(err.status === undefined ? {} : { status: err.status })
        })
      }
      throw err
    }
  }

  /** The ticket alone (`GET /tickets/{id}`), for policy modules. */
  async getTicket(id: number): Promise<Ticket> {
    return (await this.#retrieve(id)).ticket
  }

  /**
   * The ticket with all of its messages, in one request when the retrieve embeds them (it does:
   * https://developers.gorgias.com/reference/retrieve-ticket). When it does not, or holds fewer
   * than `messages_count`, the messages are paged from `GET /messages?ticket_id=`.
   */
  async readTicket(id: number): Promise<{ ticket: Ticket; messages: Message[] }> {
    const { ticket, embedded } = await this.#retrieve(id)
    const count = typeof ticket.messages_count === 'number' ? ticket.messages_count : null
    if (embedded !== null && (count === null || embedded.length >= count)) {
      return { ticket, messages: embedded }
    }
    try {
      return { ticket, messages: await this.listMessages(id, count) }
    } catch (err) {
      // The ticket is there: a 404 here is the messages list missing, not the ticket gone, and
      // must fail loudly rather than pass for "deleted or merged".
      if (!(err instanceof NotFoundError)) throw err
      throw new MalformedResponseError(
        `GET /messages?ticket_id=${id} answered 404 although the ticket exists: its messages could not be read`,
        { method: 'GET', path: '/messages', kind: 'list-messages', status: 404 }
      )
    }
  }

  /** GET another API path (`/customers/123`, `/macros`): read-only, paced and retried. */
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

  /**
   * Every message of the ticket, oldest first, from `GET /messages?ticket_id=` (the per-ticket
   * messages endpoint is deprecated in the reference). A message that does not name this ticket
   * as its own (a server that ignored the filter), or a list that runs on far past
   * `messagesCount`, is an UnreadableThreadError: threads are never mixed, and paging ends.
   */
  async listMessages(ticketId: number, messagesCount: number | null = null): Promise<Message[]> {
    const query = new URLSearchParams({
      ticket_id: String(checkId(ticketId)),
      limit: String(PAGE_LIMIT),
      order_by: 'created_datetime:asc'
    })
    const messages: Message[] = []
    for await (const page of this.#pages<Message>({
      kind: 'list-messages',
      method: 'GET',
      path: '/messages',
      query,
      what: 'messages'
    })) {
      checkOwnMessages(page, ticketId, 'GET /messages')
      messages.push(...page)
      checkThreadLength(messages.length, messagesCount, ticketId)
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

  /**
   * The account's tag with this name (any case), created when there is none. Needed only when a
   * tag cannot be added by name: adding by id is what public connectors do.
   */
  async tagByName(name: string): Promise<Tag> {
    const tags = this.list<Tag>('/tags', {}, 'tags')
    const found = await firstMatch(tags, t => sameText(t.name, name))
    if (found) return found
    return this.#call({
      kind: 'tags',
      method: 'POST',
      path: '/tags',
      body: { name },
      expected: 'a tag',
      parse: entity<Tag>
    })
  }

  async #retrieve(id: number): Promise<{ ticket: Ticket; embedded: Message[] | null }> {
    const ticket = await this.#call({
      kind: 'get-ticket',
      method: 'GET',
      path: `/tickets/${checkId(id)}`,
      expected: 'a ticket',
      parse: entity<Ticket & { messages?: unknown }>
    })
    const { messages, ...rest } = ticket
    if (!Array.isArray(messages)) return { ticket: rest, embedded: null }
    // Checked against the ticket that came back: another ticket is the sweep's to refuse.
    const owner = typeof rest.id === 'number' ? rest.id : id
    checkOwnMessages(messages as unknown[], owner, `GET /tickets/${id}`)
    return { ticket: rest, embedded: messages as Message[] }
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

  /** The pages of a GET list (`/users`, `/macros?search=`), every page at PAGE_LIMIT. */
  list<T>(path: string, extra: Record<string, string> = {}, kind: RequestKind = 'read-other') {
    const query = new URLSearchParams({ ...extra, limit: String(PAGE_LIMIT) })
    return this.#pages<T>({ kind, method: 'GET', path, query, what: path.slice(1) })
  }

  async *#pages<T>(call: PagedCall): AsyncGenerator<T[]> {
    const guard = new PageGuard()
    const nextItems = call.viewPaging ? { base: this.#base, path: call.path } : null
    let path = call.path
    let query = call.query
    for (;;) {
      const info: RequestInfo = { method: call.method, path, kind: call.kind }
      const page = await this.#call({
        kind: call.kind,
        method: call.method,
        path,
        query,
        ...(call.body === undefined ? {} : { body: call.body }),
        expected: `a page of ${call.what} ({"data": [...], "meta": {...}})`,
        parse: (json, status) => {
          // 202 Accepted is an asynchronous search: no answer yet, not "no tickets".
          if (call.viewPaging && status !== 200) return undefined
          const parsed = parsePage<T>(json, nextItems)
          return parsed ? { value: parsed } : undefined
        }
      })
      const problem = guard.check(page.data as Array<Record<string, unknown>>, page.next)
      if (problem) {
        throw new MalformedResponseError(
          `Pagination of ${call.method} ${path} stopped: ${problem}`,
          info
        )
      }
      if (call.viewPaging && page.next === null && page.data.length >= call.viewPaging.limit) {
        throw new MalformedResponseError(
          `${call.method} ${path} answered a full page without naming the next one`,
          info
        )
      }
      yield page.data
      if (page.next === null) return
      ;({ path, query } = nextRequest(page.next, call))
    }
  }

  async #call<T>(call: Call<T>): Promise<T> {
    const info: RequestInfo = { method: call.method, path: call.path, kind: call.kind }
    const search = call.query?.toString() ?? ''
    const url = `${this.#base}${call.path}${search ? `?${search}` : ''}`
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
      const step = nextStep(outcome, {
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
          break
      }
      switch (step.because) {
        case 'http-error':
          throw httpError(
            info,
            status!,
            attempt.type === 'response' ? attempt.text : '',
            this.#email,
            text => this.#redact(text)
          )
        case 'ambiguous':
          throw this.#ambiguous(
            info,
            step.reason,
            status === undefined ? `the request failed (${cause})` : `Gorgias answered ${cause}`,
            status
          )
        case 'rate-limited':
          this.#stats.throttled++
          throw new TransientError(
            `Gorgias kept rate-limiting ${call.method} ${call.path} (HTTP 429) after ${throttles} retries`,
            { ...info, status: 429 }
          )
        case 'gave-up':
          throw new TransientError(
            this.#redact(
              `${call.method} ${call.path} still failing after ${failures + 1} attempts: ${cause}`
            ),
            status === undefined ? info : { ...info, status }
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

  #ambiguous(
    info: RequestInfo,
    reason: AmbiguousWriteError['reason'],
    what: string,
    status?: number
  ) {
    return new AmbiguousWriteError(
      this.#redact(
        `${info.method} ${info.path} may or may not have been applied: ${what}. ` +
          'It was not retried; re-read the ticket to find out.'
      ),
      status === undefined ? info : { ...info, status },
      reason
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

  #redact(text: string): string {
    return redact(text, this.#secrets)
  }
}
