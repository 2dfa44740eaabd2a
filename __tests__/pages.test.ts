import { describe, expect, test } from '@jest/globals'
import { PageGuard, parsePage } from '../src/gorgias/pages.js'

/** Page envelopes and where the next page is: cursors, view `next_items` paths, and loops. */

const base = 'https://acme.gorgias.com/api'
const view = { base, path: '/views/0/items' }

describe('parsePage', () => {
  test('a cursor page', () => {
    expect(parsePage({ data: [{ id: 1 }], meta: { next_cursor: 'c2' } }, null)).toEqual({
      data: [{ id: 1 }],
      next: { type: 'cursor', cursor: 'c2' }
    })
    expect(parsePage({ data: [], meta: { next_cursor: null } }, null)?.next).toBeNull()
  })

  test('the next_items path of Gorgias web app paging, relative to the API base', () => {
    const page = parsePage(
      {
        data: [{ id: 169178 }],
        meta: {
          next_items: '/api/views/0/items/?direction=next&ignored_item=169178&cursor=MTY3%3D%3D',
          prev_items: null,
          current_cursor: 'x'
        }
      },
      view
    )
    expect(page?.next).toMatchObject({ type: 'path', path: '/views/0/items/' })
    const next = page!.next as { query: URLSearchParams }
    expect(next.query.get('cursor')).toBe('MTY3==')
    expect(next.query.get('direction')).toBe('next')
  })

  test('next_items under a custom API base path (a proxy, the simulator)', () => {
    const page = parsePage(
      { data: [], meta: { next_items: '/gorgias/api/views/0/items?cursor=a' } },
      { base: 'http://127.0.0.1:9/gorgias/api', path: '/views/0/items' }
    )
    expect(page?.next).toMatchObject({ type: 'path', path: '/views/0/items' })
  })

  test.each([
    ['another host', 'https://evil.test/api/views/0/items?cursor=a'],
    ['another endpoint', '/api/tickets/5?cursor=a'],
    ['a path out of the API', '/views/0/items?cursor=a'],
    ['a write endpoint', '/api/views/0/items/../../tickets/1'],
    ['a path under it, after a long run of slashes', `/api/views/0/items${'/'.repeat(50_000)}x`],
    ['not a string', 42]
  ])('a next_items leading to %s is not followed', (_what, nextItems) => {
    expect(parsePage({ data: [], meta: { next_items: nextItems } }, view)).toBeUndefined()
  })

  test.each([
    ['no meta', { data: [] }],
    ['data not a list', { data: {}, meta: {} }],
    ['an item not an object', { data: [1], meta: {} }],
    ['a cursor of the wrong type', { data: [], meta: { next_cursor: 5 } }],
    ['not an object', []]
  ])('%s is not a page', (_what, json) => {
    expect(parsePage(json, null)).toBeUndefined()
  })
})

describe('PageGuard', () => {
  const cursor = (c: string) => ({ type: 'cursor' as const, cursor: c })

  test('pages that bring new items go on; the last page ends it', () => {
    const guard = new PageGuard()
    expect(guard.check([{ id: 1 }, { id: 2 }], cursor('a'))).toBeNull()
    expect(guard.check([{ id: 2 }, { id: 3 }], cursor('b'))).toBeNull()
    expect(guard.check([{ id: 3 }], null)).toBeNull()
  })

  test('an empty page that names a next page ends the listing', () => {
    expect(new PageGuard().check([], cursor('a'))).toMatch(/empty page/)
  })

  test('a page of nothing new that names a next page ends the listing', () => {
    const guard = new PageGuard()
    guard.check([{ id: 1 }], cursor('a'))
    expect(guard.check([{ id: 1 }], cursor('b'))).toMatch(/nothing not seen before/)
  })

  test('the same next page named twice ends the listing', () => {
    const guard = new PageGuard()
    guard.check([{ id: 1 }], cursor('a'))
    expect(guard.check([{ id: 2 }], cursor('a'))).toMatch(/named twice/)
  })
})
