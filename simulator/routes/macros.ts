/**
 * Macros: `GET /api/macros` (cursor-paged; `search` in the name, any case; `languages`, a comma
 * list or repeated; `order_by` name, created_datetime or updated_datetime with `:asc|:desc`) and
 * `GET /api/macros/{id}`. Archived macros are listed too, with their `archived_datetime`.
 */
import { paginate } from '../cursor.js'
import { HttpError, parseLimit, type Result } from '../results.js'
import { timeKey } from '../values.js'
import type { RouteContext, RouteRequest } from './context.js'

type StoredMacro = Record<string, unknown> & { id: number; name: string }

const ORDERS = ['name', 'created_datetime', 'updated_datetime'] as const

export function getMacro(ctx: RouteContext, { id }: RouteRequest): Result {
  const macro = ctx.store.macros.get(id)
  if (!macro) throw new HttpError(404, 'Macro not found')
  return { status: 200, body: structuredClone(macro) }
}

export function listMacros(ctx: RouteContext, { query }: RouteRequest): Result {
  const search = (query.get('search') ?? '').trim().toLowerCase()
  const languages = [...query.getAll('languages'), ...query.getAll('languages[]')]
    .flatMap(l => l.split(','))
    .map(l => l.trim().toLowerCase())
    .filter(l => l !== '')
  const orderBy = query.get('order_by') ?? 'name:asc'
  const [field = '', dir = 'asc'] = orderBy.split(':')
  if (!(ORDERS as readonly string[]).includes(field) || (dir !== 'asc' && dir !== 'desc')) {
    throw new HttpError(400, 'Validation error', {
      order_by: [`Must be one of ${ORDERS.map(o => `${o}:asc|desc`).join(', ')}.`]
    })
  }
  const matching = [...ctx.store.macros.values()].filter(
    m =>
      (search === '' || m.name.toLowerCase().includes(search)) &&
      (languages.length === 0 ||
        (typeof m.language === 'string' && languages.includes(m.language.toLowerCase())))
  )
  // Names sort as text: their rank in that order is the page key.
  const rank = new Map(
    [...matching]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id))
      .map((m, i) => [m.id, i])
  )
  const key = (m: StoredMacro): number | null =>
    field === 'name'
      ? (rank.get(m.id) ?? null)
      : typeof m[field] === 'string'
        ? timeKey(m[field])
        : null
  const page = paginate(
    matching,
    { key, id: m => m.id, direction: dir === 'asc' ? 1 : -1 },
    `macros:${search}:${languages.join(',')}:${orderBy}`,
    parseLimit(query),
    query.get('cursor')
  )
  return { status: 200, body: { ...page, data: page.data.map(m => structuredClone(m)) } }
}
