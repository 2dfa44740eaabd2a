/**
 * The Gorgias endpoints this action uses, and their cursor paging (pages.ts): what each request
 * is, and what its answer must look like. Sending, pacing, retries, the deadline and redaction are
 * the transport's (transport.ts). It reports what Gorgias answered, as values or typed errors,
 * and holds no business rules: what a sweep makes of an answer is the sweep's.
 */
import {
  AuthError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  ValidationError,
  ViewUnusableError,
  type RequestInfo
} from './errors.js'
import type { Method } from './http.js'
import type { BucketReading } from './limiter.js'
import { PageGuard, firstMatch, nextRequest, pageLimit, parsePage, sameText } from './pages.js'
import type { RequestKind } from './requests.js'
import { checkOwnMessages, checkThreadLength } from './thread.js'
import { Transport, type ClientOptions, type ClientStats } from './transport.js'
import type { Message, NewMessage, Tag, Ticket } from './types.js'

export type { RequestKind } from './requests.js'
export type { ClientEvent, ClientOptions, ClientStats } from './transport.js'
export const PAGE_LIMIT = 100

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

/** A list request, page after page. */
interface PagedCall {
  kind: RequestKind
  method: 'GET' | 'PUT'
  path: string
  query: URLSearchParams
  body?: unknown
  what: string
  /** view items: pages named by `meta.next_items`, and a full last page is not believed */
  viewPaging?: { limit: number }
}

export class GorgiasClient {
  readonly #http: Transport
  /** tag ids by lower-cased name, learnt from tickets listed and read and from tags looked up */
  readonly #tagIds = new Map<string, number>()

  constructor(opts: ClientOptions) {
    this.#http = new Transport(opts)
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
    const pages = this.#pages<Ticket>({
      kind: 'list-tickets',
      method: 'GET',
      path: '/tickets',
      query,
      what: 'tickets'
    })
    for await (const page of pages) yield this.#learnTagIds(page)
  }

  /**
   * Yields the tickets of an ad-hoc view (`PUT /views/0/items` with the view's definition): the
   * server filters, so a sweep pays for open tickets only. Pages are followed through
   * `meta.next_items` or `meta.next_cursor`. Anything that makes the answer untrustworthy (a
   * refusal, a 202, an unknown shape, a full page naming no next one) is reported as a
   * ViewUnusableError; a 401 stays an AuthError (the credentials, not the view). What a sweep does
   * then (list the plain way) is its listing's rule: src/sweep/listing.ts.
   */
  async *listViewItems(view: ViewQuery, opts: { limit?: number } = {}): AsyncGenerator<Ticket[]> {
    const limit = pageLimit(opts.limit)
    try {
      const pages = this.#pages<Ticket>({
        kind: 'list-view',
        method: 'PUT',
        path: '/views/0/items',
        query: new URLSearchParams({ limit: String(limit) }),
        body: { view },
        what: 'view items',
        viewPaging: { limit }
      })
      for await (const page of pages) yield this.#learnTagIds(page)
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
    this.#learnTagIds([ticket])
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
    return this.#http.call({
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
    return this.#http.call({
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
    await this.#http.call({
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
    return this.#http.rateLimitReading()
  }

  /** The server's time of this client's last answered write to the ticket (see writeTime). */
  lastWriteAt(ticketId: number): number | null {
    return this.#http.lastWriteAt(ticketId)
  }

  stats(): ClientStats {
    return this.#http.stats()
  }

  /**
   * The account's tag with this name (any case), created when there is none. Needed only when a
   * tag cannot be added by name: adding by id is what public connectors do.
   */
  async tagByName(name: string): Promise<Tag> {
    const tags = this.list<Tag>('/tags', {}, 'tags')
    const found =
      (await firstMatch(tags, t => sameText(t.name, name))) ??
      (await this.#http.call({
        kind: 'tags',
        method: 'POST',
        path: '/tags',
        body: { name },
        expected: 'a tag',
        parse: entity<Tag>
      }))
    this.#tagIds.set(name.toLowerCase(), found.id)
    return found
  }

  /** The id of the tag of this name (any case) if a ticket listed or read, or tagByName, showed it. */
  knownTagId(name: string): number | undefined {
    return this.#tagIds.get(name.toLowerCase())
  }

  #learnTagIds(tickets: Ticket[]): Ticket[] {
    for (const ticket of tickets) {
      for (const tag of Array.isArray(ticket?.tags) ? ticket.tags : []) {
        if (tag && typeof tag.name === 'string' && Number.isSafeInteger(tag.id)) {
          this.#tagIds.set(tag.name.toLowerCase(), tag.id)
        }
      }
    }
    return tickets
  }

  async #retrieve(id: number): Promise<{ ticket: Ticket; embedded: Message[] | null }> {
    const ticket = await this.#http.call({
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
    await this.#http.call({
      kind,
      method,
      path,
      body,
      expected: 'any',
      parse: () => ({ value: null })
    })
  }

  /** The pages of a GET list (`/users`, `/macros?search=`), every page at PAGE_LIMIT. */
  list<T>(path: string, extra: Record<string, string> = {}, kind: RequestKind = 'read-other') {
    const query = new URLSearchParams({ ...extra, limit: String(PAGE_LIMIT) })
    return this.#pages<T>({ kind, method: 'GET', path, query, what: path.slice(1) })
  }

  async *#pages<T>(call: PagedCall): AsyncGenerator<T[]> {
    const guard = new PageGuard()
    const nextItems = call.viewPaging ? { base: this.#http.base, path: call.path } : null
    let path = call.path
    let query = call.query
    for (;;) {
      const info: RequestInfo = { method: call.method, path, kind: call.kind }
      const page = await this.#http.call({
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
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw new TypeError(`Not a Gorgias id: ${String(id)}`)
  return id
}

// The JSON boundary: only what the code relies on (an object with a numeric id) is checked; the
// rest passes through as the API sent it, and readers of optional fields cope (see types.ts).
function entity<T>(json: unknown): { value: T } | undefined {
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json)
  return isObject && typeof (json as { id?: unknown }).id === 'number'
    ? { value: json as T }
    : undefined
}
