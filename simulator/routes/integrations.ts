/**
 * Integrations: `GET /api/integrations`, cursor-paged. An email integration's `meta.address` is
 * the address customers see; `deactivated_datetime` is set when it was switched off.
 */
import type { Result } from '../results.js'
import { pagedById, type RouteContext, type RouteRequest } from './context.js'

export function listIntegrations(ctx: RouteContext, { query }: RouteRequest): Result {
  return pagedById(ctx.store.integrations.values(), 'integrations', query, i => ({
    id: i.id,
    type: i.type,
    name: i.name,
    meta: { address: i.address },
    deactivated_datetime: i.deactivated_datetime ?? null
  }))
}
