/**
 * Messages (https://developers.gorgias.com/reference/ticket-messages and
 * https://developers.gorgias.com/reference/create-ticket-message): the current list
 * `GET /api/messages?ticket_id=`, the deprecated `GET /api/tickets/{id}/messages` (still served,
 * and marked in the request log), and `POST /api/tickets/{id}/messages`, validated like the real
 * API validates an outgoing reply.
 */
import type { Message, MessageSource, Ticket, TicketUser } from '../../src/gorgias/types.js'
import { INTEGRATIONS, KNOWN_CHANNELS, isSupportAddress } from '../account.js'
import { paginate } from '../cursor.js'
import {
  addError,
  isAddress,
  isUserRef,
  parseId,
  parseLimit,
  parseOrderBy,
  pickUser,
  requireObject,
  throwIfErrors,
  userRefToPartial,
  type Errors,
  type Result
} from '../results.js'
import type { Store } from '../store.js'
import { isPositiveInt, isRecord, timeKey } from '../values.js'
import type { RouteContext, RouteRequest } from './context.js'

const MISSING = 'Missing data for required field.'

/** Deprecated in the reference; oldest first, as it always answered. */
export function listTicketMessages(ctx: RouteContext, { id, query }: RouteRequest): Result {
  const ticket = ctx.store.ticketOr404(id)
  const page = paginate(
    ctx.store.thread(ticket.id),
    { key: m => timeKey(m.created_datetime), id: m => m.id, direction: 1 },
    `messages|${ticket.id}`,
    parseLimit(query),
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(m => structuredClone(m)) } }
}

/**
 * `GET /api/messages`: the account's messages, or one ticket's with `ticket_id` (a filter: an
 * unknown or deleted ticket gives an empty list, not a 404). `order_by` defaults to
 * `created_datetime:desc` like the other lists: a client that wants a thread oldest first says so.
 */
export function listMessages(ctx: RouteContext, { query }: RouteRequest): Result {
  const limit = parseLimit(query)
  const orderBy = query.get('order_by') ?? 'created_datetime:desc'
  const { direction } = parseOrderBy(orderBy, ['created_datetime'] as const)
  const ticketParam = query.get('ticket_id')
  const ticketId = ticketParam === null ? null : parseId(ticketParam, 'ticket_id')
  const source: Iterable<Message> =
    ticketId === null ? ctx.store.threads().flat() : ctx.store.thread(ticketId)
  const page = paginate(
    source,
    { key: m => timeKey(m.created_datetime), id: m => m.id, direction },
    `all-messages|${orderBy}|${ticketId ?? '*'}`,
    limit,
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(m => structuredClone(m)) } }
}

export function createMessage(ctx: RouteContext, { id, body }: RouteRequest): Result {
  const { store } = ctx
  const ticket = store.ticketOr404(id)
  const input = requireObject(body)
  const errors: Errors = {}
  const kind = validateKind(input, errors)
  validateSource(input.source, kind, errors)
  const sender = validateSender(store, input.sender, kind.fromAgent, errors)
  validateReceiver(store, input.receiver, kind.outgoing, errors)
  validateContent(input, errors)
  throwIfErrors(errors)

  const message = buildMessage(store, ticket, input, kind.fromAgent, sender)
  const now = store.nowIso()
  store.record(ticket, store.thread(ticket.id), message, now)
  return { status: 201, body: structuredClone(message) }
}

interface Kind {
  channel: unknown
  fromAgent: boolean
  isNote: boolean
  /** An outgoing reply to the customer (not a note): needs a sender address and recipients. */
  outgoing: boolean
}

function validateKind(input: Record<string, unknown>, errors: Errors): Kind {
  const channel = input.channel
  if (channel === undefined || channel === null || channel === '') {
    addError(errors, 'channel', MISSING)
  } else if (typeof channel !== 'string' || !KNOWN_CHANNELS.has(channel)) {
    addError(errors, 'channel', `Must be one of: ${[...KNOWN_CHANNELS].join(', ')}.`)
  }
  if (input.via === undefined || input.via === null || input.via === '') {
    addError(errors, 'via', MISSING)
  } else if (typeof input.via !== 'string') addError(errors, 'via', 'Not a valid string.')
  if (input.from_agent === undefined || input.from_agent === null) {
    addError(errors, 'from_agent', MISSING)
  } else if (typeof input.from_agent !== 'boolean') {
    addError(errors, 'from_agent', 'Not a valid boolean.')
  }
  const fromAgent = input.from_agent === true
  const isNote = channel === 'internal-note'
  return { channel, fromAgent, isNote, outgoing: fromAgent && !isNote }
}

function validateSource(source: unknown, kind: Kind, errors: Errors): void {
  if (source === undefined || source === null) return addError(errors, 'source', MISSING)
  if (!isRecord(source)) return addError(errors, 'source', 'Not a valid object.')
  if (typeof source.type !== 'string' || source.type === '') {
    addError(errors, 'source.type', MISSING)
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
        if (!isAddress(a)) addError(errors, `source.${key}.${i}.address`, 'Not a valid address.')
      })
    }
  }
  if (!kind.outgoing) return
  if (!Array.isArray(source.to) || source.to.length === 0) {
    addError(errors, 'source.to', 'An outgoing message needs at least one recipient.')
  }
  const from = source.from
  if (!isAddress(from)) {
    addError(errors, 'source.from.address', MISSING)
  } else if (kind.channel === 'email' && !isSupportAddress(from.address)) {
    addError(errors, 'source.from.address', `No email integration sends from ${from.address}.`)
  }
}

/** The agent an agent's message is sent as (undefined for a customer's message or an error). */
function validateSender(
  store: Store,
  ref: unknown,
  fromAgent: boolean,
  errors: Errors
): TicketUser | undefined {
  if (ref === undefined || ref === null) addError(errors, 'sender', MISSING)
  else if (!isUserRef(ref)) {
    addError(errors, 'sender', 'Expected {"id": number} or {"email": string}.')
  } else if (fromAgent) {
    const sender = store.findUser(store.agents, ref)
    if (!sender) addError(errors, 'sender', 'No user matches this id or email.')
    return sender
  } else if (isPositiveInt(ref.id) && !store.customers.has(ref.id)) {
    addError(errors, 'sender', 'No customer matches this id.')
  }
  return undefined
}

function validateReceiver(store: Store, ref: unknown, outgoing: boolean, errors: Errors): void {
  if (ref !== undefined && ref !== null && !isUserRef(ref)) {
    addError(errors, 'receiver', 'Expected {"id": number} or {"email": string}.')
  } else if (outgoing && (ref === undefined || ref === null)) {
    addError(errors, 'receiver', MISSING)
  } else if (
    isUserRef(ref) &&
    isPositiveInt(ref.id) &&
    typeof ref.email !== 'string' &&
    !store.customers.has(ref.id) &&
    !store.agents.has(ref.id)
  ) {
    addError(errors, 'receiver', 'No customer matches this id.')
  }
}

function validateContent(input: Record<string, unknown>, errors: Errors): void {
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
}

/** A validated message as Gorgias stores it. */
function buildMessage(
  store: Store,
  ticket: Ticket,
  input: Record<string, unknown>,
  fromAgent: boolean,
  sender: TicketUser | undefined
): Message {
  const str = (key: string): string | null => {
    const v = input[key]
    return typeof v === 'string' ? v : null
  }
  const resolvedSender: TicketUser = fromAgent
    ? { ...(sender as TicketUser) }
    : store.upsertCustomer(userRefToPartial(input.sender as Record<string, unknown>))
  const receiverRef = isUserRef(input.receiver) ? input.receiver : null
  const resolvedReceiver: TicketUser | null =
    receiverRef === null
      ? null
      : isPositiveInt(receiverRef.id) && store.agents.has(receiverRef.id)
        ? { ...(store.agents.get(receiverRef.id) as TicketUser) }
        : store.upsertCustomer(userRefToPartial(receiverRef))
  const now = store.nowIso()
  return {
    ...(structuredClone(input) as Partial<Message>),
    id: store.takeMessageId(),
    ticket_id: ticket.id,
    channel: input.channel as string,
    via: input.via as string,
    from_agent: fromAgent,
    public: typeof input.public === 'boolean' ? input.public : input.channel !== 'internal-note',
    source: structuredClone(input.source) as MessageSource,
    sender: pickUser(resolvedSender),
    receiver: resolvedReceiver ? pickUser(resolvedReceiver) : null,
    integration_id: typeof input.integration_id === 'number' ? input.integration_id : null,
    subject: str('subject'),
    body_text: str('body_text'),
    body_html: str('body_html'),
    stripped_text: str('stripped_text') ?? str('body_text'),
    created_datetime: str('created_datetime') ?? now,
    // As documented: a message posted with sent_datetime is recorded as already sent (imports).
    sent_datetime: str('sent_datetime') ?? now,
    failed_datetime: null,
    external_id: str('external_id')
  }
}
