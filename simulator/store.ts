/**
 * The simulated account's state (tickets, their messages, tags, views, users, customers) and the
 * bookkeeping Gorgias does on it: a new message updates its ticket's counters and timestamps, a
 * customer writing reopens a closed ticket. Routes and the control API both go through here.
 *
 * Objects are returned by reference: the facade (server.ts) clones what leaves the simulator.
 * Threads are read through thread()/threads(), which build the messages of a seeded history
 * ticket on first read.
 */
import type { Message, Tag, Ticket, TicketUser } from '../src/gorgias/types.js'
import {
  AGENTS,
  API_USER_ID,
  API_USER_NAME,
  BUSINESS_HOURS_SETTING,
  CHANNELS,
  FIRSTNAMES,
  INTEGRATIONS,
  LASTNAMES,
  MACROS,
  type Integration
} from './account.js'
import { comparePositions } from './cursor.js'
import { messageKind, newMessage, type ThreadOwner } from './newMessage.js'
import { HttpError } from './results.js'
import type { TicketInput, View } from './types.js'
import { addMs, asciiSlug, isPositiveInt, maxIso, timeKey } from './values.js'

const FIRST_TICKET_ID = 1001
const FIRST_MESSAGE_ID = 50001
const FIRST_CUSTOMER_ID = 5001
const FIRST_TAG_ID = 1

type MessageInput = Partial<Message> & { id: number; created_datetime: string }

/** A thread whose messages are made when first read (see addTicket's `threadOnRead`). */
interface UnbuiltThread {
  owner: ThreadOwner
  inputs: MessageInput[]
}

const stores = new WeakMap<object, Store>()

/** The store behind a simulator, for the simulator's own modules (the seed writes through it). */
export function storeOf(owner: object): Store {
  const store = stores.get(owner)
  if (!store) throw new Error('not a GorgiasSimulator')
  return store
}

export class Store {
  now: () => Date

  readonly tickets = new Map<number, Ticket>()
  /** Per ticket, in insertion order; sortedMessages() gives the thread order. */
  readonly #threads = new Map<number, Message[]>()
  readonly #unbuilt = new Map<number, UnbuiltThread>()
  readonly tags = new Map<number, Tag>()
  readonly views = new Map<number, View>()
  readonly agents = new Map<number, TicketUser>()
  /** The account's integrations (`GET /api/integrations`), seeded from account.ts. */
  readonly integrations = new Map<number, Integration>(INTEGRATIONS.map(i => [i.id, { ...i }]))
  readonly customers = new Map<number, TicketUser>()
  /** Macros by id, as `GET /api/macros/{id}` answers them. */
  readonly macros = new Map<number, Record<string, unknown> & { id: number; name: string }>()
  /** The account's `settings`, as `GET /api/account` shows them. */
  accountSettings: unknown = [structuredClone(BUSINESS_HOURS_SETTING)]
  /** Fields only the customer endpoint shows, e.g. `integrations` (Shopify orders and such). */
  readonly customerData = new Map<number, Record<string, unknown>>()
  readonly #customerByEmail = new Map<string, number>()
  #nextTicketId = FIRST_TICKET_ID
  #nextMessageId = FIRST_MESSAGE_ID
  #nextCustomerId = FIRST_CUSTOMER_ID
  #nextTagId = FIRST_TAG_ID

  constructor(owner: object, apiUserEmail: string, now: () => Date) {
    stores.set(owner, this)
    this.now = now
    this.agents.set(API_USER_ID, {
      id: API_USER_ID,
      email: apiUserEmail,
      name: `${API_USER_NAME.firstname} ${API_USER_NAME.lastname}`,
      ...API_USER_NAME
    })
    for (const m of MACROS) this.macros.set(m.id, structuredClone(m))
    for (const a of AGENTS) {
      const [firstname = null, lastname = null] = a.name.split(' ')
      this.agents.set(a.id, { ...a, firstname, lastname })
    }
  }

  nowIso(): string {
    return this.now().toISOString()
  }

  /** The ticket, or a 404 for the API. */
  ticketOr404(id: number): Ticket {
    const ticket = this.tickets.get(id)
    if (!ticket) throw new HttpError(404, 'Ticket not found')
    return ticket
  }

  /** The ticket's stored messages in insertion order (live); [] for an unknown ticket. */
  thread(ticketId: number): Message[] {
    this.#build(ticketId)
    return this.#threads.get(ticketId) ?? []
  }

  /** Every ticket's thread. */
  threads(): Message[][] {
    for (const id of [...this.#unbuilt.keys()]) this.#build(id)
    return [...this.#threads.values()]
  }

  #build(ticketId: number): void {
    const unbuilt = this.#unbuilt.get(ticketId)
    if (!unbuilt) return
    this.#unbuilt.delete(ticketId)
    const list = unbuilt.inputs.map((m, i) => this.#newMessage(unbuilt.owner, i, m))
    this.#threads.set(ticketId, list)
  }

  /** The ticket's messages, oldest first (created_datetime, then id); [] for an unknown ticket. */
  sortedMessages(ticketId: number): Message[] {
    return [...this.thread(ticketId)].sort((a, b) =>
      comparePositions(
        { k: timeKey(a.created_datetime), id: a.id },
        { k: timeKey(b.created_datetime), id: b.id }
      )
    )
  }

  ticketTags(t: Ticket): Tag[] {
    return Array.isArray(t.tags) ? t.tags.map(tag => ({ ...tag })) : []
  }

  takeMessageId(): number {
    return this.#nextMessageId++
  }

  /**
   * See GorgiasSimulator.addTicket. With `threadOnRead`, the messages are only made when the
   * thread is first read (the ticket's counters are kept now): the seed's long history costs
   * little until a client opens it. Their senders must be known users or the ticket's customer.
   */
  addTicket(input: TicketInput = {}, { threadOnRead = false } = {}): Ticket {
    const { messages = [], tags, customer, ...fields } = input
    const id = fields.id ?? this.#nextTicketId
    if (!Number.isInteger(id) || id < 1) throw new RangeError(`bad ticket id ${id}`)
    if (this.tickets.has(id)) throw new Error(`ticket ${id} already exists`)
    this.#nextTicketId = Math.max(this.#nextTicketId, id + 1)

    const firstPublic = messages.find(m => m.channel !== 'internal-note')
    const channel = fields.channel ?? firstPublic?.channel ?? 'email'
    const createdAt = fields.created_datetime ?? messages[0]?.created_datetime ?? this.nowIso()
    const ticket: Ticket = {
      id,
      status: 'open',
      channel,
      via: CHANNELS[channel]?.via ?? 'api',
      subject: 'Question about my order',
      spam: false,
      customer: customer === null ? null : this.upsertCustomer(customer ?? {}, true),
      assignee_user: null,
      assignee_team: null,
      tags: this.resolveTagInputs(tags ?? []).tags,
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
    this.tickets.set(id, ticket)
    this.#threads.set(id, [])

    const inputs: MessageInput[] = []
    let previous: string | null = null
    for (const m of messages) {
      const created: string = m.created_datetime ?? (previous ? addMs(previous, 60_000) : createdAt)
      if (!threadOnRead) {
        const added = this.addMessage(id, m.created_datetime == null ? { ...m, created_datetime: created } : m) // prettier-ignore
        previous = added.created_datetime
        continue
      }
      const input = { ...m, id: m.id ?? this.#nextMessageId, created_datetime: created }
      this.#nextMessageId = Math.max(this.#nextMessageId, input.id + 1)
      inputs.push(input)
      const kind = messageKind(input, ticket.channel)
      this.#bookkeep(ticket, inputs.length, { ...kind, created_datetime: created }, maxIso(ticket.updated_datetime, created)) // prettier-ignore
      previous = created
    }
    if (threadOnRead) {
      const owner = {
        id,
        channel: ticket.channel,
        customer: ticket.customer,
        subject: ticket.subject
      }
      this.#threads.delete(id)
      this.#unbuilt.set(id, { owner, inputs })
    }

    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) (ticket as unknown as Record<string, unknown>)[key] = value
    }
    if (ticket.status === 'closed' && fields.closed_datetime === undefined) {
      ticket.closed_datetime ??= ticket.last_message_datetime ?? ticket.created_datetime ?? null
    }
    return ticket
  }

  /** See GorgiasSimulator.addMessage. */
  addMessage(ticketId: number, m: Partial<Message>): Message {
    const ticket = this.tickets.get(ticketId)
    if (!ticket) throw new Error(`no ticket ${ticketId}`)
    const list = this.thread(ticketId)
    const id = m.id ?? this.#nextMessageId
    this.#nextMessageId = Math.max(this.#nextMessageId, id + 1)
    const input = { ...m, id, created_datetime: m.created_datetime ?? this.nowIso() }
    const message = this.#newMessage(ticket, list.length, input)
    this.record(ticket, list, message, maxIso(ticket.updated_datetime, message.created_datetime))
    return message
  }

  /** A new message of this thread; an unknown sender becomes an agent or a customer. */
  #newMessage(owner: ThreadOwner, position: number, m: MessageInput): Message {
    const { fromAgent } = messageKind(m, owner.channel)
    const customer = owner.customer ?? this.upsertCustomer({})
    const agent = this.agents.get(AGENTS[0]?.id ?? API_USER_ID) ?? { id: API_USER_ID }
    const sender = m.sender ?? (fromAgent ? agent : customer)
    if (sender?.id !== undefined) {
      if (fromAgent) {
        if (!this.agents.has(sender.id)) this.agents.set(sender.id, { ...sender })
      } else if (!this.customers.has(sender.id)) {
        this.upsertCustomer(sender)
      }
    }
    return newMessage(owner, position, m, { customer, agent, sender })
  }

  /** Stores a message and does the ticket bookkeeping Gorgias does on a new message. */
  record(ticket: Ticket, list: Message[], message: Message, updatedAt: string): void {
    list.push(message)
    this.#threads.set(ticket.id, list)
    this.#bookkeep(ticket, list.length, message, updatedAt)
  }

  #bookkeep(
    ticket: Ticket,
    count: number,
    message: Pick<Message, 'from_agent' | 'public' | 'created_datetime'>,
    updatedAt: string
  ): void {
    ticket.messages_count = count
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

  deleteTicket(id: number): void {
    if (!this.tickets.delete(id)) throw new Error(`no ticket ${id}`)
    this.#threads.delete(id)
    this.#unbuilt.delete(id)
  }

  /** Moves every stored timestamp `hours` into the past (see GorgiasSimulator.age). */
  age(hours: number): void {
    const shift = (value: unknown): unknown =>
      typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? new Date(Date.parse(value) - hours * 3_600_000).toISOString()
        : value
    const fields = (obj: object): void => {
      const record = obj as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (key.endsWith('_datetime')) record[key] = shift(record[key])
      }
    }
    for (const ticket of this.tickets.values()) fields(ticket)
    for (const list of this.#threads.values()) list.forEach(fields)
    for (const unbuilt of this.#unbuilt.values()) unbuilt.inputs.forEach(fields)
  }

  // ---------------------------------------------------------------- tags

  /** Tag names match in any case, or exactly (the `caseSensitiveTags` option). */
  caseSensitiveTags = false

  sameTagName(a: string, b: string): boolean {
    return this.caseSensitiveTags ? a.trim() === b.trim() : a.trim().toLowerCase() === b.trim().toLowerCase() // prettier-ignore
  }

  findTagByName(name: string): Tag | undefined {
    for (const tag of this.tags.values()) if (this.sameTagName(tag.name, name)) return tag
    return undefined
  }

  tagByName(name: string, create: boolean): Tag {
    const found = this.findTagByName(name)
    if (found) return found
    if (!create) throw new Error(`no tag ${name}`)
    const tag = { id: this.#nextTagId++, name: name.trim() }
    this.tags.set(tag.id, tag)
    return tag
  }

  /**
   * Tag references to account tags: by id when known, else by name (any case), creating unknown
   * names. An unknown id without a name is an error (addTicket creates it with that id instead
   * when `allowNewIds`).
   */
  resolveTagInputs(
    items: Array<{ id?: number; name?: string }>,
    allowNewIds = true
  ): { tags: Tag[]; errors: string[] } {
    const tags: Tag[] = []
    const errors: string[] = []
    for (const item of items) {
      let tag: Tag | undefined
      if (item.id !== undefined && this.tags.has(item.id)) tag = this.tags.get(item.id)
      else if (item.name !== undefined && item.name.trim() !== '') {
        tag = this.findTagByName(item.name)
        if (!tag && item.id !== undefined && allowNewIds) {
          tag = { id: item.id, name: item.name.trim() }
          this.tags.set(tag.id, tag)
          this.#nextTagId = Math.max(this.#nextTagId, tag.id + 1)
        }
        tag ??= this.tagByName(item.name, true)
      } else {
        errors.push(`Unknown tag id ${item.id}.`)
      }
      if (tag && !tags.some(t => t.id === tag.id)) tags.push({ ...tag })
    }
    return { tags, errors }
  }

  // ---------------------------------------------------------------- users

  findUser(users: Map<number, TicketUser>, ref: Record<string, unknown>): TicketUser | undefined {
    if (isPositiveInt(ref.id)) return users.get(ref.id)
    if (typeof ref.email === 'string') {
      const email = ref.email.toLowerCase()
      for (const u of users.values()) if (u.email?.toLowerCase() === email) return u
    }
    return undefined
  }

  /**
   * The customer with this id or email, created (with a generated name) when unknown; `update`
   * (control API only) overwrites a known customer's fields with the given ones. Returns a copy.
   */
  upsertCustomer(partial: Partial<TicketUser>, update = false): TicketUser {
    const byEmail = (email: string | null | undefined): TicketUser | undefined => {
      const id = email ? this.#customerByEmail.get(email.toLowerCase()) : undefined
      return id === undefined ? undefined : this.customers.get(id)
    }
    const known = partial.id !== undefined ? this.customers.get(partial.id) : byEmail(partial.email)
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
    const customer = newCustomer(id, partial)
    this.customers.set(id, customer)
    if (customer.email) this.#customerByEmail.set(customer.email.toLowerCase(), id)
    return { ...customer }
  }
}

/** A customer from the given fields, the missing ones generated from the id. */
function newCustomer(id: number, partial: Partial<TicketUser>): TicketUser {
  const n = id - FIRST_CUSTOMER_ID
  const i = ((n % FIRSTNAMES.length) + FIRSTNAMES.length) % FIRSTNAMES.length
  const j = ((n % LASTNAMES.length) + LASTNAMES.length) % LASTNAMES.length
  const generated = !partial.email && partial.name === undefined && partial.firstname === undefined
  const firstname =
    partial.firstname !== undefined ? partial.firstname : generated ? (FIRSTNAMES[i] ?? null) : null
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
  return { id, email, name, firstname, lastname }
}
