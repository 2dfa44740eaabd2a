import type { GorgiasClient } from './client.js'
import { parsePage } from './pages.js'
import type { Account, Macro } from './types.js'

/**
 * Reads of the account's own setup (macros, users, the account and its settings), made once per
 * run before any write. Built on the client's paced, retried `getJson`; cursor pages followed by
 * hand, with a cap, since these lists are short.
 */

type Reader = Pick<GorgiasClient, 'getJson'>

const PAGE_LIMIT = 100
const MAX_PAGES = 50

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Pages of a list endpoint, following `meta.next_cursor`. */
export async function* pagesOf<T>(
  client: Reader,
  path: string,
  query: Record<string, string> = {}
): AsyncGenerator<T[]> {
  let cursor: string | null = null
  const seen = new Set<string>()
  for (let n = 0; n < MAX_PAGES; n++) {
    const json = await client.getJson(path, {
      ...query,
      limit: PAGE_LIMIT,
      ...(cursor === null ? {} : { cursor })
    })
    const page = parsePage<T>(json, null)
    if (!page) throw new Error(`GET ${path} answered something that is not a page of results`)
    yield page.data
    if (page.next === null || page.next.type !== 'cursor') return
    if (seen.has(page.next.cursor)) throw new Error(`GET ${path} named the same page twice`)
    seen.add(page.next.cursor)
    cursor = page.next.cursor
  }
}

/** One macro (`GET /macros/{id}`). */
export async function getMacro(client: Reader, id: number): Promise<Macro> {
  const json = await client.getJson(`/macros/${id}`)
  if (!isRecord(json) || typeof json.id !== 'number') {
    throw new Error(`GET /macros/${id} answered something that is not a macro`)
  }
  return json as unknown as Macro
}

/** Pages of macros (`GET /macros`), filtered by `search` (in the name) and `languages`. */
export function listMacros(
  client: Reader,
  filter: { search?: string; languages?: string } = {}
): AsyncGenerator<Macro[]> {
  const query: Record<string, string> = {}
  if (filter.search !== undefined) query.search = filter.search
  if (filter.languages !== undefined) query.languages = filter.languages
  return pagesOf<Macro>(client, '/macros', query)
}

/** The account (`GET /account`), its settings included. */
export async function getAccount(client: Reader): Promise<Account> {
  const json = await client.getJson('/account')
  if (!isRecord(json)) throw new Error('GET /account answered something that is not an account')
  return json
}
