/**
 * Cursor pages as the API documents them: the `{"data": [...], "meta": {...}}` envelope, the next
 * page it names, and the guard that makes every listing end. Pure: the client does the requests.
 */
import { isRecord } from './errors.js'

/**
 * The next page: named by `meta.next_cursor`, or for view items by `meta.next_items`, the path of
 * the next page (relative to the API base), which Gorgias's web app requests with the same body.
 */
export type NextPage =
  { type: 'cursor'; cursor: string } | { type: 'path'; path: string; query: URLSearchParams }

/**
 * A page must be the documented envelope `{"data": [...], "meta": {...}}`: without `meta` there is
 * no telling whether more follow (an offset-style answer would silently end the sweep at page
 * one). Items need only be objects: one odd ticket is the policy's to call unreadable. `nextItems`
 * says where a `meta.next_items` path must lead; null when the endpoint does not page that way.
 */
export function parsePage<T>(
  json: unknown,
  nextItems: { base: string; path: string } | null
): { data: T[]; next: NextPage | null } | undefined {
  if (!isRecord(json) || !Array.isArray(json.data) || !json.data.every(isRecord)) return undefined
  const { meta } = json
  if (!isRecord(meta)) return undefined
  const data = json.data as T[]
  if (nextItems !== null && meta.next_items !== undefined && meta.next_items !== null) {
    if (typeof meta.next_items !== 'string' || meta.next_items === '') return undefined
    const next = resolveNextItems(meta.next_items, nextItems.base, nextItems.path)
    return next && { data, next }
  }
  const cursor = meta.next_cursor
  if (typeof cursor === 'string' && cursor !== '') return { data, next: { type: 'cursor', cursor } }
  if (cursor !== null && cursor !== undefined && cursor !== '') return undefined
  return { data, next: null }
}

/**
 * `next_items` (`/api/views/0/items/?direction=next&cursor=...`) is followed only to the same
 * endpoint on the same host: never the credentials elsewhere, nor a read turned into another kind.
 */
function resolveNextItems(value: string, base: string, path: string): NextPage | undefined {
  const baseUrl = new URL(`${base}/`)
  let url: URL
  try {
    url = new URL(value, value.startsWith('/') ? baseUrl.origin : baseUrl)
  } catch {
    return undefined
  }
  if (url.origin !== baseUrl.origin || url.hash) return undefined
  const basePath = withoutTrailingSlashes(baseUrl.pathname)
  if (!url.pathname.startsWith(`${basePath}/`)) return undefined
  const relative = url.pathname.slice(basePath.length)
  if (withoutTrailingSlashes(relative) !== withoutTrailingSlashes(path)) return undefined
  return { type: 'path', path: relative, query: url.searchParams }
}

/**
 * Without its trailing slashes, by a loop: `/\/+$/` takes quadratic time on a long run of slashes
 * that does not end the text, and the path comes from the server (40,000 slashes: over a second).
 */
function withoutTrailingSlashes(text: string): string {
  let end = text.length
  while (end > 0 && text[end - 1] === '/') end--
  return text.slice(0, end)
}

/**
 * The request of the page `next` names: the same one with its cursor, or its path (view items),
 * always with our `limit`: Gorgias's `next_items` names none, and its default is 30.
 */
export function nextRequest(
  next: NextPage,
  call: { path: string; query: URLSearchParams }
): { path: string; query: URLSearchParams } {
  const query = new URLSearchParams(next.type === 'cursor' ? call.query : next.query)
  if (next.type === 'cursor') query.set('cursor', next.cursor)
  else query.set('limit', call.query.get('limit')!)
  return { path: next.type === 'cursor' ? call.path : next.path, query }
}

/**
 * Pagination must end. A page that brings nothing new while naming a next page, or a next page
 * named twice, would page forever in an unattended run: the whole account's API budget.
 */
export class PageGuard {
  readonly #ids = new Set<unknown>()
  readonly #next = new Set<string>()

  /** What is wrong with this page, or null when the listing may go on. */
  check(items: ReadonlyArray<Record<string, unknown>>, next: NextPage | null): string | null {
    let fresh = 0
    for (const { id } of items) {
      const identified = typeof id === 'number' || typeof id === 'string'
      if (!identified || !this.#ids.has(id)) fresh++
      if (identified) this.#ids.add(id)
    }
    if (next === null) return null
    if (items.length === 0) return 'an empty page named a next page'
    if (fresh === 0) return 'a page brought nothing not seen before and named a next page'
    const key = next.type === 'cursor' ? `c:${next.cursor}` : `p:${next.query.toString()}`
    if (this.#next.has(key)) return 'the same next page was named twice'
    this.#next.add(key)
    return null
  }
}
