/**
 * Cursor pagination as the changelog documents it (`limit` + opaque `cursor`, envelope
 * `{data, meta: {next_cursor, prev_cursor}}`), built as keyset pagination: a cursor is the
 * (sort key, id) of the item it continues from, so edits or deletions between pages never make an
 * untouched item be skipped or repeated. A cursor also carries a fingerprint of its query: reusing
 * it with other filters or another order is a 400, as a client bug should be.
 */
import type { Page } from '../src/gorgias/types.js'
import { HttpError } from './results.js'
import { isRecord } from './values.js'

/** Where an item sits in an order: its sort key (null = missing, sorts first), then its id. */
export interface Position {
  k: number | null
  id: number
}

interface CursorState extends Position {
  /** Fingerprint of the query the cursor belongs to. */
  q: string
  d: 'next' | 'prev'
}

export type Direction = CursorState['d']

export type CursorPage<T> = Page<T> & { meta: { prev_cursor: string | null } }

/** Missing keys sort first; ties by id. */
export function comparePositions(a: Position, b: Position): number {
  return compareKeys(a.k, a.id, b.k, b.id)
}

function compareKeys(ak: number | null, aid: number, bk: number | null, bid: number): number {
  if (ak !== bk) {
    if (ak === null) return -1
    if (bk === null) return 1
    return ak - bk
  }
  return aid - bid
}

function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url')
}

function decodeCursor(raw: string, fingerprint: string): CursorState {
  const bad = new HttpError(400, 'Invalid cursor', { cursor: ['Not a valid cursor.'] })
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    throw bad
  }
  if (
    !isRecord(parsed) ||
    (parsed.d !== 'next' && parsed.d !== 'prev') ||
    typeof parsed.q !== 'string' ||
    !(parsed.k === null || (typeof parsed.k === 'number' && Number.isFinite(parsed.k))) ||
    typeof parsed.id !== 'number' ||
    !Number.isInteger(parsed.id)
  ) {
    throw bad
  }
  const cursor: CursorState = { q: parsed.q, d: parsed.d, k: parsed.k, id: parsed.id }
  if (encodeCursor(cursor) !== raw) throw bad
  if (cursor.q !== fingerprint) {
    throw new HttpError(400, 'Invalid cursor: it belongs to a different query', {
      cursor: ['Pass the same order_by and filters with the cursor as on the first page.']
    })
  }
  return cursor
}

/** The direction a raw cursor pages in (it must belong to this query). */
export function cursorDirection(raw: string, fingerprint: string): Direction {
  return decodeCursor(raw, fingerprint).d
}

/** The order of a list: each item's sort key and id, ascending (1) or descending (-1). */
export interface Order<T> {
  /** Sort key; null (missing) sorts first in ascending order. */
  key: (item: T) => number | null
  id: (item: T) => number
  direction: 1 | -1
  /** Only the items it keeps are listed. */
  keep?: (item: T) => boolean
}

interface Entry<T> {
  item: T
  pos: Position
}

/**
 * One page of `items` in `order`, continuing from `rawCursor`. A single pass that keeps only the
 * page (plus one item, to know whether another page follows) and allocates nothing for the items
 * it passes over, so a page of a 100,000-ticket account costs no sort.
 */
export function paginate<T>(
  items: Iterable<T>,
  order: Order<T>,
  fingerprint: string,
  limit: number,
  rawCursor: string | null
): CursorPage<T> {
  const cursor = rawCursor === null ? null : decodeCursor(rawCursor, fingerprint)
  const backward = cursor?.d === 'prev'
  /** The direction items are picked in: away from the cursor. */
  const way = backward ? -order.direction : order.direction
  const before = (k: number | null, id: number, than: Position): boolean =>
    way * compareKeys(k, id, than.k, than.id) < 0
  const best: Array<Entry<T>> = []
  const cap = limit + 1
  /** Some item lies on the cursor's other side: there is a page that way. */
  let beyondCursor = false
  for (const item of items) {
    if (order.keep && !order.keep(item)) continue
    const k = order.key(item)
    const id = order.id(item)
    if (cursor !== null && way * compareKeys(k, id, cursor.k, cursor.id) <= 0) {
      beyondCursor = true
      continue
    }
    const worst = best[best.length - 1]
    if (best.length >= cap && worst && !before(k, id, worst.pos)) continue
    let lo = 0
    let hi = best.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(k, id, (best[mid] as Entry<T>).pos)) hi = mid
      else lo = mid + 1
    }
    best.splice(lo, 0, { item, pos: { k, id } })
    if (best.length > cap) best.pop()
  }
  const more = best.length > limit
  const page = best.slice(0, limit)
  if (backward) page.reverse()
  const first = page[0]
  const last = page[page.length - 1]
  const hasNext = backward ? beyondCursor : more
  const hasPrev = backward ? more : beyondCursor
  const cursorAt = (pos: Position, d: Direction): string =>
    encodeCursor({ q: fingerprint, d, k: pos.k, id: pos.id })
  return {
    data: page.map(e => e.item),
    meta: {
      next_cursor: last && hasNext ? cursorAt(last.pos, 'next') : null,
      prev_cursor: first && hasPrev ? cursorAt(first.pos, 'prev') : null
    }
  }
}

export function wholePage<T>(data: T[]): Page<T> {
  return { data, meta: { next_cursor: null, prev_cursor: null } }
}
