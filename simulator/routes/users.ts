/** Users: `GET /api/users`, the account's agents (the API user first), cursor-paged. */
import type { Result } from '../results.js'
import { pagedById, type RouteContext, type RouteRequest } from './context.js'

export function listUsers(ctx: RouteContext, { query }: RouteRequest): Result {
  return pagedById(ctx.store.agents.values(), 'users', query, u => ({
    id: u.id,
    email: u.email ?? null,
    firstname: u.firstname ?? null,
    lastname: u.lastname ?? null,
    name: u.name ?? null,
    role: { name: u.id === 1 ? 'admin' : 'agent' },
    active: true
  }))
}
