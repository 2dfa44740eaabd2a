/**
 * The Gorgias endpoints this action uses and their cursor paging: what each request is, and what
 * its answer must look like. Sending, pacing, retries, the deadline and redaction are the
 * transport's (transport.ts). It reports what Gorgias answered, as values or typed errors, and
 * holds no business rules: what a sweep makes of an answer is the sweep's.
 */
import {
  AuthError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  UnreadableThreadError,
  ValidationError,
  ViewUnusableError,
  isRecord,
  type RequestInfo,
  type RequestKind
} from './errors.js'
import { Transport, type Method } from './transport.js'
import type {
  Account,
  Integration,
  Macro,
  Message,
  NewMessage,
  Tag,
  Ticket,
  User
} from './types.js'

export type { ClientEvent, ClientOptions, ClientStats } from './transport.js'
export const PAGE_LIMIT = 100
/** Messages a list may bring past `messages_count` (arrived since the retrieve): one more page. */
const MESSAGES_MARGIN = 100
/** When the ticket gives no `messages_count`, no thread is longer than this. */
const MAX_THREAD = 5_000
/** View answers that say the query cannot be used here (a 401 excepted: that is the credentials). */
const VIEW_REFUSALS = [ValidationError, NotFoundError, MalformedResponseError, AuthError]

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

/**
 * The next page: by `meta.next_cursor`, or for view items by `meta.next_items`, the path of the
 * next page, which Gorgias's own web app requests with the same method and body.
 */
type NextPage =
  | { type: 'cursor'; cursor: string }
  /** relative to the API base (e.g. `/views/0/items`) */
  | { type: 'path'; path: string; query: URLSearchParams }

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

export class GorgiasClient extends Transport {
  /** tag ids by lower-cased name, learnt from tickets listed and read and from tags looked up */
  readonly #tagIds = new Map<string, number>()

  /** Pages of tickets (`GET /tickets`); trashed ones left out unless asked for (the API's default). */
  async *listTickets(
    opts: { viewId?: number; orderBy?: string; limit?: number; trashed?: boolean } = {}
  ): AsyncGenerator<Ticket[]> {
    const query = new URLSearchParams({ limit: String(pageLimit(opts.limit)) })
    if (opts.viewId !== undefined) query.set('view_id', String(checkId(opts.viewId)))
    if (opts.orderBy) query.set('order_by', opts.orderBy)
    query.set('trashed', String(opts.trashed ?? false))
    const call: PagedCall = {
      kind: 'list-tickets',
      method: 'GET',
      path: '/tickets',
      query,
      what: 'tickets'
    }
    for await (const page of this.#pages<Ticket>(call)) yield this.#learnTagIds(page)
  }

  /**
   * The tickets of an ad-hoc view (`PUT /views/0/items` with its definition): the server filters,
   * so a sweep pays for open tickets only. Anything that makes the answer untrustworthy (a refusal,
   * a 202, an unknown shape, a full page naming no next one) is a ViewUnusableError; a 401 stays an
   * AuthError (the credentials, not the view). The fallback is the sweep's (sweep/listing.ts).
   */
  async *listViewItems(view: ViewQuery, opts: { limit?: number } = {}): AsyncGenerator<Ticket[]> {
    const limit = pageLimit(opts.limit)
    const pages = this.#pages<Ticket>({
      kind: 'list-view',
      method: 'PUT',
      path: '/views/0/items',
      query: new URLSearchParams({ limit: String(limit) }),
      body: { view },
      what: 'view items',
      viewPaging: { limit }
    })
    try {
      for await (const page of pages) yield this.#learnTagIds(page)
    } catch (err) {
      if (err instanceof AuthError && err.status === 401) throw err
      if (
        err instanceof GorgiasError &&
        (VIEW_REFUSALS.some(type => err instanceof type) ||
          err.status === 405 ||
          err.status === 501)
      ) {
        throw new ViewUnusableError(err.message, err)
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
   * reference, retrieve-ticket). When it does not, or holds fewer than `messages_count`, the
   * messages are paged from `GET /messages?ticket_id=`.
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
    return this.call({
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
   * endpoint is deprecated). A message of another ticket (a server that ignored the filter), or a
   * list running far past `messagesCount`, is an UnreadableThreadError: threads are never mixed.
   */
  async listMessages(ticketId: number, messagesCount: number | null = null): Promise<Message[]> {
    const query = new URLSearchParams({
      ticket_id: String(checkId(ticketId)),
      limit: String(PAGE_LIMIT),
      order_by: 'created_datetime:asc'
    })
    const info: RequestInfo = { method: 'GET', path: '/messages', kind: 'list-messages' }
    const messages: Message[] = []
    for await (const page of this.#pages<Message>({
      ...info,
      method: 'GET',
      query,
      what: 'messages'
    })) {
      checkOwnMessages(page, ticketId, info)
      messages.push(...page)
      const most = messagesCount === null ? MAX_THREAD : messagesCount + MESSAGES_MARGIN
      if (messages.length > most) {
        throw new UnreadableThreadError(
          `GET /messages?ticket_id=${ticketId} kept listing messages: ${messages.length} so far for a ticket whose messages_count is ${messagesCount ?? 'not given'}; the thread cannot be trusted`,
          info
        )
      }
    }
    return messages
  }

  /** Never retried once it may have reached Gorgias: see AmbiguousWriteError. */
  async createMessage(ticketId: number, body: NewMessage): Promise<Message> {
    const path = `/tickets/${checkId(ticketId)}/messages`
    const expected = 'the created message'
    return this.call({
      kind: 'create-message',
      method: 'POST',
      path,
      body,
      expected,
      parse: entity<Message>
    })
  }

  /** Sends `{"status":"closed"}` and nothing else: a ticket PUT with `tags` replaces them all. */
  async closeTicket(id: number): Promise<void> {
    await this.#write('close-ticket', 'PUT', `/tickets/${checkId(id)}`, { status: 'closed' })
  }

  /** Adds tags, leaving the others alone (POST /tickets/{id}/tags). */
  async addTags(ticketId: number, tags: TagSelection): Promise<void> {
    await this.#tags('add-tags', 'POST', ticketId, tags)
  }

  /** Removes only the given tags (DELETE /tickets/{id}/tags with a JSON body). */
  async removeTags(ticketId: number, tags: TagSelection): Promise<void> {
    await this.#tags('remove-tags', 'DELETE', ticketId, tags)
  }

  /**
   * The account's tag with this name (any case), created when there is none. Needed only when a
   * tag cannot be added by name: adding by id is what public connectors do.
   */
  async tagByName(name: string): Promise<Tag> {
    const tags = this.list<Tag>('/tags', {}, 'tags')
    const found =
      (await firstMatch(tags, t => sameText(t.name, name))) ??
      (await this.call({
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

  /** The pages of a GET list (`/users`, `/macros?search=`), every page at PAGE_LIMIT. */
  list<T>(path: string, extra: Record<string, string> = {}, kind: RequestKind = 'read-other') {
    const query = new URLSearchParams({ ...extra, limit: String(PAGE_LIMIT) })
    return this.#pages<T>({ kind, method: 'GET', path, query, what: path.slice(1) })
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
    const path = `/tickets/${checkId(id)}`
    const { messages, ...ticket } = await this.call({
      kind: 'get-ticket',
      method: 'GET',
      path,
      expected: 'a ticket',
      parse: entity<Ticket & { messages?: unknown }>
    })
    if (!Array.isArray(messages)) return { ticket, embedded: null }
    // Checked against the ticket that came back: another ticket is the sweep's to refuse.
    const owner = typeof ticket.id === 'number' ? ticket.id : id
    checkOwnMessages(messages as unknown[], owner, { method: 'GET', path, kind: 'get-ticket' })
    return { ticket, embedded: messages as Message[] }
  }

  async #tags(kind: RequestKind, method: Method, ticketId: number, tags: TagSelection) {
    const body: TagSelection = {}
    if (tags.ids?.length) body.ids = tags.ids.map(checkId)
    if (tags.names?.length) body.names = tags.names
    const path = `/tickets/${checkId(ticketId)}/tags`
    if (body.ids || body.names) await this.#write(kind, method, path, body)
  }

  /** A write whose answer is unused: any 2xx means done (failing on it would report a done write as failed). */
  #write(kind: RequestKind, method: Method, path: string, body: unknown): Promise<null> {
    return this.call({ kind, method, path, body, expected: 'any', parse: () => ({ value: null }) })
  }

  async *#pages<T>(call: PagedCall): AsyncGenerator<T[]> {
    const guard = new PageGuard()
    const nextItems = call.viewPaging ? { base: this.base, path: call.path } : null
    let { path, query } = call
    for (;;) {
      const info: RequestInfo = { method: call.method, path, kind: call.kind }
      const page = await this.call({
        ...call,
        path,
        query,
        expected: `a page of ${call.what} ({"data": [...], "meta": {...}})`,
        parse: (json, status) => {
          // 202 Accepted is an asynchronous search: no answer yet, not "no tickets".
          if (call.viewPaging && status !== 200) return undefined
          const parsed = parsePage<T>(json, nextItems)
          return parsed ? { value: parsed } : undefined
        }
      })
      const problem = guard.check(page.data as Array<Record<string, unknown>>, page.next)
      const what = `${call.method} ${path}`
      if (problem)
        throw new MalformedResponseError(`Pagination of ${what} stopped: ${problem}`, info)
      if (call.viewPaging && page.next === null && page.data.length >= call.viewPaging.limit) {
        throw new MalformedResponseError(
          `${what} answered a full page without naming the next one`,
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
  return isRecord(json) && typeof json.id === 'number' ? { value: json as T } : undefined
}

/**
 * A thread is the ticket's own: every message must name it (`ticket_id`), or another ticket's
 * agent reply could start this one's cycle. Items that are not objects are the policy's to find
 * unreadable.
 */
function checkOwnMessages(messages: readonly unknown[], ticketId: number, info: RequestInfo) {
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue
    const owner = (m as { ticket_id?: unknown }).ticket_id
    if (owner === ticketId) continue
    const shown = owner === undefined ? 'no ticket_id' : `ticket_id ${JSON.stringify(owner)}`
    throw new UnreadableThreadError(
      `${info.method} ${info.path} answered a message with ${shown.slice(0, 40)} for ticket ${ticketId}: its thread cannot be trusted`,
      info
    )
  }
}

/**
 * A page must be the documented envelope `{"data": [...], "meta": {...}}`: without `meta` there is
 * no telling whether more follow (an offset-style answer would silently end the sweep at page
 * one). Items need only be objects: one odd ticket is the policy's to call unreadable. `nextItems`
 * says where a `meta.next_items` path must lead; null when the endpoint does not page that way.
 */
export function parsePage<T>(
  json: unknown,
  nextItems: { base: string; path: string } | null
): { data: T[]; next: NextPage | null } | undefined {
  if (!isRecord(json) || !Array.isArray(json.data) || !json.data.every(isRecord)) return undefined
  const meta = json.meta
  if (!isRecord(meta)) return undefined
  const data = json.data as T[]
  if (nextItems !== null && meta.next_items !== undefined && meta.next_items !== null) {
    if (typeof meta.next_items !== 'string' || meta.next_items === '') return undefined
    const next = resolveNextItems(meta.next_items, nextItems.base, nextItems.path)
    return next ? { data, next } : undefined
  }
  const cursor = meta.next_cursor
  if (typeof cursor === 'string' && cursor !== '') return { data, next: { type: 'cursor', cursor } }
  if (cursor !== null && cursor !== undefined && cursor !== '') return undefined
  return { data, next: null }
}

/**
 * `next_items` is a path such as `/api/views/0/items/?direction=next&cursor=...`, followed only to
 * the same endpoint on the same host: never the credentials elsewhere, nor a read turned into
 * another kind of request.
 */
function resolveNextItems(value: string, base: string, path: string): NextPage | undefined {
  const baseUrl = new URL(`${base}/`)
  let url: URL
  try {
    url = new URL(value, value.startsWith('/') ? baseUrl.origin : baseUrl)
  } catch {
    return undefined
  }
  if (url.origin !== baseUrl.origin || url.hash) return undefined
  const basePath = baseUrl.pathname.replace(/\/+$/, '')
  if (!url.pathname.startsWith(`${basePath}/`)) return undefined
  const relative = url.pathname.slice(basePath.length)
  if (relative.replace(/\/+$/, '') !== path.replace(/\/+$/, '')) return undefined
  return { type: 'path', path: relative, query: url.searchParams }
}

/**
 * The request of the page `next` names: its path (view items, always with our `limit`: Gorgias's
 * `next_items` names none, and its default is 30) or the same one with its cursor.
 */
function nextRequest(next: NextPage, call: PagedCall): { path: string; query: URLSearchParams } {
  if (next.type === 'cursor') {
    const query = new URLSearchParams(call.query)
    query.set('cursor', next.cursor)
    return { path: call.path, query }
  }
  const query = new URLSearchParams(next.query)
  const limit = call.query.get('limit')
  if (limit !== null) query.set('limit', limit)
  return { path: next.path, query }
}

/**
 * Pagination must end. A page that brings nothing new while naming a next page, or a next page
 * named twice, would page forever in an unattended run: the whole account's API budget.
 */
export class PageGuard {
  readonly #ids = new Set<unknown>()
  readonly #next = new Set<string>()

  /** What is wrong with this page, or null when the listing may go on. */
  check(items: ReadonlyArray<Record<string, unknown>>, next: NextPage | null): string | null {
    let fresh = 0
    for (const { id } of items) {
      const identified = typeof id === 'number' || typeof id === 'string'
      if (!identified || !this.#ids.has(id)) fresh++
      if (identified) this.#ids.add(id)
    }
    if (next === null) return null
    if (items.length === 0) return 'an empty page named a next page'
    if (fresh === 0) return 'a page brought nothing not seen before and named a next page'
    const key = next.type === 'cursor' ? `c:${next.cursor}` : `p:${next.query.toString()}`
    if (this.#next.has(key)) return 'the same next page was named twice'
    this.#next.add(key)
    return null
  }
}

/** A page size the API takes: 1 to 100, default 100. */
function pageLimit(limit = PAGE_LIMIT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT) {
    throw new RangeError(`page limit must be an integer from 1 to ${PAGE_LIMIT}`)
  }
  return limit
}

/** The first item that matches, reading no page past it. */
async function firstMatch<T>(pages: AsyncIterable<T[]>, match: (item: T) => boolean) {
  for await (const page of pages) {
    const found = page.find(match)
    if (found !== undefined) return found
  }
  return null
}

/** Names and emails as Gorgias matches them: in any case. */
function sameText(value: unknown, wanted: string): boolean {
  return typeof value === 'string' && value.toLowerCase() === wanted.toLowerCase()
}

// Reads of the account's own setup, made before any write.

/** The user whose email is this one (any case), from `GET /users`; null when none has it. */
export function findUserByEmail(client: Pick<GorgiasClient, 'list'>, email: string) {
  return firstMatch(client.list<User>('/users'), u => sameText(u?.email, email))
}

/** One request: the first page (up to 100) of the tags matching `GET /tags?search=`. */
export async function searchTags(client: Pick<GorgiasClient, 'list'>, search: string) {
  const pages = client.list<Tag>('/tags', { search }, 'tags')
  const first = await pages.next()
  await pages.return(undefined)
  return first.done ? [] : first.value
}

/** Every integration of the account (`GET /integrations`). */
export async function listIntegrations(client: Pick<GorgiasClient, 'list'>) {
  const all: Integration[] = []
  for await (const page of client.list<Integration>('/integrations')) all.push(...page)
  return all
}

/** One macro (`GET /macros/{id}`). */
export async function getMacro(client: Pick<GorgiasClient, 'getJson'>, id: number): Promise<Macro> {
  const json = entity<Macro>(await client.getJson(`/macros/${id}`))
  if (!json) throw new Error(`GET /macros/${id} answered something that is not a macro`)
  return json.value
}

/** Pages of macros (`GET /macros`), filtered by `search` (in the name) and `languages`. */
export function listMacros(
  client: Pick<GorgiasClient, 'list'>,
  filter: { search?: string; languages?: string } = {}
): AsyncGenerator<Macro[]> {
  const query: Record<string, string> = {}
  if (filter.search !== undefined) query.search = filter.search
  if (filter.languages !== undefined) query.languages = filter.languages
  return client.list<Macro>('/macros', query)
}

/** The account (`GET /account`), its settings included. */
export async function getAccount(client: Pick<GorgiasClient, 'getJson'>): Promise<Account> {
  const json = await client.getJson('/account')
  if (!isRecord(json)) throw new Error('GET /account answered something that is not an account')
  return json
}
