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
  if (a.k !== b.k) {
    if (a.k === null) return -1
    if (b.k === null) return 1
    return a.k - b.k
  }
  return a.id - b.id
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

/**
 * One page of `items` in the order `compare` defines, continuing from `rawCursor`.
 */
export function paginate<T>(
  items: Iterable<T>,
  positionOf: (item: T) => Position,
  compare: (a: Position, b: Position) => number,
  fingerprint: string,
  limit: number,
  rawCursor: string | null
): CursorPage<T> {
  const sorted = [...items]
    .map(item => ({ item, pos: positionOf(item) }))
    .sort((a, b) => compare(a.pos, b.pos))
  let start = 0
  let end = Math.min(limit, sorted.length)
  if (rawCursor !== null) {
    const cursor = decodeCursor(rawCursor, fingerprint)
    if (cursor.d === 'next') {
      start = sorted.findIndex(e => compare(e.pos, cursor) > 0)
      if (start < 0) start = sorted.length
      end = Math.min(start + limit, sorted.length)
    } else {
      end = sorted.findIndex(e => compare(e.pos, cursor) >= 0)
      if (end < 0) end = sorted.length
      start = Math.max(0, end - limit)
    }
  }
  const page = sorted.slice(start, end)
  const first = page[0]
  const last = page[page.length - 1]
  const cursorAt = (pos: Position, d: Direction): string =>
    encodeCursor({ q: fingerprint, d, k: pos.k, id: pos.id })
  return {
    data: page.map(e => e.item),
    meta: {
      next_cursor: last && end < sorted.length ? cursorAt(last.pos, 'next') : null,
      prev_cursor: first && start > 0 ? cursorAt(first.pos, 'prev') : null
    }
  }
}

export function wholePage<T>(data: T[]): Page<T> {
  return { data, meta: { next_cursor: null, prev_cursor: null } }
}
