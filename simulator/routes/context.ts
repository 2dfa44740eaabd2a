/** What every route handler gets: the account's state, the API-shape options, and the request. */
import { paginate } from '../cursor.js'
import { parseLimit, type Result } from '../results.js'
import type { Store } from '../store.js'

export interface ApiShape {
  embedMessages: boolean | number
  viewPaging: 'next_items' | 'next_cursor'
  /** `GET /api/users` lists the API user last. */
  apiUserLast: boolean
}

export interface RouteContext {
  store: Store
  shape: ApiShape
}

export interface RouteRequest {
  method: string
  /** Full path without the query. */
  path: string
  /** The `{id}` of the route template; 0 when it has none. */
  id: number
  query: URLSearchParams
  body: unknown
}

/** A list in id order, cursor-paged as every list of the API, each item shown by `show`. */
export function pagedById<T extends { id: number }>(
  items: Iterable<T>,
  what: string,
  query: URLSearchParams,
  show: (item: T) => unknown
): Result {
  const page = paginate(
    items,
    { key: () => null, id: i => i.id, direction: 1 },
    what,
    parseLimit(query),
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(show) } }
}
