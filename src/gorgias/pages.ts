/**
 * Cursor pages, as the API documents them (changelog: cursor-based pagination): a page is
 * `{"data": [...], "meta": {...}}`, and the next page is named by `meta.next_cursor`, or, for view
 * items, by `meta.next_items`: the path of the next page, which Gorgias's own web app requests with
 * the same method and body. Pure: the client does the requests.
 */

export type NextPage =
  | { type: 'cursor'; cursor: string }
  /** a path relative to the API base (e.g. `/views/0/items`) and its query */
  | { type: 'path'; path: string; query: URLSearchParams }

export interface ParsedPage<T> {
  data: T[]
  next: NextPage | null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A page must be the documented envelope: without `meta` there is no telling whether more pages
 * follow (an old offset-style answer would silently end the sweep at page one). Items only need to
 * be objects: one odd ticket or message is the policy's to call unreadable, not a reason to drop
 * the whole page. `nextItems` says where a `meta.next_items` path must lead (the same endpoint
 * under the same API base); null when the endpoint does not page that way.
 */
export function parsePage<T>(
  json: unknown,
  nextItems: { base: string; path: string } | null
): ParsedPage<T> | undefined {
  if (!isRecord(json) || !Array.isArray(json.data) || !json.data.every(isRecord)) return undefined
  const meta = json.meta
  if (!isRecord(meta)) return undefined
  const data = json.data as T[]
  if (nextItems !== null && meta.next_items !== undefined && meta.next_items !== null) {
    if (typeof meta.next_items !== 'string' || meta.next_items === '') return undefined
    const next = resolveNextItems(meta.next_items, nextItems.base, nextItems.path)
    return next ? { data, next } : undefined
  }
  const cursor = meta.next_cursor
  if (typeof cursor === 'string' && cursor !== '') return { data, next: { type: 'cursor', cursor } }
  if (cursor !== null && cursor !== undefined && cursor !== '') return undefined
  return { data, next: null }
}

/**
 * `next_items` is a path such as `/api/views/0/items/?direction=next&cursor=...`. It is followed
 * only to the same endpoint on the same host: a page must never send the credentials elsewhere,
 * nor turn a read into a request of another kind.
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
  const basePath = baseUrl.pathname.replace(/\/+$/, '')
  if (!url.pathname.startsWith(`${basePath}/`)) return undefined
  const relative = url.pathname.slice(basePath.length)
  if (relative.replace(/\/+$/, '') !== path.replace(/\/+$/, '')) return undefined
  return { type: 'path', path: relative, query: url.searchParams }
}

/**
 * Pagination must end. A page that brings nothing new while naming a next page, or a next page
 * named twice, would page forever in an unattended run: the whole account's API budget.
 */
export class PageGuard {
  readonly #ids = new Set<unknown>()
  readonly #next = new Set<string>()

  /** Returns what is wrong with this page, or null when the listing may go on. */
  check(items: ReadonlyArray<Record<string, unknown>>, next: NextPage | null): string | null {
    let fresh = 0
    for (const item of items) {
      const id = item.id
      if (typeof id !== 'number' && typeof id !== 'string') {
        fresh++
        continue
      }
      if (!this.#ids.has(id)) {
        this.#ids.add(id)
        fresh++
      }
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

/** A page size the API takes: 1 to `max`, default `max`. */
export function pageLimit(limit: number | undefined, max = 100): number {
  const value = limit ?? max
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`page limit must be an integer from 1 to ${max}`)
  }
  return value
}

/** The first page of a list, and no further request. */
export async function firstPage<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const first = await pages.next()
  await pages.return(undefined)
  return first.done ? [] : first.value
}

/** The first item that matches, reading no page past it. */
export async function firstMatch<T>(
  pages: AsyncIterable<T[]>,
  match: (item: T) => boolean
): Promise<T | null> {
  for await (const page of pages) {
    const found = page.find(match)
    if (found !== undefined) return found
  }
  return null
}

export async function allItems<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = []
  for await (const page of pages) all.push(...page)
  return all
}

/** Names and emails as Gorgias matches them: in any case. */
export function sameText(value: unknown, wanted: string): boolean {
  return typeof value === 'string' && value.toLowerCase() === wanted.toLowerCase()
}

/**
 * The request of the page `next` names: its path (view items) or the same one with its cursor. A
 * `next_items` path is followed with the first page's `limit` when it names none: as Gorgias hands
 * it out it carries no `limit`, and the default is 30.
 */
export function nextRequest(
  next: NextPage,
  call: { path: string; query: URLSearchParams }
): { path: string; query: URLSearchParams } {
  if (next.type === 'path') {
    const query = new URLSearchParams(next.query)
    // Ours on every page, whether next_items names none (then Gorgias's default, 30) or a smaller one.
    const limit = call.query.get('limit')
    if (limit !== null) query.set('limit', limit)
    return { path: next.path, query }
  }
  const query = new URLSearchParams(call.query)
  query.set('cursor', next.cursor)
  return { path: call.path, query }
}
