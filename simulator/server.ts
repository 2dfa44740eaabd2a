/**
 * An in-memory Gorgias REST API on a real node:http server, for tests, the demo and the benchmark.
 *
 * It models what /work/shared/docs/gorgias-api.md documents, including the parts that bite: the
 * leaky-bucket rate limit and its header, cursor pagination (offset pagination refused), no status
 * filter on the ticket list, trashed tickets still listed, `tags` in a ticket PUT replacing the
 * whole set, validation of outgoing messages, and an incoming message reopening a closed ticket.
 * A client that is correct here should be correct against Gorgias; where the real API is looser
 * than this, the simulator errs on the strict side so client bugs surface in tests.
 *
 * Tests drive it in-process through the control methods (addTicket, injectFault, onRequest, ...)
 * and assert on its final state; every request is logged.
 */
import http from 'node:http'
import type { Socket } from 'node:net'
import type { Message, MessageSource, Page, Tag, Ticket, TicketUser } from '../src/gorgias/types.js'

export const DEFAULT_EMAIL = 'agent@acme.test'
export const DEFAULT_API_KEY = 'sim-api-key-0123456789'
export const SUPPORT_ADDRESS = 'support@acme.test'
export const SUPPORT_NAME = 'Acme Store'
export const EMAIL_INTEGRATION_ID = 7
/** The user that owns the API key (the action's follow-ups are sent as this user). */
export const API_USER_ID = 1
/** Human agents of the simulated account; the first one is the default sender of agent replies. */
export const AGENTS: ReadonlyArray<{ id: number; email: string; name: string }> = [
  { id: 2, email: 'maria.lopez@acme.test', name: 'Maria Lopez' },
  { id: 3, email: 'sam.taylor@acme.test', name: 'Sam Taylor' },
  { id: 4, email: 'priya.shah@acme.test', name: 'Priya Shah' }
]

export interface Integration {
  id: number
  type: string
  name: string
  /** Sender address on this integration's channel (email address, phone number, page id...). */
  address: string
}

export const INTEGRATIONS: readonly Integration[] = [
  { id: EMAIL_INTEGRATION_ID, type: 'email', name: SUPPORT_NAME, address: SUPPORT_ADDRESS },
  { id: 8, type: 'gorgias_chat', name: 'Acme Chat', address: 'chat@acme.test' },
  { id: 9, type: 'sms', name: 'Acme SMS', address: '+15555550100' },
  { id: 10, type: 'facebook', name: 'Acme Store Facebook', address: 'acme.store.page' }
]

/** Per ticket channel: the source type, integration and `via` of messages on it. */
const CHANNELS: Record<string, { sourceType: string; integrationId: number | null; via: string }> =
  {
    email: { sourceType: 'email', integrationId: EMAIL_INTEGRATION_ID, via: 'email' },
    chat: { sourceType: 'chat', integrationId: 8, via: 'chat' },
    sms: { sourceType: 'sms', integrationId: 9, via: 'sms' },
    facebook: { sourceType: 'facebook-message', integrationId: 10, via: 'facebook' },
    'facebook-messenger': { sourceType: 'facebook-message', integrationId: 10, via: 'facebook' },
    api: { sourceType: 'api', integrationId: null, via: 'api' },
    'internal-note': { sourceType: 'internal-note', integrationId: null, via: 'helpdesk' }
  }

/** Message channels the real API accepts (reference/create-ticket-message). */
const KNOWN_CHANNELS = new Set([
  'aircall',
  'api',
  'chat',
  'contact_form',
  'email',
  'facebook',
  'facebook-mention',
  'facebook-messenger',
  'facebook-recommendations',
  'help-center',
  'instagram-ad-comment',
  'instagram-comment',
  'instagram-direct-message',
  'instagram-mention',
  'internal-note',
  'phone',
  'sms',
  'twitter',
  'twitter-direct-message',
  'whatsapp',
  'yotpo-review'
])

export interface SimulatorOptions {
  email?: string
  apiKey?: string
  /** Valid credentials get 403 (a key without the needed permission). */
  forbidden?: boolean
  /** Leaky bucket per account; false (default) = unlimited. Gorgias: { limit: 40, windowMs: 20000 }. */
  rateLimit?: { limit: number; windowMs: number } | false
  /** Clock for server-side timestamps (not for the rate limiter, which uses real time). */
  now?: () => Date
  /** Added latency per request, before it is processed. */
  latencyMs?: number
}

export type Fault =
  /** Answer with this status (and body, default a JSON error); the request is not processed. */
  | { kind: 'status'; status: number; retryAfter?: number; body?: unknown }
  /** Destroy the socket without answering; the request is not processed. */
  | { kind: 'reset' }
  /** Process the request fully (state changes), then destroy the socket without answering. */
  | { kind: 'reset-after-processing' }
  /** Process the request, but answer only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Answer 200 with this raw body; the request is not processed. */
  | { kind: 'malformed'; body: string }

export interface FaultRule {
  /** Case-insensitive; any method when absent. */
  method?: string
  /**
   * A string matches the path exactly, with or without the `/api` prefix (`/tickets/5` or
   * `/api/tickets/5`); a RegExp is tested against the full path (`/api/tickets/5`). Any path when
   * absent.
   */
  path?: string | RegExp
  /** How many matching requests get the fault; default 1, Infinity for all. */
  times?: number
  fault: Fault
}

export interface SimRequest {
  method: string
  /** Full path without the query, e.g. `/api/tickets/5/messages`. */
  path: string
  query: URLSearchParams
  /** Parsed JSON body; the raw string when it is not JSON; undefined when empty. */
  body: unknown
}

export type RequestHook = (req: SimRequest) => void | Promise<void>

export interface RequestLogEntry {
  method: string
  /** Full path without the query. */
  path: string
  /** Query string without the leading `?`. */
  query: string
  /** Status answered; for a reset-after-processing, the status the processing produced; 0 for a reset. */
  status: number
  body: unknown
  /** Date.now() when the request arrived. */
  at: number
  /** Route template, e.g. `PUT /api/tickets/{id}`. */
  route: string
  /** The request reached the API logic (it may still have failed validation). */
  processed: boolean
  fault?: Fault['kind']
}

export interface SimulatorStats {
  requests: number
  byRoute: Record<string, number>
  /** 429 answers (rate limiter and injected). */
  throttled: number
  /** Processed POST/PUT/DELETE with a status < 300. */
  writes: number
  /** Highest bucket level reached (0 when the rate limit is off). */
  peakLevel: number
}

/** Input of addTicket: tags may be given by name only; messages are added in order. */
export type TicketInput = Omit<Partial<Ticket>, 'tags' | 'customer'> & {
  tags?: Array<{ id?: number; name: string }> | null
  customer?: Partial<TicketUser> | null
  messages?: Array<Partial<Message>>
}

export interface View {
  id: number
  name: string
  ticketIds: number[]
}

type Errors = Record<string, string[]>

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly data?: Errors
  ) {
    super(message)
  }
}

interface Result {
  status: number
  /** JSON payload; none (empty body) when undefined. */
  body?: unknown
  /** Raw payload, sent as is. */
  raw?: string
  headers?: Record<string, string>
}

interface Position {
  k: number | null
  id: number
}

interface CursorState extends Position {
  /** Fingerprint of the query the cursor belongs to. */
  q: string
  d: 'next' | 'prev'
}

const ROUTES: Array<{ pattern: RegExp; template: string; methods: string[] }> = [
  { pattern: /^\/api\/tickets$/, template: '/api/tickets', methods: ['GET'] },
  { pattern: /^\/api\/tickets\/(\d+)$/, template: '/api/tickets/{id}', methods: ['GET', 'PUT'] },
  {
    pattern: /^\/api\/tickets\/(\d+)\/messages$/,
    template: '/api/tickets/{id}/messages',
    methods: ['GET', 'POST']
  },
  {
    pattern: /^\/api\/tickets\/(\d+)\/tags$/,
    template: '/api/tickets/{id}/tags',
    methods: ['GET', 'POST', 'PUT', 'DELETE']
  },
  { pattern: /^\/api\/tags$/, template: '/api/tags', methods: ['GET', 'POST'] },
  { pattern: /^\/api\/customers\/(\d+)$/, template: '/api/customers/{id}', methods: ['GET'] },
  { pattern: /^\/api\/views$/, template: '/api/views', methods: ['GET'] },
  { pattern: /^\/api\/views\/(\d+)$/, template: '/api/views/{id}', methods: ['GET'] }
]

const DEFAULT_PAGE_LIMIT = 30
const MAX_PAGE_LIMIT = 100
const MAX_BODY_BYTES = 1024 * 1024
const FIRST_TICKET_ID = 1001
const FIRST_MESSAGE_ID = 50001
const FIRST_CUSTOMER_ID = 5001
const FIRST_TAG_ID = 1

const FIRSTNAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Sophia', 'Mateo', 'Mia', 'Ethan', 'Chloe',
  'Hugo', 'Léa', 'Jonas', 'Amara', 'Kenji', 'Nadia', 'Omar', 'Ines', 'Zoe', 'Felix', 'Hannah',
  'Diego', 'Aisha', 'Tom', 'Clara', 'Ravi', 'Julia', 'Marco', 'Sofia'
] // prettier-ignore
const LASTNAMES = [
  'Martin', 'Smith', 'Garcia', 'Müller', 'Dubois', 'Rossi', 'Kowalski', 'Nguyen', 'Brown',
  'Silva', 'Johansson', 'Tanaka', 'Okafor', 'Fischer', 'Moreau', 'Patel', 'Novak', 'Costa',
  'Wilson', 'Haddad', 'Larsen', 'Ivanova', 'Murphy'
] // prettier-ignore

export class GorgiasSimulator {
  readonly email: string
  readonly apiKey: string

  readonly #forbidden: boolean
  readonly #rateLimit: { limit: number; windowMs: number } | false
  readonly #latencyMs: number
  #now: () => Date

  #server: http.Server | null = null
  #baseUrl: string | null = null
  readonly #sockets = new Set<Socket>()
  /** Pending sleeps, released on stop so no handler outlives the server. */
  readonly #sleeps = new Map<NodeJS.Timeout, () => void>()

  readonly #tickets = new Map<number, Ticket>()
  readonly #messages = new Map<number, Message[]>()
  readonly #tags = new Map<number, Tag>()
  readonly #views = new Map<number, View>()
  readonly #agents = new Map<number, TicketUser>()
  readonly #customers = new Map<number, TicketUser>()
  /** Fields only the customer endpoint shows, e.g. `integrations` (Shopify orders and such). */
  readonly #customerData = new Map<number, Record<string, unknown>>()
  readonly #customerByEmail = new Map<string, number>()
  #nextTicketId = FIRST_TICKET_ID
  #nextMessageId = FIRST_MESSAGE_ID
  #nextCustomerId = FIRST_CUSTOMER_ID
  #nextTagId = FIRST_TAG_ID

  readonly #faults: Array<FaultRule & { left: number }> = []
  readonly #hooks: RequestHook[] = []
  readonly #log: RequestLogEntry[] = []
  #throttled = 0

  #level = 0
  #levelAt = performance.now()
  #peakLevel = 0

  constructor(opts: SimulatorOptions = {}) {
    this.email = opts.email ?? DEFAULT_EMAIL
    this.apiKey = opts.apiKey ?? DEFAULT_API_KEY
    this.#forbidden = opts.forbidden ?? false
    this.#rateLimit = opts.rateLimit ?? false
    if (this.#rateLimit !== false) {
      const { limit, windowMs } = this.#rateLimit
      if (!(limit >= 1) || !(windowMs > 0)) {
        throw new RangeError('rateLimit needs limit >= 1 and windowMs > 0')
      }
    }
    this.#latencyMs = opts.latencyMs ?? 0
    this.#now = opts.now ?? (() => new Date())
    this.#agents.set(API_USER_ID, {
      id: API_USER_ID,
      email: this.email,
      name: 'Jordan Blake',
      firstname: 'Jordan',
      lastname: 'Blake'
    })
    for (const a of AGENTS) {
      const [firstname = null, lastname = null] = a.name.split(' ')
      this.#agents.set(a.id, { ...a, firstname, lastname })
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listens on 127.0.0.1 (port 0 = any free port); resolves to the base URL ending in `/api`. */
  async start(port = 0): Promise<string> {
    if (this.#server) throw new Error('simulator already started')
    const server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        const msg = err instanceof Error ? err.message : String(err)
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' })
          res.end(JSON.stringify({ error: { msg: `simulator error: ${msg}` } }))
        }
      })
    })
    // Longer than any pause a paced client takes between requests (a 40/20 s bucket can make it
    // wait several seconds): Node's 5 s default closes idle keep-alive sockets under the client,
    // and a request racing that close fails with a reset nobody injected.
    server.keepAliveTimeout = 65_000
    server.headersTimeout = 66_000
    server.on('connection', socket => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    this.#server = server
    this.#baseUrl = `http://127.0.0.1:${address.port}/api`
    return this.#baseUrl
  }

  /** Closes the server and every open socket; pending delayed answers are dropped. */
  async stop(): Promise<void> {
    const server = this.#server
    if (!server) return
    this.#server = null
    for (const [timer, release] of this.#sleeps) {
      clearTimeout(timer)
      release()
    }
    this.#sleeps.clear()
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    await closed
  }

  get baseUrl(): string {
    if (this.#baseUrl === null) throw new Error('simulator not started: call start() first')
    return this.#baseUrl
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
    const { messages = [], tags, customer, ...fields } = input
    const id = fields.id ?? this.#nextTicketId
    if (!Number.isInteger(id) || id < 1) throw new RangeError(`bad ticket id ${id}`)
    if (this.#tickets.has(id)) throw new Error(`ticket ${id} already exists`)
    this.#nextTicketId = Math.max(this.#nextTicketId, id + 1)

    const firstPublic = messages.find(m => m.channel !== 'internal-note')
    const channel = fields.channel ?? firstPublic?.channel ?? 'email'
    const createdAt = fields.created_datetime ?? messages[0]?.created_datetime ?? this.#nowIso()
    const ticket: Ticket = {
      id,
      status: 'open',
      channel,
      via: CHANNELS[channel]?.via ?? 'api',
      subject: 'Question about my order',
      spam: false,
      customer: customer === null ? null : this.#upsertCustomer(customer ?? {}, true),
      assignee_user: null,
      assignee_team: null,
      tags: this.#resolveTagInputs(tags ?? []).tags,
      language: 'en',
      created_datetime: createdAt,
      opened_datetime: createdAt,
      updated_datetime: createdAt,
      last_message_datetime: null,
      last_received_message_datetime: null,
      closed_datetime: null,
      snooze_datetime: null,
      trashed_datetime: null,
      messages_count: 0,
      external_id: null,
      meta: {}
    }
    if (fields.subject !== undefined) ticket.subject = fields.subject
    this.#tickets.set(id, ticket)
    this.#messages.set(id, [])

    let nextAt = createdAt
    for (const m of messages) {
      const added = this.addMessage(id, { ...m, created_datetime: m.created_datetime ?? nextAt })
      nextAt = addMs(added.created_datetime, 60_000)
    }

    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) (ticket as unknown as Record<string, unknown>)[key] = value
    }
    if (ticket.status === 'closed' && fields.closed_datetime === undefined) {
      ticket.closed_datetime ??= ticket.last_message_datetime ?? ticket.created_datetime ?? null
    }
    return structuredClone(ticket)
  }

  /**
   * Adds a message with defaults that look like the real thing for its direction and channel (an
   * incoming customer email by default; `from_agent: true` makes an agent's outgoing reply,
   * `channel: 'internal-note'` an internal note), and updates the ticket like a POST would, using
   * the message's own created_datetime.
   */
  addMessage(ticketId: number, m: Partial<Message>): Message {
    const ticket = this.#tickets.get(ticketId)
    if (!ticket) throw new Error(`no ticket ${ticketId}`)
    const list = this.#messages.get(ticketId) ?? []
    const channel = m.channel ?? ticket.channel
    const isNote = channel === 'internal-note'
    const fromAgent = m.from_agent ?? isNote
    const id = m.id ?? this.#nextMessageId
    this.#nextMessageId = Math.max(this.#nextMessageId, id + 1)
    const createdAt = m.created_datetime ?? this.#nowIso()
    const customer = ticket.customer ?? this.#upsertCustomer({})
    const agent = this.#agents.get(AGENTS[0]?.id ?? API_USER_ID) ?? { id: API_USER_ID }
    const sender = m.sender ?? (fromAgent ? agent : customer)
    if (sender?.id !== undefined) {
      if (fromAgent) {
        if (!this.#agents.has(sender.id)) this.#agents.set(sender.id, { ...sender })
      } else {
        this.#upsertCustomer(sender)
      }
    }
    const info = CHANNELS[channel] ?? CHANNELS[ticket.channel] ?? CHANNELS.email
    const firstname = customer.firstname ?? 'there'
    const bodyText =
      m.body_text ??
      (isNote
        ? 'Checked with the warehouse, waiting for their answer.'
        : fromAgent
          ? `Hi ${firstname},\n\nThanks for reaching out. Could you send us your order number?\n\nBest,\n${sender?.name ?? 'Acme Support'}`
          : `Hello,\n\nI have a question about my order.\n\n${customer.name ?? ''}`.trim())
    const subject =
      m.subject !== undefined
        ? m.subject
        : channel === 'email'
          ? list.length === 0
            ? (ticket.subject ?? null)
            : `Re: ${ticket.subject ?? ''}`
          : null
    const message: Message = {
      id,
      ticket_id: ticketId,
      channel,
      via: fromAgent ? 'helpdesk' : (info?.via ?? 'api'),
      from_agent: fromAgent,
      public: !isNote,
      source: defaultSource(channel, fromAgent, customer, sender ?? agent),
      sender: sender ? { ...sender } : null,
      receiver:
        fromAgent && !isNote
          ? { id: customer.id, email: customer.email, name: customer.name }
          : null,
      integration_id: isNote ? null : (info?.integrationId ?? null),
      subject,
      body_text: bodyText,
      body_html: m.body_html ?? `<div>${escapeHtml(bodyText).replace(/\n/g, '<br>')}</div>`,
      stripped_text: m.stripped_text ?? bodyText,
      created_datetime: createdAt,
      sent_datetime: m.failed_datetime ? null : createdAt,
      failed_datetime: null,
      external_id: null
    }
    for (const [key, value] of Object.entries(m)) {
      if (value !== undefined) (message as unknown as Record<string, unknown>)[key] = value
    }
    message.id = id
    message.ticket_id = ticketId
    this.#record(ticket, list, message, maxIso(ticket.updated_datetime, message.created_datetime))
    return structuredClone(message)
  }

  /** Raw edit of a stored ticket (no validation, no bookkeeping): e.g. to make it malformed. */
  setTicket(id: number, patch: Partial<Ticket>): void {
    const ticket = this.#tickets.get(id)
    if (!ticket) throw new Error(`no ticket ${id}`)
    Object.assign(ticket, structuredClone(patch))
  }

  /** Deletes a ticket and its messages: the API answers 404 for it from now on. */
  deleteTicket(id: number): void {
    if (!this.#tickets.delete(id)) throw new Error(`no ticket ${id}`)
    this.#messages.delete(id)
  }

  /** Creates or replaces a view listing exactly these tickets (for `view_id`). */
  setView(viewId: number, ticketIds: number[], name = `View ${viewId}`): void {
    this.#views.set(viewId, { id: viewId, name, ticketIds: [...ticketIds] })
  }

  /** Creates an account tag (or returns the existing one with that name, any case). */
  addTag(name: string): Tag {
    return { ...this.#tagByName(name, true) }
  }

  ticket(id: number): Ticket | undefined {
    const t = this.#tickets.get(id)
    return t ? structuredClone(t) : undefined
  }

  /** The ticket's messages, oldest first (created_datetime, then id); [] for an unknown ticket. */
  messages(ticketId: number): Message[] {
    return structuredClone(sortMessages(this.#messages.get(ticketId) ?? []))
  }

  /** Every ticket (deleted ones excluded), by id. */
  tickets(): Ticket[] {
    return [...this.#tickets.values()].sort((a, b) => a.id - b.id).map(t => structuredClone(t))
  }

  tags(): Tag[] {
    return [...this.#tags.values()].sort((a, b) => a.id - b.id).map(t => ({ ...t }))
  }

  views(): View[] {
    return [...this.#views.values()].map(v => ({ ...v, ticketIds: [...v.ticketIds] }))
  }

  /** The API user (id 1, the key's owner) and the human agents. */
  agents(): TicketUser[] {
    return [...this.#agents.values()].map(a => ({ ...a }))
  }

  /**
   * Extra fields of a customer as GET /api/customers/{id} returns them, e.g. the `integrations`
   * object in which Gorgias keeps a Shopify customer's orders.
   */
  setCustomerData(customerId: number, data: Record<string, unknown>): void {
    if (!this.#customers.has(customerId)) throw new Error(`no customer ${customerId}`)
    this.#customerData.set(customerId, structuredClone(data))
  }

  /**
   * Time travel: moves every stored timestamp `hours` into the past, so that the account looks as
   * it will `hours` from now to a client that reads the real clock (the built action does).
   */
  age(hours: number): void {
    const shift = (value: string | null | undefined): string | null | undefined =>
      typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? new Date(Date.parse(value) - hours * 3_600_000).toISOString()
        : value
    const fields = (obj: object): void => {
      const record = obj as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (key.endsWith('_datetime')) record[key] = shift(record[key] as string | null | undefined)
      }
    }
    for (const ticket of this.#tickets.values()) fields(ticket)
    for (const list of this.#messages.values()) list.forEach(fields)
  }

  /** Changes the clock of server-side timestamps. */
  setClock(now: () => Date): void {
    this.#now = now
  }

  // ---------------------------------------------------------------- control API: faults, hooks, log

  /** Rules are matched in order; each is consumed by `times` (default 1). */
  injectFault(rule: FaultRule): void {
    const times = rule.times ?? 1
    if (!(times >= 1)) throw new RangeError('times must be >= 1')
    if (rule.fault.kind === 'status' && !(rule.fault.status >= 100 && rule.fault.status <= 599)) {
      throw new RangeError(`bad status ${rule.fault.status}`)
    }
    this.#faults.push({ ...rule, left: times })
  }

  clearFaults(): void {
    this.#faults.length = 0
  }

  /**
   * Runs before each request that passed auth and the rate limit is processed (and before any
   * injected fault); the request waits for it. Returns a function that removes the hook.
   */
  onRequest(hook: RequestHook): () => void {
    this.#hooks.push(hook)
    return () => {
      const i = this.#hooks.indexOf(hook)
      if (i >= 0) this.#hooks.splice(i, 1)
    }
  }

  /** Every request received, in arrival order, including 401/429 ones. Live array. */
  get log(): RequestLogEntry[] {
    return this.#log
  }

  /** Forgets the log and the counters (e.g. after seeding through the API). */
  clearLog(): void {
    this.#log.length = 0
    this.#throttled = 0
    this.#peakLevel = this.#currentLevel()
  }

  stats(): SimulatorStats {
    const byRoute: Record<string, number> = {}
    for (const e of this.#log) byRoute[e.route] = (byRoute[e.route] ?? 0) + 1
    return {
      requests: this.#log.length,
      byRoute,
      throttled: this.#throttled,
      writes: this.writes().length,
      peakLevel: Math.round(this.#peakLevel * 1000) / 1000
    }
  }

  /** Processed POST/PUT/DELETE requests that succeeded (status < 300), including reset-after-processing. */
  writes(): RequestLogEntry[] {
    return this.#log.filter(
      e =>
        e.processed &&
        e.status >= 200 &&
        e.status < 300 &&
        (e.method === 'POST' || e.method === 'PUT' || e.method === 'DELETE')
    )
  }

  /** Current level of the leaky bucket (0 when the rate limit is off). */
  rateLimitLevel(): number {
    return this.#currentLevel()
  }

  // ---------------------------------------------------------------- HTTP

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = (req.method ?? 'GET').toUpperCase()
    const path = url.pathname
    const raw = await readBody(req)
    let body: unknown = undefined
    let badJson = false
    if (raw !== null && raw.trim() !== '') {
      try {
        body = JSON.parse(raw) as unknown
      } catch {
        body = raw
        badJson = true
      }
    }
    const match = matchRoute(path)
    const entry: RequestLogEntry = {
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      status: 0,
      body,
      at: Date.now(),
      route: `${method} ${match?.route.template ?? '(unknown)'}`,
      processed: false
    }
    this.#log.push(entry)

    if (raw === null) {
      return this.#send(res, entry, errorResult(413, 'Request body too large'))
    }
    if (this.#latencyMs > 0) await this.#sleep(this.#latencyMs)

    const authError = this.#checkAuth(req.headers.authorization)
    if (authError !== null) {
      return this.#send(res, entry, {
        ...errorResult(401, authError),
        headers: { 'WWW-Authenticate': 'Basic realm="Gorgias API"' }
      })
    }

    const retryAfter = this.#admit()
    if (retryAfter !== null) {
      this.#throttled++
      const limit = this.#rateLimit === false ? 0 : this.#rateLimit.limit
      const windowS = this.#rateLimit === false ? 0 : this.#rateLimit.windowMs / 1000
      return this.#send(res, entry, {
        ...errorResult(
          429,
          `Too many requests: this account is limited to ${limit} API calls per ${windowS} seconds`
        ),
        headers: { 'Retry-After': String(retryAfter) }
      })
    }

    try {
      for (const hook of [...this.#hooks]) {
        await hook({ method, path, query: new URLSearchParams(url.searchParams), body })
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err)
      return this.#send(res, entry, errorResult(500, `simulator onRequest hook failed: ${msg}`))
    }

    const run = (): Result => {
      entry.processed = true
      try {
        if (badJson) throw new HttpError(400, 'Invalid JSON in request body')
        return this.#route(method, path, url.searchParams, body, match)
      } catch (err) {
        if (err instanceof HttpError) {
          return errorResult(err.status, err.message, err.data)
        }
        throw err
      }
    }

    const rule = this.#takeFault(method, path)
    if (rule) {
      entry.fault = rule.kind
      switch (rule.kind) {
        case 'status': {
          if (rule.status === 429) this.#throttled++
          const result: Result =
            rule.body === undefined
              ? errorResult(rule.status, http.STATUS_CODES[rule.status] ?? 'Error')
              : typeof rule.body === 'string'
                ? { status: rule.status, raw: rule.body }
                : { status: rule.status, body: rule.body }
          if (rule.retryAfter !== undefined) {
            result.headers = { ...result.headers, 'Retry-After': String(rule.retryAfter) }
          }
          return this.#send(res, entry, result)
        }
        case 'reset':
          entry.status = 0
          return resetSocket(req.socket)
        case 'reset-after-processing':
          entry.status = run().status
          return resetSocket(req.socket)
        case 'delay': {
          const result = run()
          await this.#sleep(rule.ms)
          return this.#send(res, entry, result)
        }
        case 'malformed':
          return this.#send(res, entry, { status: 200, raw: rule.body })
      }
    }
    return this.#send(res, entry, run())
  }

  #send(res: http.ServerResponse, entry: RequestLogEntry, result: Result): void {
    entry.status = result.status
    if (res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed) return
    const headers: Record<string, string> = {
      'X-Gorgias-Account-Api-Call-Limit': this.#limitHeader(),
      ...result.headers
    }
    let payload = ''
    if (result.raw !== undefined) payload = result.raw
    else if (result.body !== undefined && result.status !== 204) {
      payload = JSON.stringify(result.body)
    }
    if (payload !== '' || result.raw !== undefined) {
      headers['Content-Type'] = 'application/json; charset=utf-8'
    }
    res.writeHead(result.status, headers)
    res.end(payload)
  }

  #checkAuth(header: string | undefined): string | null {
    if (!header) return 'Authentication required: use HTTP Basic auth (email and API key)'
    const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
    if (!m?.[1]) return 'Invalid Authorization header: expected HTTP Basic auth'
    const decoded = Buffer.from(m[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return 'Invalid Authorization header: expected HTTP Basic auth'
    const user = decoded.slice(0, colon)
    const password = decoded.slice(colon + 1)
    if (user.toLowerCase() !== this.email.toLowerCase() || password !== this.apiKey) {
      return 'Invalid credentials'
    }
    return null
  }

  /** Leaky bucket: null when the request is admitted (level + 1), else seconds to wait. */
  #admit(): number | null {
    if (this.#rateLimit === false) return null
    const { limit, windowMs } = this.#rateLimit
    const level = this.#currentLevel()
    if (level + 1 > limit + 1e-9) {
      const waitMs = (level + 1 - limit) / (limit / windowMs)
      return Math.max(1, Math.ceil(waitMs / 1000))
    }
    this.#level = level + 1
    this.#peakLevel = Math.max(this.#peakLevel, this.#level)
    return null
  }

  #currentLevel(): number {
    if (this.#rateLimit === false) return 0
    const t = performance.now()
    const drained = ((t - this.#levelAt) * this.#rateLimit.limit) / this.#rateLimit.windowMs
    this.#level = Math.max(0, this.#level - drained)
    this.#levelAt = t
    return this.#level
  }

  #limitHeader(): string {
    // Unlimited still answers with Gorgias' API-key limit, as if the bucket were empty, so that
    // clients pacing by the header run at full speed in unit tests.
    if (this.#rateLimit === false) return '0/40'
    const used = Math.min(this.#rateLimit.limit, Math.ceil(this.#currentLevel() - 1e-9))
    return `${used}/${this.#rateLimit.limit}`
  }

  #takeFault(method: string, path: string): Fault | null {
    for (const rule of this.#faults) {
      if (rule.left <= 0) continue
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue
      if (rule.path !== undefined) {
        if (typeof rule.path === 'string') {
          if (rule.path !== path && `/api${rule.path}` !== path) continue
        } else {
          rule.path.lastIndex = 0
          if (!rule.path.test(path)) continue
        }
      }
      rule.left--
      return rule.fault
    }
    return null
  }

  #sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer)
        resolve()
      }, ms)
      this.#sleeps.set(timer, resolve)
    })
  }

  // ---------------------------------------------------------------- routes

  #route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    match: RouteMatch | null
  ): Result {
    if (!match) throw new HttpError(404, `Not found: ${method} ${path}`)
    if (query.has('page') || query.has('offset')) {
      throw new HttpError(
        400,
        'Offset pagination (page/offset) is no longer supported: use cursor pagination with limit and cursor',
        { [query.has('page') ? 'page' : 'offset']: ['Unknown parameter.'] }
      )
    }
    if (!match.route.methods.includes(method)) {
      return {
        ...errorResult(405, `Method ${method} not allowed on ${match.route.template}`),
        headers: { Allow: match.route.methods.join(', ') }
      }
    }
    if (this.#forbidden) {
      throw new HttpError(403, 'Forbidden: this API key lacks the permission for this request')
    }
    const id = match.id
    switch (`${method} ${match.route.template}`) {
      case 'GET /api/tickets':
        return this.#listTickets(query)
      case 'GET /api/tickets/{id}':
        return { status: 200, body: this.#ticketOut(this.#getTicket(id)) }
      case 'PUT /api/tickets/{id}':
        return this.#updateTicket(id, body)
      case 'GET /api/tickets/{id}/messages':
        return this.#listMessages(id, query)
      case 'POST /api/tickets/{id}/messages':
        return this.#createMessage(id, body)
      case 'GET /api/tickets/{id}/tags':
        return { status: 200, body: wholePage(this.#ticketTags(this.#getTicket(id))) }
      case 'POST /api/tickets/{id}/tags':
      case 'PUT /api/tickets/{id}/tags':
      case 'DELETE /api/tickets/{id}/tags':
        return this.#changeTicketTags(method, id, body)
      case 'GET /api/tags':
        return this.#listTags(query)
      case 'POST /api/tags':
        return this.#createTag(body)
      case 'GET /api/customers/{id}': {
        const customer = this.#customers.get(id)
        if (!customer) throw new HttpError(404, 'Customer not found')
        return {
          status: 200,
          body: { ...customer, ...structuredClone(this.#customerData.get(id) ?? {}) }
        }
      }
      case 'GET /api/views':
        return this.#listViews(query)
      case 'GET /api/views/{id}': {
        const view = this.#views.get(id)
        if (!view) throw new HttpError(404, 'View not found')
        return { status: 200, body: viewOut(view) }
      }
    }
    throw new HttpError(404, `Not found: ${method} ${path}`)
  }

  #getTicket(id: number): Ticket {
    const ticket = this.#tickets.get(id)
    if (!ticket) throw new HttpError(404, 'Ticket not found')
    return ticket
  }

  #ticketOut(t: Ticket): Ticket {
    const out = structuredClone(t) as Ticket & { messages?: unknown }
    delete out.messages
    return out
  }

  #ticketTags(t: Ticket): Tag[] {
    return Array.isArray(t.tags) ? t.tags.map(tag => ({ ...tag })) : []
  }

  #listTickets(query: URLSearchParams): Result {
    const limit = parseLimit(query)
    const orderBy = query.get('order_by') ?? 'created_datetime:desc'
    const order = /^(created_datetime|updated_datetime):(asc|desc)$/.exec(orderBy)
    if (!order) {
      throw new HttpError(400, 'Validation error', {
        order_by: [
          'Must be one of: created_datetime:asc, created_datetime:desc, updated_datetime:asc, updated_datetime:desc.'
        ]
      })
    }
    const field = order[1] as 'created_datetime' | 'updated_datetime'
    const direction = order[2] === 'asc' ? 1 : -1

    let list = [...this.#tickets.values()]
    const fingerprint = [`tickets`, orderBy]
    const viewParam = query.get('view_id')
    if (viewParam !== null) {
      const viewId = parseId(viewParam, 'view_id')
      const view = this.#views.get(viewId)
      if (!view) throw new HttpError(404, 'View not found')
      const inView = new Set(view.ticketIds)
      list = list.filter(t => inView.has(t.id))
      fingerprint.push(`view=${viewId}`)
    }
    const customerParam = query.get('customer_id')
    if (customerParam !== null) {
      const customerId = parseId(customerParam, 'customer_id')
      list = list.filter(t => t.customer?.id === customerId)
      fingerprint.push(`customer=${customerId}`)
    }
    const idsParams = query.getAll('ticket_ids')
    if (idsParams.length > 0) {
      const ids = idsParams
        .flatMap(p => p.split(','))
        .map(s => s.trim())
        .filter(s => s !== '')
        .map(s => parseId(s, 'ticket_ids'))
      const wanted = new Set(ids)
      list = list.filter(t => wanted.has(t.id))
      fingerprint.push(`ids=${[...wanted].sort((a, b) => a - b).join(',')}`)
    }
    const externalId = query.get('external_id')
    if (externalId !== null) {
      list = list.filter(t => t.external_id === externalId)
      fingerprint.push(`external=${externalId}`)
    }

    const page = paginate(
      list,
      t => ({ k: timeKey(t[field]), id: t.id }),
      (a, b) => direction * comparePositions(a, b),
      fingerprint.join('|'),
      limit,
      query.get('cursor')
    )
    return { status: 200, body: { ...page, data: page.data.map(t => this.#ticketOut(t)) } }
  }

  #updateTicket(id: number, body: unknown): Result {
    const ticket = this.#getTicket(id)
    const input = requireObject(body)
    const errors: Errors = {}
    const patch: Partial<Ticket> = {}
    let newTags: Tag[] | null = null

    if ('status' in input) {
      if (input.status === 'open' || input.status === 'closed') patch.status = input.status
      else addError(errors, 'status', 'Must be one of: open, closed.')
    }
    for (const key of ['snooze_datetime', 'trashed_datetime'] as const) {
      if (!(key in input)) continue
      const v = input[key]
      if (v === null || (typeof v === 'string' && timeKey(v) !== null)) patch[key] = v
      else addError(errors, key, 'Not a valid datetime.')
    }
    for (const key of ['subject', 'language', 'external_id'] as const) {
      if (!(key in input)) continue
      const v = input[key]
      if (v === null || typeof v === 'string') patch[key] = v
      else addError(errors, key, 'Not a valid string.')
    }
    if ('spam' in input) {
      if (typeof input.spam === 'boolean') patch.spam = input.spam
      else addError(errors, 'spam', 'Not a valid boolean.')
    }
    if ('meta' in input) {
      if (input.meta === null || isRecord(input.meta)) patch.meta = input.meta
      else addError(errors, 'meta', 'Not a valid object.')
    }
    if ('assignee_user' in input) {
      const v = input.assignee_user
      if (v === null) patch.assignee_user = null
      else {
        const user = isRecord(v) ? this.#findUser(this.#agents, v) : undefined
        if (user) patch.assignee_user = { ...user }
        else addError(errors, 'assignee_user', 'No user matches this id or email.')
      }
    }
    if ('assignee_team' in input) {
      const v = input.assignee_team
      if (v === null) patch.assignee_team = null
      else if (isRecord(v) && isPositiveInt(v.id)) {
        patch.assignee_team = { id: v.id, ...(typeof v.name === 'string' ? { name: v.name } : {}) }
      } else addError(errors, 'assignee_team', 'Expected {"id": number} or null.')
    }
    if ('tags' in input) {
      // The real API's documented danger: tags in a ticket PUT replace the whole set.
      const v = input.tags
      if (!Array.isArray(v)) addError(errors, 'tags', 'Not a valid list.')
      else {
        const items: Array<{ id?: number; name?: string }> = []
        v.forEach((item: unknown, i) => {
          if (isRecord(item) && (typeof item.name === 'string' || isPositiveInt(item.id))) {
            items.push({
              ...(isPositiveInt(item.id) ? { id: item.id } : {}),
              ...(typeof item.name === 'string' ? { name: item.name } : {})
            })
          } else addError(errors, `tags.${i}`, 'Expected {"name": string} or {"id": number}.')
        })
        const resolved = this.#resolveTagInputs(items, false)
        for (const e of resolved.errors) addError(errors, 'tags', e)
        newTags = resolved.tags
      }
    }
    if (Object.keys(errors).length > 0) throw new HttpError(400, 'Validation error', errors)

    const now = this.#nowIso()
    if (newTags) ticket.tags = newTags
    const wasClosed = ticket.status === 'closed'
    Object.assign(ticket, patch)
    if (patch.status === 'closed' && (!wasClosed || !ticket.closed_datetime)) {
      ticket.closed_datetime = now
    } else if (patch.status === 'open') {
      ticket.closed_datetime = null
    }
    ticket.updated_datetime = now
    return { status: 200, body: this.#ticketOut(ticket) }
  }

  #listMessages(id: number, query: URLSearchParams): Result {
    const ticket = this.#getTicket(id)
    const limit = parseLimit(query)
    const page = paginate(
      this.#messages.get(ticket.id) ?? [],
      m => ({ k: timeKey(m.created_datetime), id: m.id }),
      comparePositions,
      `messages|${ticket.id}`,
      limit,
      query.get('cursor')
    )
    return { status: 200, body: { ...page, data: page.data.map(m => structuredClone(m)) } }
  }

  #createMessage(ticketId: number, body: unknown): Result {
    const ticket = this.#getTicket(ticketId)
    const input = requireObject(body)
    const errors: Errors = {}
    const missing = 'Missing data for required field.'

    const channel = input.channel
    if (channel === undefined || channel === null || channel === '') {
      addError(errors, 'channel', missing)
    } else if (typeof channel !== 'string' || !KNOWN_CHANNELS.has(channel)) {
      addError(errors, 'channel', `Must be one of: ${[...KNOWN_CHANNELS].join(', ')}.`)
    }
    if (input.via === undefined || input.via === null || input.via === '') {
      addError(errors, 'via', missing)
    } else if (typeof input.via !== 'string') addError(errors, 'via', 'Not a valid string.')
    if (input.from_agent === undefined || input.from_agent === null) {
      addError(errors, 'from_agent', missing)
    } else if (typeof input.from_agent !== 'boolean') {
      addError(errors, 'from_agent', 'Not a valid boolean.')
    }
    const fromAgent = input.from_agent === true
    const isNote = channel === 'internal-note'
    const outgoing = fromAgent && !isNote

    const source = input.source
    if (source === undefined || source === null) addError(errors, 'source', missing)
    else if (!isRecord(source)) addError(errors, 'source', 'Not a valid object.')
    else {
      if (typeof source.type !== 'string' || source.type === '') {
        addError(errors, 'source.type', missing)
      }
      if (source.from !== undefined && source.from !== null && !isAddress(source.from)) {
        addError(errors, 'source.from.address', 'Not a valid address.')
      }
      for (const key of ['to', 'cc', 'bcc'] as const) {
        const list = source[key]
        if (list === undefined || list === null) continue
        if (!Array.isArray(list)) addError(errors, `source.${key}`, 'Not a valid list.')
        else {
          list.forEach((a: unknown, i) => {
            if (!isAddress(a))
              addError(errors, `source.${key}.${i}.address`, 'Not a valid address.')
          })
        }
      }
      if (outgoing) {
        if (!Array.isArray(source.to) || source.to.length === 0) {
          addError(errors, 'source.to', 'An outgoing message needs at least one recipient.')
        }
        const from = source.from
        if (!isAddress(from)) {
          addError(errors, 'source.from.address', missing)
        } else if (channel === 'email' && !isSupportAddress(from.address)) {
          addError(
            errors,
            'source.from.address',
            `No email integration sends from ${from.address}.`
          )
        }
      }
    }

    let sender: TicketUser | undefined
    if (input.sender === undefined || input.sender === null) addError(errors, 'sender', missing)
    else if (!isUserRef(input.sender)) {
      addError(errors, 'sender', 'Expected {"id": number} or {"email": string}.')
    } else if (fromAgent) {
      sender = this.#findUser(this.#agents, input.sender)
      if (!sender) addError(errors, 'sender', 'No user matches this id or email.')
    } else if (isPositiveInt(input.sender.id) && !this.#customers.has(input.sender.id)) {
      addError(errors, 'sender', 'No customer matches this id.')
    }

    if (input.receiver !== undefined && input.receiver !== null && !isUserRef(input.receiver)) {
      addError(errors, 'receiver', 'Expected {"id": number} or {"email": string}.')
    } else if (outgoing && (input.receiver === undefined || input.receiver === null)) {
      addError(errors, 'receiver', missing)
    } else if (
      isUserRef(input.receiver) &&
      isPositiveInt(input.receiver.id) &&
      typeof input.receiver.email !== 'string' &&
      !this.#customers.has(input.receiver.id) &&
      !this.#agents.has(input.receiver.id)
    ) {
      addError(errors, 'receiver', 'No customer matches this id.')
    }

    const texts = ['body_text', 'body_html'] as const
    for (const key of texts) {
      const v = input[key]
      if (v !== undefined && v !== null && typeof v !== 'string') {
        addError(errors, key, 'Not a valid string.')
      }
    }
    if (!texts.some(k => typeof input[k] === 'string' && input[k].trim() !== '')) {
      addError(errors, 'body_text', 'Either body_text or body_html is required.')
    }
    if (input.public !== undefined && typeof input.public !== 'boolean') {
      addError(errors, 'public', 'Not a valid boolean.')
    }
    for (const key of ['external_id', 'subject', 'stripped_text'] as const) {
      const v = input[key]
      if (v !== undefined && v !== null && typeof v !== 'string') {
        addError(errors, key, 'Not a valid string.')
      }
    }
    if (input.integration_id !== undefined && input.integration_id !== null) {
      if (!INTEGRATIONS.some(i => i.id === input.integration_id)) {
        addError(errors, 'integration_id', 'No integration matches this id.')
      }
    }
    for (const key of ['sent_datetime', 'created_datetime'] as const) {
      const v = input[key]
      if (v !== undefined && v !== null && (typeof v !== 'string' || timeKey(v) === null)) {
        addError(errors, key, 'Not a valid datetime.')
      }
    }
    if (Object.keys(errors).length > 0) throw new HttpError(400, 'Validation error', errors)

    // Validated: build the message as Gorgias stores it.
    const senderRef = input.sender as Record<string, unknown>
    const resolvedSender: TicketUser = fromAgent
      ? { ...(sender as TicketUser) }
      : { ...this.#upsertCustomer(userRefToPartial(senderRef)) }
    const receiverRef = isUserRef(input.receiver) ? input.receiver : null
    const resolvedReceiver: TicketUser | null =
      receiverRef === null
        ? null
        : isPositiveInt(receiverRef.id) && this.#agents.has(receiverRef.id)
          ? { ...(this.#agents.get(receiverRef.id) as TicketUser) }
          : { ...this.#upsertCustomer(userRefToPartial(receiverRef)) }
    const now = this.#nowIso()
    const message: Message = {
      ...(structuredClone(input) as Partial<Message>),
      id: this.#nextMessageId++,
      ticket_id: ticket.id,
      channel: channel as string,
      via: input.via as string,
      from_agent: fromAgent,
      public: typeof input.public === 'boolean' ? input.public : !isNote,
      source: structuredClone(source) as MessageSource,
      sender: pickUser(resolvedSender),
      receiver: resolvedReceiver ? pickUser(resolvedReceiver) : null,
      integration_id: typeof input.integration_id === 'number' ? input.integration_id : null,
      subject: typeof input.subject === 'string' ? input.subject : null,
      body_text: typeof input.body_text === 'string' ? input.body_text : null,
      body_html: typeof input.body_html === 'string' ? input.body_html : null,
      stripped_text:
        typeof input.stripped_text === 'string'
          ? input.stripped_text
          : typeof input.body_text === 'string'
            ? input.body_text
            : null,
      created_datetime: typeof input.created_datetime === 'string' ? input.created_datetime : now,
      // As documented: a message posted with sent_datetime is recorded as already sent (imports).
      sent_datetime: typeof input.sent_datetime === 'string' ? input.sent_datetime : now,
      failed_datetime: null,
      external_id: typeof input.external_id === 'string' ? input.external_id : null
    }
    const list = this.#messages.get(ticket.id) ?? []
    this.#record(ticket, list, message, now)
    return { status: 201, body: structuredClone(message) }
  }

  /** Stores a message and does the ticket bookkeeping Gorgias does on a new message. */
  #record(ticket: Ticket, list: Message[], message: Message, updatedAt: string): void {
    list.push(message)
    this.#messages.set(ticket.id, list)
    ticket.messages_count = list.length
    ticket.last_message_datetime = maxIso(ticket.last_message_datetime, message.created_datetime)
    if (!message.from_agent && message.public !== false) {
      ticket.last_received_message_datetime = maxIso(
        ticket.last_received_message_datetime,
        message.created_datetime
      )
      // A customer writing again reopens (and unsnoozes) the ticket, as in Gorgias.
      if (ticket.status === 'closed') {
        ticket.status = 'open'
        ticket.closed_datetime = null
      }
      ticket.snooze_datetime = null
    }
    ticket.updated_datetime = updatedAt
  }

  #changeTicketTags(method: string, id: number, body: unknown): Result {
    const ticket = this.#getTicket(id)
    const input = requireObject(body)
    const errors: Errors = {}
    const ids: number[] = []
    const names: string[] = []
    if (input.ids !== undefined) {
      if (!Array.isArray(input.ids)) addError(errors, 'ids', 'Not a valid list.')
      else {
        input.ids.forEach((v: unknown, i) => {
          if (isPositiveInt(v)) ids.push(v)
          else addError(errors, `ids.${i}`, 'Not a valid integer.')
        })
      }
    }
    if (input.names !== undefined) {
      if (!Array.isArray(input.names)) addError(errors, 'names', 'Not a valid list.')
      else {
        input.names.forEach((v: unknown, i) => {
          if (typeof v === 'string' && v.trim() !== '') names.push(v.trim())
          else addError(errors, `names.${i}`, 'Not a valid tag name.')
        })
      }
    }
    if (input.ids === undefined && input.names === undefined) {
      addError(errors, 'ids', 'Give the tags as "ids" and/or "names".')
    } else if (method !== 'PUT' && ids.length === 0 && names.length === 0) {
      addError(errors, 'ids', 'Give at least one tag.')
    }
    const unknown = ids.filter(i => !this.#tags.has(i))
    if (unknown.length > 0) addError(errors, 'ids', `Unknown tag id(s): ${unknown.join(', ')}.`)
    if (Object.keys(errors).length > 0) throw new HttpError(400, 'Validation error', errors)

    const current = this.#ticketTags(ticket)
    let next: Tag[]
    if (method === 'DELETE') {
      const dropIds = new Set(ids)
      const dropNames = new Set(names.map(n => n.toLowerCase()))
      next = current.filter(t => !dropIds.has(t.id) && !dropNames.has(t.name.toLowerCase()))
    } else {
      const given = [
        ...ids.map(i => this.#tags.get(i) as Tag),
        ...names.map(n => this.#tagByName(n, true))
      ]
      next = method === 'PUT' ? [] : [...current]
      for (const tag of given) {
        if (!next.some(t => t.id === tag.id)) next.push({ ...tag })
      }
    }
    const changed = next.length !== current.length || next.some((t, i) => t.id !== current[i]?.id)
    if (changed) {
      ticket.tags = next
      ticket.updated_datetime = this.#nowIso()
    }
    if (method === 'DELETE') return { status: 204 }
    return { status: method === 'POST' ? 201 : 200, body: wholePage(this.#ticketTags(ticket)) }
  }

  #listTags(query: URLSearchParams): Result {
    const limit = parseLimit(query)
    const page = paginate(
      [...this.#tags.values()],
      t => ({ k: null, id: t.id }),
      comparePositions,
      'tags',
      limit,
      query.get('cursor')
    )
    return { status: 200, body: { ...page, data: page.data.map(t => ({ ...t })) } }
  }

  #createTag(body: unknown): Result {
    const input = requireObject(body)
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (name === '') throw new HttpError(400, 'Validation error', { name: ['Missing data for required field.'] }) // prettier-ignore
    if (this.#findTagByName(name)) {
      throw new HttpError(400, 'Validation error', { name: ['A tag with this name already exists.'] }) // prettier-ignore
    }
    return { status: 201, body: { ...this.#tagByName(name, true) } }
  }

  #listViews(query: URLSearchParams): Result {
    const limit = parseLimit(query)
    const page = paginate(
      [...this.#views.values()],
      v => ({ k: null, id: v.id }),
      comparePositions,
      'views',
      limit,
      query.get('cursor')
    )
    return { status: 200, body: { ...page, data: page.data.map(viewOut) } }
  }

  // ---------------------------------------------------------------- helpers on state

  #nowIso(): string {
    return this.#now().toISOString()
  }

  #findTagByName(name: string): Tag | undefined {
    const lower = name.trim().toLowerCase()
    for (const tag of this.#tags.values()) {
      if (tag.name.toLowerCase() === lower) return tag
    }
    return undefined
  }

  #tagByName(name: string, create: boolean): Tag {
    const found = this.#findTagByName(name)
    if (found) return found
    if (!create) throw new Error(`no tag ${name}`)
    const tag = { id: this.#nextTagId++, name: name.trim() }
    this.#tags.set(tag.id, tag)
    return tag
  }

  /**
   * Tag references to account tags: by id when known, else by name (any case), creating unknown
   * names. An unknown id without a name is an error (addTicket creates it with that id instead
   * when `allowNewIds`).
   */
  #resolveTagInputs(
    items: Array<{ id?: number; name?: string }>,
    allowNewIds = true
  ): { tags: Tag[]; errors: string[] } {
    const tags: Tag[] = []
    const errors: string[] = []
    for (const item of items) {
      let tag: Tag | undefined
      if (item.id !== undefined && this.#tags.has(item.id)) tag = this.#tags.get(item.id)
      else if (item.name !== undefined && item.name.trim() !== '') {
        tag = this.#findTagByName(item.name)
        if (!tag && item.id !== undefined && allowNewIds) {
          tag = { id: item.id, name: item.name.trim() }
          this.#tags.set(tag.id, tag)
          this.#nextTagId = Math.max(this.#nextTagId, tag.id + 1)
        }
        tag ??= this.#tagByName(item.name, true)
      } else {
        errors.push(`Unknown tag id ${item.id}.`)
      }
      if (tag && !tags.some(t => t.id === tag.id)) tags.push({ ...tag })
    }
    return { tags, errors }
  }

  #findUser(users: Map<number, TicketUser>, ref: Record<string, unknown>): TicketUser | undefined {
    if (isPositiveInt(ref.id)) return users.get(ref.id)
    if (typeof ref.email === 'string') {
      const email = ref.email.toLowerCase()
      for (const u of users.values()) if (u.email?.toLowerCase() === email) return u
    }
    return undefined
  }

  /**
   * The customer with this id or email, created (with a generated name) when unknown; `update`
   * (control API only) overwrites a known customer's fields with the given ones.
   */
  #upsertCustomer(partial: Partial<TicketUser>, update = false): TicketUser {
    const byEmail = (email: string | null | undefined): TicketUser | undefined => {
      const id = email ? this.#customerByEmail.get(email.toLowerCase()) : undefined
      return id === undefined ? undefined : this.#customers.get(id)
    }
    const known =
      partial.id !== undefined ? this.#customers.get(partial.id) : byEmail(partial.email)
    if (known) {
      if (update) {
        const fields = known as unknown as Record<string, unknown>
        for (const [key, value] of Object.entries(partial)) {
          if (value !== undefined && key !== 'id') fields[key] = value
        }
        if (known.email) this.#customerByEmail.set(known.email.toLowerCase(), known.id)
      }
      return { ...known }
    }
    const id = partial.id ?? this.#nextCustomerId
    this.#nextCustomerId = Math.max(this.#nextCustomerId, id + 1)
    const n = id - FIRST_CUSTOMER_ID
    const i = ((n % FIRSTNAMES.length) + FIRSTNAMES.length) % FIRSTNAMES.length
    const j = ((n % LASTNAMES.length) + LASTNAMES.length) % LASTNAMES.length
    const generated =
      !partial.email && partial.name === undefined && partial.firstname === undefined
    const firstname =
      partial.firstname !== undefined
        ? partial.firstname
        : generated
          ? (FIRSTNAMES[i] ?? null)
          : null
    const lastname =
      partial.lastname !== undefined ? partial.lastname : generated ? (LASTNAMES[j] ?? null) : null
    const name =
      partial.name !== undefined
        ? partial.name
        : [firstname, lastname].filter(Boolean).join(' ') || null
    const email =
      partial.email !== undefined
        ? partial.email
        : `${asciiSlug(firstname ?? 'customer')}.${asciiSlug(lastname ?? String(id))}${n >= FIRSTNAMES.length ? n : ''}@example.com`
    const customer: TicketUser = { id, email, name, firstname, lastname }
    this.#customers.set(id, customer)
    if (email) this.#customerByEmail.set(email.toLowerCase(), id)
    return { ...customer }
  }
}

// ------------------------------------------------------------------ pure helpers

interface RouteMatch {
  route: (typeof ROUTES)[number]
  id: number
}

function matchRoute(path: string): RouteMatch | null {
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path
  for (const route of ROUTES) {
    const m = route.pattern.exec(normalized)
    if (m) return { route, id: m[1] === undefined ? 0 : Number(m[1]) }
  }
  return null
}

async function readBody(req: http.IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = false
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) tooLarge = true
    else chunks.push(chunk)
  }
  return tooLarge ? null : Buffer.concat(chunks).toString('utf8')
}

function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
}

function isSupportAddress(address: string): boolean {
  const lower = address.trim().toLowerCase()
  return INTEGRATIONS.some(i => i.type === 'email' && i.address.toLowerCase() === lower)
}

function errorResult(status: number, msg: string, data?: Errors): Result {
  return { status, body: { error: data === undefined ? { msg } : { msg, data } } }
}

function addError(errors: Errors, field: string, msg: string): void {
  ;(errors[field] ??= []).push(msg)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0
}

function isAddress(v: unknown): v is { address: string; name?: unknown } {
  return isRecord(v) && typeof v.address === 'string' && v.address.trim() !== ''
}

function isUserRef(v: unknown): v is Record<string, unknown> & { id?: unknown; email?: unknown } {
  return (
    isRecord(v) &&
    (isPositiveInt(v.id) || (typeof v.email === 'string' && /^[^@\s]+@[^@\s]+$/.test(v.email)))
  )
}

function userRefToPartial(ref: Record<string, unknown>): Partial<TicketUser> {
  const out: Partial<TicketUser> = {}
  if (isPositiveInt(ref.id)) out.id = ref.id
  if (typeof ref.email === 'string') out.email = ref.email
  if (typeof ref.name === 'string') out.name = ref.name
  return out
}

function pickUser(u: TicketUser): TicketUser {
  return { id: u.id, email: u.email ?? null, name: u.name ?? null }
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw new HttpError(400, 'The request body must be a JSON object')
  return body
}

function parseLimit(query: URLSearchParams): number {
  const raw = query.get('limit')
  if (raw === null) return DEFAULT_PAGE_LIMIT
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= MAX_PAGE_LIMIT)) {
    throw new HttpError(400, 'Validation error', {
      limit: [`Must be an integer between 1 and ${MAX_PAGE_LIMIT}.`]
    })
  }
  return n
}

function parseId(raw: string, field: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN
  if (!isPositiveInt(n)) throw new HttpError(400, 'Validation error', { [field]: ['Not a valid integer.'] }) // prettier-ignore
  return n
}

/** Milliseconds since the epoch, or null for a missing or unparseable timestamp. */
function timeKey(v: unknown): number | null {
  if (typeof v !== 'string') return null
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : t
}

function maxIso(a: string | null | undefined, b: string): string {
  const ka = timeKey(a)
  const kb = timeKey(b)
  if (ka === null || typeof a !== 'string') return b
  if (kb === null) return a
  return kb >= ka ? b : a
}

function addMs(iso: string, ms: number): string {
  const t = timeKey(iso)
  return t === null ? iso : new Date(t + ms).toISOString()
}

/** Missing keys sort first; ties by id. */
function comparePositions(a: Position, b: Position): number {
  if (a.k !== b.k) {
    if (a.k === null) return -1
    if (b.k === null) return 1
    return a.k - b.k
  }
  return a.id - b.id
}

function sortMessages(list: Message[]): Message[] {
  return [...list].sort((a, b) =>
    comparePositions(
      { k: timeKey(a.created_datetime), id: a.id },
      { k: timeKey(b.created_datetime), id: b.id }
    )
  )
}

function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url')
}

function decodeCursor(raw: string, fingerprint: string): CursorState {
  const bad = new HttpError(400, 'Invalid cursor', { cursor: ['Not a valid cursor.'] })
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    throw bad
  }
  if (
    !isRecord(parsed) ||
    (parsed.d !== 'next' && parsed.d !== 'prev') ||
    typeof parsed.q !== 'string' ||
    !(parsed.k === null || (typeof parsed.k === 'number' && Number.isFinite(parsed.k))) ||
    typeof parsed.id !== 'number' ||
    !Number.isInteger(parsed.id)
  ) {
    throw bad
  }
  const cursor: CursorState = { q: parsed.q, d: parsed.d, k: parsed.k, id: parsed.id }
  if (encodeCursor(cursor) !== raw) throw bad
  if (cursor.q !== fingerprint) {
    throw new HttpError(400, 'Invalid cursor: it belongs to a different query', {
      cursor: ['Pass the same order_by and filters with the cursor as on the first page.']
    })
  }
  return cursor
}

/**
 * Keyset pagination: a cursor is the (sort key, id) of the item it continues from, so edits or
 * deletions between pages never make an untouched item be skipped or repeated.
 */
function paginate<T>(
  items: T[],
  positionOf: (item: T) => Position,
  compare: (a: Position, b: Position) => number,
  fingerprint: string,
  limit: number,
  rawCursor: string | null
): Page<T> & { meta: { prev_cursor: string | null } } {
  const sorted = items
    .map(item => ({ item, pos: positionOf(item) }))
    .sort((a, b) => compare(a.pos, b.pos))
  let start = 0
  let end = Math.min(limit, sorted.length)
  if (rawCursor !== null) {
    const cursor = decodeCursor(rawCursor, fingerprint)
    if (cursor.d === 'next') {
      start = sorted.findIndex(e => compare(e.pos, cursor) > 0)
      if (start < 0) start = sorted.length
      end = Math.min(start + limit, sorted.length)
    } else {
      end = sorted.findIndex(e => compare(e.pos, cursor) >= 0)
      if (end < 0) end = sorted.length
      start = Math.max(0, end - limit)
    }
  }
  const page = sorted.slice(start, end)
  const first = page[0]
  const last = page[page.length - 1]
  const cursorAt = (pos: Position, d: 'next' | 'prev'): string =>
    encodeCursor({ q: fingerprint, d, k: pos.k, id: pos.id })
  return {
    data: page.map(e => e.item),
    meta: {
      next_cursor: last && end < sorted.length ? cursorAt(last.pos, 'next') : null,
      prev_cursor: first && start > 0 ? cursorAt(first.pos, 'prev') : null
    }
  }
}

function wholePage<T>(data: T[]): Page<T> {
  return { data, meta: { next_cursor: null, prev_cursor: null } }
}

function viewOut(v: View): Record<string, unknown> {
  return { id: v.id, name: v.name, type: 'ticket-list', slug: asciiSlug(v.name) }
}

function defaultSource(
  channel: string,
  fromAgent: boolean,
  customer: TicketUser,
  agent: TicketUser
): MessageSource {
  const info = CHANNELS[channel]
  const type = info?.sourceType ?? channel
  if (channel === 'internal-note') {
    return { type, from: { name: agent.name ?? null, address: agent.email ?? '' } }
  }
  const integration = INTEGRATIONS.find(i => i.id === info?.integrationId)
  const company = { name: integration?.name ?? SUPPORT_NAME, address: integration?.address ?? SUPPORT_ADDRESS } // prettier-ignore
  const customerAddress =
    channel === 'sms'
      ? `+1555${String(customer.id).padStart(7, '0')}`
      : channel === 'facebook' || channel === 'facebook-messenger'
        ? `fb-${customer.id}`
        : (customer.email ?? `customer-${customer.id}@example.com`)
  const person = { name: customer.name ?? null, address: customerAddress }
  return fromAgent ? { type, from: company, to: [person] } : { type, from: person, to: [company] }
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

function asciiSlug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}
