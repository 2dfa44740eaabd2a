import type { GorgiasClient } from './client.js'
import { allItems, firstMatch, firstPage, sameText } from './pages.js'
import type { Account, Integration, Macro, Tag, User } from './types.js'

/**
 * Reads of the account's own setup (users, tags, integrations, macros, the account and its
 * settings), made before any write, on the client's paced, retried `getJson` and `list`.
 */

type Reader = Pick<GorgiasClient, 'getJson' | 'list'>

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The user whose email is this one (any case), from `GET /users`; null when none has it. */
export function findUserByEmail(client: Pick<Reader, 'list'>, email: string): Promise<User | null> {
  return firstMatch(client.list<User>('/users'), u => sameText(u?.email, email))
}

/** One request: the first page (up to 100) of the tags matching `GET /tags?search=`. */
export function searchTags(client: Pick<Reader, 'list'>, search: string): Promise<Tag[]> {
  return firstPage(client.list<Tag>('/tags', { search }, 'tags'))
}

/** Every integration of the account (`GET /integrations`). */
export function listIntegrations(client: Pick<Reader, 'list'>): Promise<Integration[]> {
  return allItems(client.list<Integration>('/integrations'))
}

/** One macro (`GET /macros/{id}`). */
export async function getMacro(client: Pick<Reader, 'getJson'>, id: number): Promise<Macro> {
  const json = await client.getJson(`/macros/${id}`)
  if (!isRecord(json) || typeof json.id !== 'number') {
    throw new Error(`GET /macros/${id} answered something that is not a macro`)
  }
  return json as unknown as Macro
}

/** Pages of macros (`GET /macros`), filtered by `search` (in the name) and `languages`. */
export function listMacros(
  client: Pick<Reader, 'list'>,
  filter: { search?: string; languages?: string } = {}
): AsyncGenerator<Macro[]> {
  const query: Record<string, string> = {}
  if (filter.search !== undefined) query.search = filter.search
  if (filter.languages !== undefined) query.languages = filter.languages
  return client.list<Macro>('/macros', query)
}

/** The account (`GET /account`), its settings included. */
export async function getAccount(client: Pick<Reader, 'getJson'>): Promise<Account> {
  const json = await client.getJson('/account')
  if (!isRecord(json)) throw new Error('GET /account answered something that is not an account')
  return json
}
