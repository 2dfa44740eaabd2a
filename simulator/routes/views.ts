/**
 * Views (reference: views, list view items): the saved views, and their items, the server-side
 * filtering the ticket list lacks. `PUT /api/views/0/items` with a body
 * `{"view": {"type": "ticket-list", "filters": "...", "order_by": "...", "order_dir": "..."}}` is
 * an ad-hoc query; a saved view's items are read with GET (or PUT, whose body may narrow them).
 * Trashed tickets are never items. Pages link to each other the way Gorgias's web app reads them
 * (`meta.next_items`: the path of the next page, requested with the same method and body), or by
 * `meta.next_cursor` with the viewPaging option.
 */
import type { Ticket } from '../../src/gorgias/types.js'
import { cursorDirection, paginate, type CursorPage } from '../cursor.js'
import {
  HttpError,
  parseId,
  parseLimit,
  parseOrderBy,
  requireObject,
  type Result
} from '../results.js'
import type { View } from '../types.js'
import { asciiSlug, isRecord, timeKey } from '../values.js'
import { compileFilters, FilterError } from '../viewFilter.js'
import { pagedById, type RouteContext, type RouteRequest } from './context.js'
import { listItem } from './tickets.js'

const ITEM_ORDERS = [
  'created_datetime',
  'updated_datetime',
  'last_message_datetime',
  'last_received_message_datetime',
  'closed_datetime',
  'snooze_datetime'
] as const

type ItemOrder = (typeof ITEM_ORDERS)[number]

interface Definition {
  filters: string
  orderBy: ItemOrder
  direction: 1 | -1
}

function viewOut(v: View): Record<string, unknown> {
  return { id: v.id, name: v.name, type: 'ticket-list', slug: asciiSlug(v.name) }
}

export function listViews(ctx: RouteContext, { query }: RouteRequest): Result {
  return pagedById(ctx.store.views.values(), 'views', query, viewOut)
}

export function getView(ctx: RouteContext, { id }: RouteRequest): Result {
  const view = ctx.store.views.get(id)
  if (!view) throw new HttpError(404, 'View not found')
  return { status: 200, body: viewOut(view) }
}

/** `GET|PUT /api/views/{id}/items`. */
export function viewItems(ctx: RouteContext, req: RouteRequest): Result {
  const { store } = ctx
  const { id, query } = req
  const saved = id === 0 ? null : store.views.get(id)
  if (saved === undefined) throw new HttpError(404, 'View not found')
  if (saved === null && req.method === 'GET') {
    throw new HttpError(400, 'View 0 is not a saved view: define it with PUT /api/views/0/items and a {"view": {...}} body') // prettier-ignore
  }
  const def = definition(req, saved === null)
  const keep = compile(def.filters)
  const limit = parseLimit(query)
  const fingerprint = `view-items|${id}|${def.orderBy}:${def.direction}|${def.filters}`
  checkDirection(query, fingerprint)
  const ignored = query.get('ignored_item')
  const ignoredId = ignored === null ? null : parseId(ignored, 'ignored_item')

  const scope: Iterable<Ticket> =
    saved === null
      ? store.tickets.values()
      : saved.ticketIds.flatMap(t => store.tickets.get(t) ?? [])
  const page = paginate(
    scope,
    {
      key: t => timeKey(t[def.orderBy]),
      id: t => t.id,
      direction: def.direction,
      keep: t => !t.trashed_datetime && t.id !== ignoredId && keep(t)
    },
    fingerprint,
    limit,
    query.get('cursor')
  )
  return { status: 200, body: shapePage(ctx, id, query, page) }
}

/** The view the items are read from: the body's `view` (required for view 0), else the query. */
function definition(req: RouteRequest, adHoc: boolean): Definition {
  const queryOrder = req.query.get('order_by')
  const fallback = parseOrderBy(queryOrder ?? 'created_datetime:desc', ITEM_ORDERS)
  const body = req.method === 'PUT' ? req.body : undefined
  if (body === undefined || (isRecord(body) && Object.keys(body).length === 0)) {
    if (!adHoc) return { filters: '', orderBy: fallback.field, direction: fallback.direction }
    throw new HttpError(400, 'Validation error', { view: ['Missing data for required field.'] })
  }
  const view = requireObject(body).view
  if (!isRecord(view)) throw new HttpError(400, 'Validation error', { view: ['Not a valid object.'] }) // prettier-ignore
  if (adHoc && view.type !== 'ticket-list') {
    throw new HttpError(400, 'Validation error', { 'view.type': ['Must be "ticket-list".'] })
  }
  if (view.filters !== undefined && view.filters !== null && typeof view.filters !== 'string') {
    throw new HttpError(400, 'Validation error', { 'view.filters': ['Not a valid string.'] })
  }
  const orderBy = view.order_by ?? fallback.field
  const orderDir = view.order_dir ?? (fallback.direction === 1 ? 'asc' : 'desc')
  if (typeof orderBy !== 'string' || !(ITEM_ORDERS as readonly string[]).includes(orderBy)) {
    throw new HttpError(400, 'Validation error', {
      'view.order_by': [`Must be one of: ${ITEM_ORDERS.join(', ')}.`]
    })
  }
  if (orderDir !== 'asc' && orderDir !== 'desc') {
    throw new HttpError(400, 'Validation error', { 'view.order_dir': ['Must be one of: asc, desc.'] }) // prettier-ignore
  }
  return {
    filters: view.filters ?? '',
    orderBy: orderBy as ItemOrder,
    direction: orderDir === 'asc' ? 1 : -1
  }
}

function compile(filters: string): (t: Ticket) => boolean {
  try {
    return compileFilters(filters)
  } catch (err) {
    if (!(err instanceof FilterError)) throw err
    throw new HttpError(400, `Invalid view filters: ${err.message}`, {
      'view.filters': [err.message]
    })
  }
}

/** `direction` must be next or prev and agree with the cursor it comes with. */
function checkDirection(query: URLSearchParams, fingerprint: string): void {
  const direction = query.get('direction')
  if (direction === null) return
  if (direction !== 'next' && direction !== 'prev') {
    throw new HttpError(400, 'Validation error', { direction: ['Must be one of: next, prev.'] })
  }
  const cursor = query.get('cursor')
  if (cursor !== null && cursorDirection(cursor, fingerprint) !== direction) {
    throw new HttpError(400, 'Validation error', {
      direction: ['Does not match the direction of the cursor.']
    })
  }
}

function shapePage(
  ctx: RouteContext,
  viewId: number,
  query: URLSearchParams,
  page: CursorPage<Ticket>
): Record<string, unknown> {
  const data = page.data.map(listItem)
  if (ctx.shape.viewPaging === 'next_cursor') return { data, meta: page.meta }
  // The query parameters a neighbour page must repeat (the body is repeated by the client). As
  // Gorgias's web app shows them, the links carry no `limit`: a client that follows one verbatim
  // gets the default page size (30) from the second page on.
  const keep = ['order_by']
    .filter(k => query.has(k))
    .map(k => `&${k}=${encodeURIComponent(query.get(k) ?? '')}`)
    .join('')
  const link = (
    cursor: string | null,
    direction: string,
    edge: Ticket | undefined
  ): string | null =>
    cursor === null || edge === undefined
      ? null
      : `/api/views/${viewId}/items/?direction=${direction}&ignored_item=${edge.id}&cursor=${encodeURIComponent(cursor)}${keep}`
  return {
    data,
    meta: {
      next_items: link(page.meta.next_cursor, 'next', page.data.at(-1)),
      prev_items: link(page.meta.prev_cursor, 'prev', page.data[0]),
      current_cursor: query.get('cursor')
    }
  }
}
