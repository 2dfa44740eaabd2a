/**
 * Integrations: `GET /api/integrations`, cursor-paged. An email integration's `meta.address` is
 * the address customers see; `deactivated_datetime` is set when it was switched off.
 */
import { paginate } from '../cursor.js'
import { parseLimit, type Result } from '../results.js'
import type { RouteContext, RouteRequest } from './context.js'

export function listIntegrations(ctx: RouteContext, { query }: RouteRequest): Result {
  const page = paginate(
    ctx.store.integrations.values(),
    { key: () => null, id: i => i.id, direction: 1 },
    'integrations',
    parseLimit(query),
    query.get('cursor')
  )
  return {
    status: 200,
    body: {
      ...page,
      data: page.data.map(i => ({
        id: i.id,
        type: i.type,
        name: i.name,
        meta: { address: i.address },
        deactivated_datetime: i.deactivated_datetime ?? null
      }))
    }
  }
}
