/** The account's users: `GET /api/users`, cursor-paged; the API user (id 1) and the agents. */
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
      data: page.data.map(u => ({ ...u, role: { name: 'agent' }, active: true }))
    }
  }
}
