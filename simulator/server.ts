/**
 * An in-memory Gorgias REST API on a real node:http server, for tests, the demo and the benchmark.
 *
 * It models what the Gorgias REST API reference documents, including the parts that bite: the
 * leaky-bucket rate limit and its header, cursor pagination (offset pagination refused), no status
 * filter on the ticket list, trashed tickets listed unless `trashed=false`, the ticket retrieve
 * embedding its messages (the deprecated messages list still served, and marked in the log),
 * views and their items (a subset of the filter language, both page-link styles), `tags` in a
 * ticket PUT replacing the whole set, validation of outgoing messages, and an incoming message
 * reopening a closed ticket. A client that is correct here should be correct against Gorgias;
 * where the real API is looser than this, the simulator errs on the strict side so client bugs
 * surface in tests.
 *
 * Tests drive it in-process through the control methods (addTicket, injectFault, onRequest, ...)
 * and assert on its final state; every request is logged. This class is the facade: the state is
 * in store.ts, the HTTP edge in transport.ts, the API in routes/.
 */
import type { Message, Tag, Ticket, TicketUser } from '../src/gorgias/types.js'
import { DEFAULT_API_KEY, DEFAULT_EMAIL, type Integration } from './account.js'
import { LeakyBucket } from './bucket.js'
import { FaultRules, type FaultRule } from './faults.js'
import { dispatch, READ_ONLY_ROUTES } from './routes/index.js'
import type { ApiShape } from './routes/context.js'
import { Store } from './store.js'
import { Transport, type InProcessRequest, type InProcessResponse } from './transport.js'
import { Varier, variationsOf } from './variations.js'
import type {
  RequestHook,
  RequestLogEntry,
  SimulatorOptions,
  SimulatorStats,
  TicketInput,
  View
} from './types.js'

export {
  AGENTS,
  API_USER_ID,
  DEFAULT_API_KEY,
  DEFAULT_EMAIL,
  EMAIL_INTEGRATION_ID,
  INTEGRATIONS,
  SUPPORT_ADDRESS,
  SUPPORT_NAME,
  type Integration
} from './account.js'
export type { Fault, FaultRule } from './faults.js'
export { ConnectionLost, type InProcessRequest, type InProcessResponse } from './transport.js'
export type {
  RequestHook,
  RequestLogEntry,
  SimRequest,
  SimulatorOptions,
  SimulatorStats,
  TicketInput,
  View
} from './types.js'

export class GorgiasSimulator {
  readonly email: string
  readonly apiKey: string

  readonly #store: Store
  readonly #bucket: LeakyBucket
  readonly #faults = new FaultRules()
  readonly #transport: Transport

  constructor(opts: SimulatorOptions = {}) {
    this.email = opts.email ?? DEFAULT_EMAIL
    this.apiKey = opts.apiKey ?? DEFAULT_API_KEY
    this.#bucket = new LeakyBucket(opts.rateLimit ?? false, opts.bucketClock)
    this.#store = new Store(this, this.email, opts.now ?? (() => new Date()))
    this.#store.caseSensitiveTags = opts.caseSensitiveTags ?? false
    const embed = opts.embedMessages ?? true
    if (typeof embed === 'number' && !(Number.isInteger(embed) && embed >= 0)) {
      throw new RangeError('embedMessages must be a boolean or a whole number >= 0')
    }
    const shape: ApiShape = {
      embedMessages: embed,
      viewPaging: opts.viewPaging ?? 'next_items',
      apiUserLast: opts.apiUserLast ?? false
    }
    const access = { forbidden: opts.forbidden ?? false, views: opts.views ?? true }
    const ctx = { store: this.#store, shape }
    const now = (): Date => this.#store.now()
    const variations = variationsOf(opts)
    const varier = variations && new Varier(variations, now)
    this.#transport = new Transport({
      email: this.email,
      apiKey: this.apiKey,
      latencyMs: opts.latencyMs ?? 0,
      now,
      retryAfter: retryAfterValue(opts.retryAfter ?? 'seconds', now),
      bucket: this.#bucket,
      faults: this.#faults,
      route: ({ method, path, query, body, origin }, match) => {
        if (!varier) return dispatch(ctx, access, { method, path, query, body }, match)
        varier.capLimit(query)
        const result = dispatch(ctx, access, { method, path, query, body }, match)
        return varier.answer(result, `${method} ${match?.route.template ?? ''}`, origin)
      }
    })
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listens on 127.0.0.1 (port 0 = any free port); resolves to the base URL ending in `/api`. */
  start(port = 0): Promise<string> {
    return this.#transport.start(port)
  }

  /** Closes the server and every open socket; pending delayed answers are dropped. */
  stop(): Promise<void> {
    return this.#transport.stop()
  }

  /** Whether `start` has been called: `baseUrl` is then known (and stays so after `stop`). */
  get listening(): boolean {
    return this.#transport.baseUrl !== null
  }

  get baseUrl(): string {
    const url = this.#transport.baseUrl
    if (url === null) throw new Error('simulator not started: call start() first')
    return url
  }

  /**
   * One request in process, with no server started or with one: the same path as over HTTP (the
   * log, latency, auth, the bucket and its header, `Retry-After`, hooks, faults, the route). The
   * URL's host is ignored. A `reset` or `reset-after-processing` fault rejects with
   * ConnectionLost (after processing for the latter); `delay` waits for real.
   */
  request(req: InProcessRequest): Promise<InProcessResponse> {
    return this.#transport.request(req)
  }

  // ---------------------------------------------------------------- control API: state

  /**
   * Adds a ticket with sensible defaults (next id, status open, channel email, a new customer, no
   * tags). Messages are added in order through addMessage, so the ticket's counters and timestamps
   * follow them; a message without created_datetime comes a minute after the previous one (the
   * first at the ticket's created_datetime, else now). Fields given explicitly win over the
   * computed ones; `status: 'closed'` without closed_datetime closes at the last message.
   */
  addTicket(input: TicketInput = {}): Ticket {
    return structuredClone(this.#store.addTicket(input))
  }

  /**
   * Adds a message with defaults that look like the real thing for its direction and channel (an
   * incoming customer email by default; `from_agent: true` makes an agent's outgoing reply,
   * `channel: 'internal-note'` an internal note), and updates the ticket like a POST would, using
   * the message's own created_datetime.
   */
  addMessage(ticketId: number, m: Partial<Message>): Message {
    return structuredClone(this.#store.addMessage(ticketId, m))
  }

  /** Raw edit of a stored ticket (no validation, no bookkeeping): e.g. to make it malformed. */
  setTicket(id: number, patch: Partial<Ticket>): void {
    const ticket = this.#store.tickets.get(id)
    if (!ticket) throw new Error(`no ticket ${id}`)
    Object.assign(ticket, structuredClone(patch))
  }

  /** Deletes a ticket and its messages: the API answers 404 for it from now on. */
  deleteTicket(id: number): void {
    this.#store.deleteTicket(id)
  }

  /**
   * Creates or replaces a saved view listing exactly these tickets: for `GET /api/tickets?view_id=`
   * and for `/api/views/{id}/items` (which leaves the trashed ones out).
   */
  setView(viewId: number, ticketIds: number[], name = `View ${viewId}`): void {
    if (!Number.isInteger(viewId) || viewId < 1) throw new RangeError(`bad view id ${viewId}`)
    this.#store.views.set(viewId, { id: viewId, name, ticketIds: [...ticketIds] })
  }

  /**
   * Creates an account tag, or returns the existing one with that name (in any case, or exactly
   * with caseSensitiveTags).
   */
  addTag(name: string): Tag {
    return { ...this.#store.tagByName(name, true) }
  }

  ticket(id: number): Ticket | undefined {
    const t = this.#store.tickets.get(id)
    return t ? structuredClone(t) : undefined
  }

  /** The ticket's messages, oldest first (created_datetime, then id); [] for an unknown ticket. */
  messages(ticketId: number): Message[] {
    return structuredClone(this.#store.sortedMessages(ticketId))
  }

  /** Every ticket (deleted ones excluded), by id. */
  tickets(): Ticket[] {
    return [...this.#store.tickets.values()]
      .sort((a, b) => a.id - b.id)
      .map(t => structuredClone(t))
  }

  tags(): Tag[] {
    return [...this.#store.tags.values()].sort((a, b) => a.id - b.id).map(t => ({ ...t }))
  }

  views(): View[] {
    return [...this.#store.views.values()].map(v => ({ ...v, ticketIds: [...v.ticketIds] }))
  }

  /** The API user (id 1, the key's owner) and the human agents. */
  agents(): TicketUser[] {
    return [...this.#store.agents.values()].map(a => ({ ...a }))
  }

  /** Adds or replaces an integration of `GET /api/integrations` (e.g. one deactivated). */
  setIntegration(integration: Integration): void {
    this.#store.integrations.set(integration.id, { ...integration })
  }

  /**
   * Extra fields of a customer as GET /api/customers/{id} returns them, e.g. the `integrations`
   * object in which Gorgias keeps a Shopify customer's orders.
   */
  setCustomerData(customerId: number, data: Record<string, unknown>): void {
    if (!this.#store.customers.has(customerId)) throw new Error(`no customer ${customerId}`)
    this.#store.customerData.set(customerId, structuredClone(data))
  }

  /** Adds or replaces a macro (`GET /api/macros`); the account starts with MACROS (account.ts). */
  setMacro(macro: Record<string, unknown> & { id: number; name: string }): void {
    this.#store.macros.set(macro.id, structuredClone(macro))
  }

  /** The account's macros, by id. */
  macros(): Array<Record<string, unknown> & { id: number; name: string }> {
    return [...this.#store.macros.values()].map(m => structuredClone(m))
  }

  /** The account's `settings` as `GET /api/account` shows them (any shape, to test a reader). */
  setAccountSettings(settings: unknown): void {
    this.#store.accountSettings = structuredClone(settings)
  }

  /**
   * Time travel: moves every stored timestamp `hours` into the past, so that the account looks as
   * it will `hours` from now to a client that reads the real clock (the built action does).
   */
  age(hours: number): void {
    this.#store.age(hours)
  }

  /** Changes the clock of server-side timestamps. */
  setClock(now: () => Date): void {
    this.#store.now = now
  }

  // ---------------------------------------------------------------- control API: faults, hooks, log

  /** Rules are matched in order; each is consumed by `times` (default 1). */
  injectFault(rule: FaultRule): void {
    this.#faults.add(rule)
  }

  clearFaults(): void {
    this.#faults.clear()
  }

  /**
   * Runs before each request that passed auth and the rate limit is processed (and before any
   * injected fault); the request waits for it. Returns a function that removes the hook.
   */
  onRequest(hook: RequestHook): () => void {
    const hooks = this.#transport.hooks
    hooks.push(hook)
    return () => {
      const i = hooks.indexOf(hook)
      if (i >= 0) hooks.splice(i, 1)
    }
  }

  /** Every request received, in arrival order, including 401/429 ones. Live array. */
  get log(): RequestLogEntry[] {
    return this.#transport.log
  }

  /** Forgets the log and the counters, and restarts the peak bucket level from the current one. */
  clearLog(): void {
    this.#transport.log.length = 0
    this.#transport.throttled = 0
    this.#bucket.resetPeak()
  }

  stats(): SimulatorStats {
    const byRoute: Record<string, number> = {}
    for (const e of this.log) byRoute[e.route] = (byRoute[e.route] ?? 0) + 1
    return {
      requests: this.log.length,
      byRoute,
      throttled: this.#transport.throttled,
      writes: this.writes().length,
      peakLevel: this.peakRateLimitLevel(),
      deprecated: this.log.filter(e => e.deprecated).length
    }
  }

  /**
   * Processed POST/PUT/DELETE requests that succeeded (status < 300), including
   * reset-after-processing; a view query (`PUT /api/views/{id}/items`) reads and is not one.
   */
  writes(): RequestLogEntry[] {
    return this.log.filter(
      e =>
        e.processed &&
        e.status >= 200 &&
        e.status < 300 &&
        (e.method === 'POST' || e.method === 'PUT' || e.method === 'DELETE') &&
        !READ_ONLY_ROUTES.has(e.route)
    )
  }

  /** Current level of the leaky bucket (0 when the rate limit is off). */
  rateLimitLevel(): number {
    return this.#bucket.level()
  }

  /**
   * Highest bucket level reached since the simulator was created or clearLog was called, to 3
   * decimals (0 when the rate limit is off): how close a sweep came to a 429.
   */
  peakRateLimitLevel(): number {
    return Math.round(this.#bucket.peak() * 1000) / 1000
  }
}

/** `Retry-After` in seconds, or as the HTTP date of that instant, rounded up to the second. */
function retryAfterValue(style: 'seconds' | 'http-date', now: () => Date) {
  if (style === 'seconds') return (seconds: number): string => String(seconds)
  return (seconds: number): string =>
    new Date(Math.ceil((now().getTime() + seconds * 1000) / 1000) * 1000).toUTCString()
}
