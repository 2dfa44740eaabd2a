/** Users: `GET /api/users`, the account's agents (the API user first), cursor-paged. */
import { paginate } from '../cursor.js'
import { parseLimit, type Result } from '../results.js'
import type { RouteContext, RouteRequest } from './context.js'

export function listUsers(ctx: RouteContext, { query }: RouteRequest): Result {
  const page = paginate(
    ctx.store.agents.values(),
    { key: () => null, id: u => u.id, direction: 1 },
    'users',
    parseLimit(query),
    query.get('cursor')
  )
  return {
    status: 200,
    body: {
      ...page,
      data: page.data.map(u => ({
        id: u.id,
        email: u.email ?? null,
        firstname: u.firstname ?? null,
        lastname: u.lastname ?? null,
        name: u.name ?? null,
        role: { name: u.id === 1 ? 'admin' : 'agent' },
        active: true
      }))
    }
  }
}
