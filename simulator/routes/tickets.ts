/**
 * Tickets (https://developers.gorgias.com/reference/tickets): `GET /api/tickets` (cursor pages; no status filter; trashed tickets
 * listed unless `trashed=false`), `GET /api/tickets/{id}` (embeds the thread as `messages`),
 * `PUT /api/tickets/{id}` (where `tags` replaces the whole set: the documented danger).
 */
import type { Tag, Ticket } from '../../src/gorgias/types.js'
import { paginate } from '../cursor.js'
import {
  addError,
  HttpError,
  parseId,
  parseLimit,
  parseOrderBy,
  requireObject,
  throwIfErrors,
  type Errors,
  type Result
} from '../results.js'
import type { Store } from '../store.js'
import { isPositiveInt, isRecord, timeKey } from '../values.js'
import type { RouteContext, RouteRequest } from './context.js'

const LIST_ORDERS = ['created_datetime', 'updated_datetime'] as const

/** A ticket as list endpoints show it: no `messages`. */
export function listItem(t: Ticket): Ticket {
  const out = structuredClone(t) as Ticket & { messages?: unknown }
  delete out.messages
  return out
}

export function listTickets(ctx: RouteContext, { query }: RouteRequest): Result {
  const limit = parseLimit(query)
  const orderBy = query.get('order_by') ?? 'created_datetime:desc'
  const { field, direction } = parseOrderBy(orderBy, LIST_ORDERS)
  const filters = listFilters(ctx.store, query)
  const page = paginate(
    ctx.store.tickets.values(),
    {
      key: t => timeKey(t[field]),
      id: t => t.id,
      direction,
      ...(filters.length > 0 ? { keep: (t: Ticket) => filters.every(f => f.keep(t)) } : {})
    },
    ['tickets', orderBy, ...filters.map(f => f.fingerprint)].join('|'),
    limit,
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(listItem) } }
}

interface ListFilter {
  fingerprint: string
  keep: (t: Ticket) => boolean
}

/** The documented list filters present in the query (unknown parameters are ignored). */
function listFilters(store: Store, query: URLSearchParams): ListFilter[] {
  const filters: ListFilter[] = []
  const viewParam = query.get('view_id')
  if (viewParam !== null) {
    const viewId = parseId(viewParam, 'view_id')
    const view = store.views.get(viewId)
    if (!view) throw new HttpError(404, 'View not found')
    const inView = new Set(view.ticketIds)
    filters.push({ fingerprint: `view=${viewId}`, keep: t => inView.has(t.id) })
  }
  const customerParam = query.get('customer_id')
  if (customerParam !== null) {
    const customerId = parseId(customerParam, 'customer_id')
    filters.push({
      fingerprint: `customer=${customerId}`,
      keep: t => t.customer?.id === customerId
    })
  }
  const idsParams = query.getAll('ticket_ids')
  if (idsParams.length > 0) {
    const wanted = new Set(
      idsParams
        .flatMap(p => p.split(','))
        .map(s => s.trim())
        .filter(s => s !== '')
        .map(s => parseId(s, 'ticket_ids'))
    )
    const ids = [...wanted].sort((a, b) => a - b).join(',')
    filters.push({ fingerprint: `ids=${ids}`, keep: t => wanted.has(t.id) })
  }
  const externalId = query.get('external_id')
  if (externalId !== null) {
    filters.push({ fingerprint: `external=${externalId}`, keep: t => t.external_id === externalId })
  }
  // Documented default: trashed=true, i.e. trashed tickets are listed with the others.
  if (!parseBoolean(query.get('trashed'), 'trashed', true)) {
    filters.push({ fingerprint: 'untrashed', keep: t => !t.trashed_datetime })
  }
  return filters
}

function parseBoolean(raw: string | null, field: string, fallback: boolean): boolean {
  if (raw === null) return fallback
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new HttpError(400, 'Validation error', { [field]: ['Not a valid boolean.'] })
}

/** The ticket with its thread embedded as `messages` (as many as the embedMessages option says). */
export function getTicket(ctx: RouteContext, { id }: RouteRequest): Result {
  const ticket = ctx.store.ticketOr404(id)
  const out: Ticket & { messages?: unknown } = listItem(ticket)
  const embed = ctx.shape.embedMessages
  if (embed !== false) {
    const thread = ctx.store.sortedMessages(ticket.id)
    const shown = embed === true ? thread : thread.slice(0, embed)
    out.messages = shown.map(m => structuredClone(m))
  }
  return { status: 200, body: out }
}

export function updateTicket(ctx: RouteContext, { id, body }: RouteRequest): Result {
  const ticket = ctx.store.ticketOr404(id)
  const input = requireObject(body)
  const errors: Errors = {}
  const patch = {
    ...scalarFields(input, errors),
    ...assigneeFields(ctx.store, input, errors)
  }
  const newTags = 'tags' in input ? replacementTags(ctx.store, input.tags, errors) : null
  throwIfErrors(errors)

  const now = ctx.store.nowIso()
  if (newTags) ticket.tags = newTags
  const wasClosed = ticket.status === 'closed'
  Object.assign(ticket, patch)
  if (patch.status === 'closed' && (!wasClosed || !ticket.closed_datetime)) {
    ticket.closed_datetime = now
  } else if (patch.status === 'open') {
    ticket.closed_datetime = null
  }
  ticket.updated_datetime = now
  return { status: 200, body: listItem(ticket) }
}

function scalarFields(input: Record<string, unknown>, errors: Errors): Partial<Ticket> {
  const patch: Partial<Ticket> = {}
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
  return patch
}

function assigneeFields(
  store: Store,
  input: Record<string, unknown>,
  errors: Errors
): Partial<Ticket> {
  const patch: Partial<Ticket> = {}
  if ('assignee_user' in input) {
    const v = input.assignee_user
    if (v === null) patch.assignee_user = null
    else {
      const user = isRecord(v) ? store.findUser(store.agents, v) : undefined
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
  return patch
}

/** The real API's documented danger: tags in a ticket PUT replace the whole set. */
function replacementTags(store: Store, v: unknown, errors: Errors): Tag[] | null {
  if (!Array.isArray(v)) {
    addError(errors, 'tags', 'Not a valid list.')
    return null
  }
  const items: Array<{ id?: number; name?: string }> = []
  v.forEach((item: unknown, i) => {
    if (isRecord(item) && (typeof item.name === 'string' || isPositiveInt(item.id))) {
      items.push({
        ...(isPositiveInt(item.id) ? { id: item.id } : {}),
        ...(typeof item.name === 'string' ? { name: item.name } : {})
      })
    } else addError(errors, `tags.${i}`, 'Expected {"name": string} or {"id": number}.')
  })
  const resolved = store.resolveTagInputs(items, false)
  for (const e of resolved.errors) addError(errors, 'tags', e)
  return resolved.tags
}
