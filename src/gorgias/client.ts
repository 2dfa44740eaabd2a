/**
 * The Gorgias endpoints this action uses and their cursor paging: what each request is and what
 * its answer must look like (sending, pacing, retries and redaction are transport.ts's). No
 * business rules: what a sweep makes of an answer is the sweep's.
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
import { PageGuard, nextRequest, parsePage } from './pages.js'
import { parseTimestamp } from '../policy/types.js'
import { Transport, type Call, type Method } from './transport.js'
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

const PAGE_LIMIT = 100
/** Messages a list may bring past `messages_count` (arrived since the retrieve): one more page. */
const MESSAGES_MARGIN = 100
/** When the ticket gives no `messages_count`, no thread is longer than this. */
const MAX_THREAD = 5_000
/** View answers that say the query cannot be used here (a 401 excepted: the credentials). */
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

/** A list request; `viewLimit`: view items, paged by `next_items`, a full last page not believed. */
type PagedCall = Pick<Call<unknown>, 'kind' | 'path' | 'body'> & {
  method: 'GET' | 'PUT'
  query: URLSearchParams
  viewLimit?: number
}

export class GorgiasClient extends Transport {
  /** tag ids by exact name (case-sensitive on the server), from tickets listed and read, tags looked up */
  readonly #tagIds = new Map<string, number>()

  /** Pages of tickets (`GET /tickets`); trashed ones left out unless asked for (the API's default). */
  async *listTickets(
    opts: { viewId?: number; orderBy?: string; trashed?: boolean } = {}
  ): AsyncGenerator<Ticket[]> {
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT) })
    if (opts.viewId !== undefined) query.set('view_id', String(checkId(opts.viewId)))
    if (opts.orderBy) query.set('order_by', opts.orderBy)
    query.set('trashed', String(opts.trashed ?? false))
    const pages = this.#pages<Ticket>({
      kind: 'list-tickets',
      method: 'GET',
      path: '/tickets',
      query
    })
    for await (const page of pages) yield this.#learnTagIds(page)
  }

  /**
   * The tickets of an ad-hoc view (`PUT /views/0/items` with its definition): the server filters,
   * so a sweep pays for open tickets only. Anything that makes the answer untrustworthy (a refusal,
   * a 202, an unknown shape, a full page naming no next one) is a ViewUnusableError; a 401 stays an
   * AuthError (the credentials, not the view). The fallback is the sweep's (sweep/listing.ts).
   */
  async *listViewItems(view: ViewQuery, opts: { limit?: number } = {}): AsyncGenerator<Ticket[]> {
    const limit = opts.limit ?? PAGE_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT) {
      throw new RangeError(`page limit must be an integer from 1 to ${PAGE_LIMIT}`)
    }
    const query = new URLSearchParams({ limit: String(limit) })
    const call = { kind: 'list-view', method: 'PUT', path: '/views/0/items', query } as const
    try {
      for await (const page of this.#pages<Ticket>({ ...call, body: { view }, viewLimit: limit })) {
        yield this.#learnTagIds(page)
      }
    } catch (err) {
      const unusable =
        err instanceof GorgiasError &&
        !(err instanceof AuthError && err.status === 401) &&
        (VIEW_REFUSALS.some(type => err instanceof type) || [405, 501].includes(err.status ?? 0))
      throw unusable ? new ViewUnusableError(err.message, err) : err
    }
  }

  /** The ticket alone (`GET /tickets/{id}`), for policy modules. */
  async getTicket(id: number): Promise<Ticket> {
    return (await this.#retrieve(id)).ticket
  }

  /**
   * The ticket with all of its messages, in one request when the retrieve embeds them (it does:
   * reference, retrieve-ticket); from the messages list when it does not, or embeds fewer than
   * `messages_count`, or (no count given) none as late as the ticket's `last_message_datetime`.
   */
  async readTicket(id: number): Promise<{ ticket: Ticket; messages: Message[] }> {
    const { ticket, embedded } = await this.#retrieve(id)
    this.#learnTagIds([ticket])
    const count = typeof ticket.messages_count === 'number' ? ticket.messages_count : null
    const whole = (m: Message[]) => (count === null ? !laterMessage(ticket, m) : m.length >= count)
    if (embedded !== null && whole(embedded)) return { ticket, messages: embedded }
    try {
      return { ticket, messages: await this.listMessages(id, count) }
    } catch (err) {
      // The ticket is there: a 404 is the messages list missing, not "deleted or merged".
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
    const entries = Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])
    const search = new URLSearchParams(entries)
    const call = { kind: 'read-other', method: 'GET', path, expected: 'JSON' } as const
    return this.call({ ...call, query: search, parse: (json: unknown) => ({ value: json }) })
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
    const info = { method: 'GET', path: '/messages', kind: 'list-messages' } as const
    const most = messagesCount === null ? MAX_THREAD : messagesCount + MESSAGES_MARGIN
    const messages: Message[] = []
    for await (const page of this.#pages<Message>({ ...info, query })) {
      checkOwnMessages(page, ticketId, info)
      messages.push(...page)
      if (messages.length <= most) continue
      throw new UnreadableThreadError(
        `GET /messages?ticket_id=${ticketId} kept listing messages: ${messages.length} so far for a ticket whose messages_count is ${messagesCount ?? 'not given'}; the thread cannot be trusted`,
        info
      )
    }
    return messages
  }

  /** Never retried once it may have reached Gorgias: see AmbiguousWriteError. */
  async createMessage(ticketId: number, body: NewMessage): Promise<Message> {
    return this.call({
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
   * The account's tag of exactly this name (names are case-sensitive: gorgias-api.md), created
   * when there is none. Needed only when a tag cannot be added by name: connectors add by id.
   */
  async tagByName(name: string): Promise<Tag> {
    const create = { kind: 'tags', method: 'POST', path: '/tags', body: { name } } as const
    const found =
      (await firstMatch(this.list<Tag>('/tags', {}, 'tags'), t => t?.name === name)) ??
      (await this.call({ ...create, expected: 'a tag', parse: entity<Tag> }))
    this.#tagIds.set(name, found.id)
    return found
  }

  /** The id of the tag of exactly this name if a ticket listed or read, or tagByName, showed it. */
  knownTagId(name: string): number | undefined {
    return this.#tagIds.get(name)
  }

  /** The pages of a GET list (`/users`, `/macros?search=`), every page at PAGE_LIMIT. */
  list<T>(path: string, extra: Record<string, string> = {}, kind: RequestKind = 'read-other') {
    const query = new URLSearchParams({ ...extra, limit: String(PAGE_LIMIT) })
    return this.#pages<T>({ kind, method: 'GET', path, query })
  }

  #learnTagIds(tickets: Ticket[]): Ticket[] {
    for (const tag of tickets.flatMap(t => (Array.isArray(t?.tags) ? t.tags : []))) {
      if (tag && typeof tag.name === 'string' && Number.isSafeInteger(tag.id)) {
        this.#tagIds.set(tag.name, tag.id)
      }
    }
    return tickets
  }

  async #retrieve(id: number): Promise<{ ticket: Ticket; embedded: Message[] | null }> {
    const info = { method: 'GET', path: `/tickets/${checkId(id)}`, kind: 'get-ticket' } as const
    const { messages, ...ticket } = await this.call({
      ...info,
      expected: 'a ticket',
      parse: entity<Ticket & { messages?: unknown }>
    })
    if (!Array.isArray(messages)) return { ticket, embedded: null }
    // Checked against the ticket that came back: another ticket is the sweep's to refuse. A
    // message naming no ticket is not trusted either: the list, where each must name it, is read.
    const owner = typeof ticket.id === 'number' ? ticket.id : id
    const named = messages.filter(m => !isRecord(m) || m.ticket_id !== undefined)
    checkOwnMessages(named, owner, info)
    const whole = named.length === messages.length
    return { ticket, embedded: whole ? (messages as Message[]) : null }
  }

  async #tags(kind: RequestKind, method: Method, ticketId: number, tags: TagSelection) {
    const body: TagSelection = {}
    if (tags.ids?.length) body.ids = tags.ids.map(checkId)
    if (tags.names?.length) body.names = tags.names
    const path = `/tickets/${checkId(ticketId)}/tags`
    if (body.ids || body.names) await this.#write(kind, method, path, body)
  }

  /** Any 2xx means done: failing on an odd body would report a done write as failed. */
  #write(kind: RequestKind, method: Method, path: string, body: unknown): Promise<null> {
    return this.call({ kind, method, path, body, expected: 'any', parse: () => ({ value: null }) })
  }

  async *#pages<T>(call: PagedCall): AsyncGenerator<T[]> {
    const guard = new PageGuard()
    const view = call.viewLimit !== undefined
    const what = view ? 'view items' : call.path.slice(1)
    const nextItems = view ? { base: this.base, path: call.path } : null
    let { path, query } = call
    for (;;) {
      const info: RequestInfo = { method: call.method, path, kind: call.kind }
      const page = await this.call({
        ...call,
        path,
        query,
        expected: `a page of ${what} ({"data": [...], "meta": {...}})`,
        // 202 Accepted is an asynchronous search: no answer yet, not "no tickets".
        parse: (json, status) => {
          const parsed = view && status !== 200 ? undefined : parsePage<T>(json, nextItems)
          return parsed && { value: parsed }
        }
      })
      const problem = guard.check(page.data as Array<Record<string, unknown>>, page.next)
      const request = `${call.method} ${path}`
      if (problem) {
        throw new MalformedResponseError(`Pagination of ${request} stopped: ${problem}`, info)
      }
      if (view && page.next === null && page.data.length >= call.viewLimit!) {
        const message = `${request} answered a full page without naming the next one`
        throw new MalformedResponseError(message, info)
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
 * agent reply could start this one's cycle. Non-objects are the policy's to find unreadable.
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

/** Whether the ticket's last message is later than every one given (a partial embed). */
function laterMessage(ticket: Ticket, messages: readonly Message[]): boolean {
  const at = (t: unknown) => (typeof t === 'string' ? parseTimestamp(t)?.getTime() : undefined)
  const last = at(ticket.last_message_datetime)
  return last !== undefined && messages.every(m => !((at(m?.created_datetime) ?? NaN) >= last))
}

/** The first item that matches, reading no page past it. */
async function firstMatch<T>(pages: AsyncIterable<T[]>, match: (item: T) => boolean) {
  for await (const page of pages) {
    const found = page.find(match)
    if (found !== undefined) return found
  }
  return null
}

/** Emails as Gorgias matches them: in any case. */
function sameText(value: unknown, wanted: string): boolean {
  return typeof value === 'string' && value.toLowerCase() === wanted.toLowerCase()
}

// Reads of the account's own setup, made before any write.

/** The user whose email is this one (any case), from `GET /users`; null when none has it. */
export function findUserByEmail(client: Pick<GorgiasClient, 'list'>, email: string) {
  return firstMatch(client.list<User>('/users'), u => sameText(u?.email, email))
}

/**
 * Whether `GET /tags?search=` finds a tag that `match`es, in at most `maxPages` pages (a server may
 * answer fewer per page than asked); `complete`: every result was looked at.
 */
export async function searchTags(
  client: Pick<GorgiasClient, 'list'>,
  search: string,
  match: (tag: Tag) => boolean,
  maxPages = 5
) {
  let [pages, seen] = [0, 0]
  for await (const page of client.list<Tag>('/tags', { search }, 'tags')) {
    seen += page.length
    const found = page.some(match)
    if (found || ++pages === maxPages) return { found, seen, complete: found }
  }
  return { found: false, seen, complete: true }
}

/** Every integration of the account (`GET /integrations`). */
export async function listIntegrations(client: Pick<GorgiasClient, 'list'>) {
  const all: Integration[] = []
  for await (const page of client.list<Integration>('/integrations')) all.push(...page)
  return all
}

/** One macro (`GET /macros/{id}`). */
export async function getMacro(client: Pick<GorgiasClient, 'getJson'>, id: number) {
  const macro = entity<Macro>(await client.getJson(`/macros/${id}`))
  if (!macro) throw new Error(`GET /macros/${id} answered something that is not a macro`)
  return macro.value
}

/** Pages of macros (`GET /macros`), filtered by `search` (in the name) and `languages`. */
export function listMacros(
  client: Pick<GorgiasClient, 'list'>,
  filter: { search?: string; languages?: string } = {}
): AsyncGenerator<Macro[]> {
  const query = Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined)
  return client.list<Macro>('/macros', Object.fromEntries(query))
}

/** The account (`GET /account`), its settings included. */
export async function getAccount(client: Pick<GorgiasClient, 'getJson'>): Promise<Account> {
  const json = await client.getJson('/account')
  if (!isRecord(json)) throw new Error('GET /account answered something that is not an account')
  return json
}
