/** Users: `GET /api/users`, the account's agents (the API user first, or last), cursor-paged. */
import { API_USER_ID } from '../account.js'
import { paginate } from '../cursor.js'
import { parseLimit, type Result } from '../results.js'
import type { RouteContext, RouteRequest } from './context.js'

export function listUsers(ctx: RouteContext, { query }: RouteRequest): Result {
  const last = ctx.shape.apiUserLast
  const page = paginate(
    ctx.store.agents.values(),
    { key: u => (last && u.id === API_USER_ID ? 1 : null), id: u => u.id, direction: 1 },
    last ? 'users|api-user-last' : 'users',
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
