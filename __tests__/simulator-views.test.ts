import { describe, expect, it } from '@jest/globals'
import type { Ticket } from '../src/gorgias/types.js'
import type { GorgiasSimulator } from '../simulator/server.js'
import { call, simulators } from './helpers/simHttp.js'

const NOW = new Date('2025-03-10T12:00:00.000Z')
const HOUR = 3_600_000
const at = (hoursAgo: number): string => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString()

const startSim = simulators({ now: () => NOW })

interface ItemsMeta {
  next_items?: string | null
  prev_items?: string | null
  current_cursor?: string | null
  next_cursor?: string | null
  prev_cursor?: string | null
}
interface Items {
  data: Ticket[]
  meta: ItemsMeta
}

const view = (filters: string, extra: Record<string, unknown> = {}) => ({
  view: { type: 'ticket-list', filters, order_by: 'created_datetime', order_dir: 'asc', ...extra }
})
const OPEN = "eq(ticket.status, 'open')"

/** `n` tickets an hour apart; every third one closed. */
function account(sim: GorgiasSimulator, n: number): { open: number[]; closed: number[] } {
  const open: number[] = []
  const closed: number[] = []
  for (let i = 0; i < n; i++) {
    const status = i % 3 === 2 ? 'closed' : 'open'
    const t = sim.addTicket({ status, created_datetime: at(1000 - i) })
    ;(status === 'open' ? open : closed).push(t.id)
  }
  return { open, closed }
}

/** Follows `meta.next_items` with the same method and body, as Gorgias's web app does. */
async function followNextItems(
  sim: GorgiasSimulator,
  first: string,
  body: unknown,
  method = 'PUT'
): Promise<Items[]> {
  const pages: Items[] = []
  let path: string | null | undefined = first
  while (path) {
    const res: { status: number; json: Items } = await call<Items>(sim, method, path, body)
    expect(res.status).toBe(200)
    pages.push(res.json)
    path = res.json.meta.next_items
  }
  return pages
}

describe('PUT /api/views/0/items: an ad-hoc view', () => {
  it('lists the matching tickets, trashed ones left out, as the list shows them', async () => {
    const sim = await startSim()
    const { open } = account(sim, 9)
    const trashed = sim.addTicket({ created_datetime: at(1), trashed_datetime: at(0.5) })
    const res = await call<Items>(sim, 'PUT', '/views/0/items', view(OPEN))
    expect(res.status).toBe(200)
    expect(res.json.data.map(t => t.id)).toEqual(open)
    expect(res.json.data.map(t => t.id)).not.toContain(trashed.id)
    // Items are the ticket list's objects: no messages.
    const listed = await call<{ data: Ticket[] }>(sim, 'GET', '/tickets?limit=100')
    expect(res.json.data[0]).toEqual(listed.json.data.find(t => t.id === open[0]))
    expect(res.json.data[0]).not.toHaveProperty('messages')
    expect(res.json.meta).toEqual({ next_items: null, prev_items: null, current_cursor: null })
  })

  it('orders by any documented datetime field, both ways', async () => {
    const sim = await startSim()
    const a = sim.addTicket({ created_datetime: at(30), messages: [{ created_datetime: at(5) }] })
    const b = sim.addTicket({ created_datetime: at(20), messages: [{ created_datetime: at(15) }] })
    const c = sim.addTicket({ created_datetime: at(10), messages: [{ created_datetime: at(1) }] })
    const ids = async (order_by: string, order_dir: string): Promise<number[]> =>
      (await call<Items>(sim, 'PUT', '/views/0/items', view('', { order_by, order_dir }))).json.data.map(t => t.id) // prettier-ignore
    expect(await ids('created_datetime', 'asc')).toEqual([a.id, b.id, c.id])
    expect(await ids('created_datetime', 'desc')).toEqual([c.id, b.id, a.id])
    expect(await ids('last_message_datetime', 'asc')).toEqual([b.id, a.id, c.id])
    expect(await ids('last_received_message_datetime', 'desc')).toEqual([c.id, a.id, b.id])
    expect(await ids('updated_datetime', 'asc')).toEqual([b.id, a.id, c.id])
    for (const field of ['closed_datetime', 'snooze_datetime']) {
      expect((await ids(field, 'asc')).sort()).toEqual([a.id, b.id, c.id])
    }
  })

  it('does not count as a write', async () => {
    const sim = await startSim()
    account(sim, 3)
    await call(sim, 'PUT', '/views/0/items', view(OPEN))
    expect(sim.writes()).toEqual([])
    expect(sim.stats().byRoute).toEqual({ 'PUT /api/views/{id}/items': 1 })
  })
})

describe('view filters', () => {
  async function matching(sim: GorgiasSimulator, filters: string): Promise<number[]> {
    const res = await call<Items>(sim, 'PUT', '/views/0/items?limit=100', view(filters))
    expect(res.status).toBe(200)
    return res.json.data.map(t => t.id)
  }

  it('supports eq and neq on dotted ticket fields, joined by &&', async () => {
    const sim = await startSim()
    const maria = { id: 2, email: 'maria.lopez@acme.test', name: 'Maria Lopez' }
    const a = sim.addTicket({ created_datetime: at(5), assignee_user: maria, channel: 'chat' })
    const b = sim.addTicket({ created_datetime: at(4), spam: true })
    const c = sim.addTicket({ created_datetime: at(3), status: 'closed', assignee_user: maria })
    const d = sim.addTicket({ created_datetime: at(2), snooze_datetime: at(-5) })

    expect(await matching(sim, OPEN)).toEqual([a.id, b.id, d.id])
    expect(await matching(sim, "neq(ticket.status, 'open')")).toEqual([c.id])
    // The reference's own example: an id compared as a quoted string.
    expect(await matching(sim, "eq(ticket.assignee_user.id, '2') && eq(ticket.status, 'open')")).toEqual([a.id]) // prettier-ignore
    expect(await matching(sim, 'eq(ticket.assignee_user.id, 2)')).toEqual([a.id, c.id])
    expect(await matching(sim, 'eq(ticket.assignee_user.email, "maria.lopez@acme.test")')).toEqual([a.id, c.id]) // prettier-ignore
    expect(await matching(sim, 'eq(ticket.spam, true)')).toEqual([b.id])
    expect(await matching(sim, 'eq(ticket.spam,false)&&neq(ticket.channel,"chat")')).toEqual([c.id, d.id]) // prettier-ignore
    // null matches a null field and a missing one (no assignee: no assignee_user.id).
    expect(await matching(sim, 'eq(ticket.snooze_datetime, null)')).toEqual([a.id, b.id, c.id])
    expect(await matching(sim, 'eq(ticket.assignee_user.id, null)')).toEqual([b.id, d.id])
    expect(await matching(sim, 'neq(ticket.snooze_datetime, null)')).toEqual([d.id])
    expect(await matching(sim, "eq(ticket.subject, 'it\\'s')")).toEqual([])
    expect(await matching(sim, '')).toEqual([a.id, b.id, c.id, d.id])
  })

  it.each([
    ['an operator the simulator does not know', "gte(ticket.created_datetime, '2025-01-01')"],
    ['an unknown function', "is(ticket.status, 'open')"],
    ['||', "eq(ticket.status, 'open') || eq(ticket.status, 'closed')"],
    ['a missing parenthesis', "eq(ticket.status, 'open'"],
    ['a missing value', 'eq(ticket.status)'],
    ['an unterminated string', "eq(ticket.status, 'open)"],
    ['a stray character', "eq(ticket.status, 'open') ; drop"],
    ['a single &', "eq(ticket.status, 'open') & eq(ticket.spam, false)"],
    ['a trailing &&', "eq(ticket.status, 'open') &&"],
    ['an unknown root', "eq(customer.email, 'a@b.c')"],
    ['no field', "eq(ticket, 'open')"],
    ['an unknown field', "eq(ticket.mood, 'happy')"],
    ['tags (a list)', "eq(ticket.tags, 'vip')"],
    ['a field as the value', 'eq(ticket.status, ticket.channel)']
  ])('answers 400 with a JSON error for %s', async (_what, filters) => {
    const sim = await startSim()
    account(sim, 3)
    const res = await call(sim, 'PUT', '/views/0/items', view(filters))
    expect(res.status).toBe(400)
    expect(res.json.error.msg).toMatch(/^Invalid view filters: /)
    expect(res.json.error.data['view.filters']).toEqual([expect.any(String)])
  })

  it('refuses a view 0 without a definition, another type, a bad order, a bad limit', async () => {
    const sim = await startSim()
    const bad = async (path: string, body?: unknown, method = 'PUT'): Promise<number> =>
      (await call(sim, method, path, body)).status
    expect(await bad('/views/0/items')).toBe(400)
    expect(await bad('/views/0/items', {})).toBe(400)
    expect(await bad('/views/0/items', { view: 'open' })).toBe(400)
    expect(await bad('/views/0/items', undefined, 'GET')).toBe(400)
    expect(await bad('/views/0/items', view(OPEN, { type: 'customer-list' }))).toBe(400)
    expect(await bad('/views/0/items', view(OPEN, { filters: 42 }))).toBe(400)
    expect(await bad('/views/0/items', view(OPEN, { order_by: 'priority' }))).toBe(400)
    expect(await bad('/views/0/items', view(OPEN, { order_by: 'status' }))).toBe(400)
    expect(await bad('/views/0/items', view(OPEN, { order_dir: 'up' }))).toBe(400)
    expect(await bad('/views/0/items?limit=101', view(OPEN))).toBe(400)
    expect(await bad('/views/0/items?limit=0', view(OPEN))).toBe(400)
    expect(await bad('/views/0/items?direction=sideways', view(OPEN))).toBe(400)
    expect(await bad('/views/0/items', '{"view": ')).toBe(400)
    expect(await bad('/views/0/items', view(OPEN))).toBe(200)
  })
})

describe('view items pages', () => {
  it('links the next page by path in meta.next_items, requested with the same method and body', async () => {
    const sim = await startSim()
    const { open } = account(sim, 105) // 70 open
    const body = view(OPEN)
    const pages = await followNextItems(sim, '/views/0/items', body)
    expect(pages.map(p => p.data.length)).toEqual([30, 30, 10])
    expect(pages.flatMap(p => p.data.map(t => t.id))).toEqual(open)

    const [first, second] = pages as [Items, Items]
    const lastOfFirst = first.data.at(-1)?.id
    expect(first.meta.next_items).toMatch(
      new RegExp(`^/api/views/0/items/\\?direction=next&ignored_item=${lastOfFirst}&cursor=[^&]+$`)
    )
    expect(first.meta.prev_items).toBeNull()
    expect(first.meta.current_cursor).toBeNull()
    const cursor = new URLSearchParams(first.meta.next_items?.split('?')[1]).get('cursor')
    expect(second.meta.current_cursor).toBe(cursor)
    expect(pages.at(-1)?.meta.next_items).toBeNull()

    // prev_items of the second page is the first page again.
    expect(second.meta.prev_items).toMatch(/^\/api\/views\/0\/items\/\?direction=prev&ignored_item=\d+&cursor=/) // prettier-ignore
    const back = await call<Items>(sim, 'PUT', second.meta.prev_items as string, body)
    expect(back.json.data.map(t => t.id)).toEqual(first.data.map(t => t.id))
    expect(back.json.meta.prev_items).toBeNull()
  })

  it('leaves limit out of the links (the API default applies), and refuses a cursor with another body', async () => {
    const sim = await startSim()
    const { open } = account(sim, 60) // 40 open
    const pages = await followNextItems(sim, '/views/0/items?limit=7', view(OPEN))
    // Followed verbatim: 7 on the first page, then the documented default of 30.
    expect(pages.map(p => p.data.length)).toEqual([7, 30, 3])
    expect(pages[0]?.meta.next_items).not.toMatch(/limit=/)
    expect(pages.flatMap(p => p.data.map(t => t.id))).toEqual(open)

    const next = pages[0]?.meta.next_items as string
    const other = await call(sim, 'PUT', next, view("neq(ticket.status, 'closed')"))
    expect(other.status).toBe(400)
    const reordered = await call(sim, 'PUT', next, view(OPEN, { order_dir: 'desc' }))
    expect(reordered.status).toBe(400)
    const wrongWay = await call(sim, 'PUT', next.replace('direction=next', 'direction=prev'), view(OPEN)) // prettier-ignore
    expect(wrongWay.status).toBe(400)
  })

  it('skips no open ticket when the client closes tickets between pages', async () => {
    const sim = await startSim()
    const { open } = account(sim, 90) // 60 open
    const seen: number[] = []
    let path: string | null | undefined = '/views/0/items'
    while (path) {
      const res: { json: Items } = await call<Items>(sim, 'PUT', path, view(OPEN))
      for (const t of res.json.data) {
        seen.push(t.id)
        if (t.id % 2 === 0) await call(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })
      }
      path = res.json.meta.next_items
    }
    expect(seen).toEqual(open)
  })

  it('pages with meta.next_cursor under viewPaging: next_cursor', async () => {
    const sim = await startSim({ viewPaging: 'next_cursor' })
    const { open } = account(sim, 60) // 40 open
    const first = await call<Items>(sim, 'PUT', '/views/0/items?limit=25', view(OPEN))
    expect(Object.keys(first.json.meta).sort()).toEqual(['next_cursor', 'prev_cursor'])
    const second = await call<Items>(sim, 'PUT', `/views/0/items?limit=25&cursor=${first.json.meta.next_cursor}`, view(OPEN)) // prettier-ignore
    expect([...first.json.data, ...second.json.data].map(t => t.id)).toEqual(open)
    expect(second.json.meta.next_cursor).toBeNull()
    expect(second.json.meta.prev_cursor).toEqual(expect.any(String))
  })
})

describe('saved views', () => {
  it("lists a saved view's tickets with GET or with PUT and no body; a PUT body narrows them", async () => {
    const sim = await startSim()
    const { open, closed } = account(sim, 9)
    const trashed = sim.addTicket({ created_datetime: at(1), trashed_datetime: at(0.5) })
    const gone = sim.addTicket({ created_datetime: at(1) })
    const members = [open[0], closed[0], open[1], trashed.id, gone.id] as number[]
    sim.setView(12, members, 'Team queue')
    sim.deleteTicket(gone.id)
    const expected = [open[0], open[1], closed[0]]

    const got = await call<Items>(sim, 'GET', '/views/12/items?order_by=created_datetime:asc')
    expect(got.status).toBe(200)
    expect(got.json.data.map(t => t.id)).toEqual(expected)
    const byDefault = await call<Items>(sim, 'GET', '/views/12/items')
    expect(byDefault.json.data.map(t => t.id)).toEqual([...expected].reverse())
    const put = await call<Items>(sim, 'PUT', '/views/12/items?order_by=created_datetime:asc')
    expect(put.json.data.map(t => t.id)).toEqual(expected)
    const narrowed = await call<Items>(sim, 'PUT', '/views/12/items', { view: { filters: OPEN, order_by: 'created_datetime', order_dir: 'desc' } }) // prettier-ignore
    expect(narrowed.json.data.map(t => t.id)).toEqual([open[1], open[0]])

    expect((await call(sim, 'GET', '/views/13/items')).status).toBe(404)
    expect((await call(sim, 'GET', '/views/12/items?order_by=status:asc')).status).toBe(400)
    expect((await call(sim, 'DELETE', '/views/12/items')).status).toBe(405)
  })

  it('pages a saved view by next_items with GET', async () => {
    const sim = await startSim()
    const { open } = account(sim, 60)
    sim.setView(5, open)
    const pages = await followNextItems(sim, '/views/5/items?order_by=created_datetime:asc&limit=15', undefined, 'GET') // prettier-ignore
    expect(pages.map(p => p.data.length)).toEqual([15, 25]) // links carry no limit: then 30 a page
    expect(pages.flatMap(p => p.data.map(t => t.id))).toEqual(open)
    expect(pages[0]?.meta.next_items).toMatch(/^\/api\/views\/5\/items\/\?direction=next&/)
  })
})

describe('accounts without views, and asynchronous answers', () => {
  it('answers 404 on every /api/views endpoint with views: false', async () => {
    const sim = await startSim({ views: false })
    const { open } = account(sim, 6)
    sim.setView(3, open)
    expect((await call(sim, 'GET', '/views')).status).toBe(404)
    expect((await call(sim, 'GET', '/views/3')).status).toBe(404)
    expect((await call(sim, 'GET', '/views/3/items')).status).toBe(404)
    expect((await call(sim, 'PUT', '/views/0/items', view(OPEN))).status).toBe(404)
    expect((await call(sim, 'PUT', '/views/0/items/', view(OPEN))).status).toBe(404)
    // The plain ticket list still works.
    expect((await call<Items>(sim, 'GET', '/tickets')).json.data).toHaveLength(6)
  })

  it('can answer 202 Accepted with no items through an injected fault', async () => {
    const sim = await startSim()
    account(sim, 6)
    sim.injectFault({ method: 'PUT', path: '/views/0/items', fault: { kind: 'status', status: 202, body: {} } }) // prettier-ignore
    const accepted = await call(sim, 'PUT', '/views/0/items', view(OPEN))
    expect(accepted.status).toBe(202)
    expect(accepted.json).toEqual({})
    expect(sim.log[0]).toMatchObject({ status: 202, fault: 'status', processed: false })
    const answered = await call<Items>(sim, 'PUT', '/views/0/items', view(OPEN))
    expect(answered.status).toBe(200)
    expect(answered.json.data).toHaveLength(4)
  })
})
