/** Views (reference: views): the saved views, for `GET /api/tickets?view_id=`. */
import { comparePositions, paginate } from '../cursor.js'
import { HttpError, parseLimit, type Result } from '../results.js'
import type { View } from '../types.js'
import { asciiSlug } from '../values.js'
import type { RouteContext, RouteRequest } from './context.js'

function viewOut(v: View): Record<string, unknown> {
  return { id: v.id, name: v.name, type: 'ticket-list', slug: asciiSlug(v.name) }
}

export function listViews(ctx: RouteContext, { query }: RouteRequest): Result {
  const page = paginate(
    ctx.store.views.values(),
    v => ({ k: null, id: v.id }),
    comparePositions,
    'views',
    parseLimit(query),
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(viewOut) } }
}

export function getView(ctx: RouteContext, { id }: RouteRequest): Result {
  const view = ctx.store.views.get(id)
  if (!view) throw new HttpError(404, 'View not found')
  return { status: 200, body: viewOut(view) }
}
