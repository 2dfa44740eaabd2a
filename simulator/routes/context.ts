/** What every route handler gets: the account's state, the API-shape options, and the request. */
import type { Store } from '../store.js'

export interface ApiShape {
  embedMessages: boolean | number
  viewPaging: 'next_items' | 'next_cursor'
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
