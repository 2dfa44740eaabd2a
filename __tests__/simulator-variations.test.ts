import { describe, expect, it } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { basic, call, simulators } from './helpers/simHttp.js'

/**
 * The documented variations of the simulator's answers (off by default): each option gives the
 * shape it says, and only that. e2e-documented.test.ts runs the action against them.
 */

const startSim = simulators()
const H = 3_600_000
const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * H).toISOString()

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON boundary
const idsOf = (items: unknown): number[] => (items as Json[]).map(i => i.id as number)

function thread(sim: GorgiasSimulator) {
  return sim.addTicket({
    created_datetime: iso(100),
    messages: [
      { from_agent: false, created_datetime: iso(80) },
      { from_agent: true, created_datetime: iso(60) }
    ]
  })
}

const adHoc = { view: { type: 'ticket-list', filters: "eq(ticket.status, 'open')" } }

describe('the default simulator is unchanged', () => {
  it('seconds in Retry-After, paths in next_items, Z timestamps, messages_count, API user first', async () => {
    const sim = await startSim()
    for (let i = 0; i < 3; i++) thread(sim)
    sim.injectFault({ path: '/users', fault: { kind: 'status', status: 429, retryAfter: 3 } })
    const throttled = await call(sim, 'GET', '/users')
    expect(throttled.headers.get('retry-after')).toBe('3')
    const users = await call<Json>(sim, 'GET', '/users?limit=1')
    expect(users.json.data[0].id).toBe(1)
    expect(users.json.data[0]).not.toHaveProperty('updated_datetime')
    const items = await call<Json>(sim, 'PUT', '/views/0/items?limit=2', adHoc)
    expect(items.json.meta.next_items).toMatch(/^\/api\/views\/0\/items\/\?/)
    expect(items.json.data[0].messages_count).toBe(2)
    expect(items.json.data[0].created_datetime).toMatch(/\.\d{3}Z$/)
  })
})

describe('nextItemsLink: url', () => {
  it('names the neighbour pages by absolute URLs on the host asked, which lead there', async () => {
    const sim = await startSim({ nextItemsLink: 'url' })
    for (let i = 0; i < 5; i++) thread(sim)
    const first = await call<Json>(sim, 'PUT', '/views/0/items?limit=2', adHoc)
    const next = first.json.meta.next_items as string
    expect(next.startsWith(`${sim.baseUrl}/views/0/items/?direction=next&`)).toBe(true)
    const res = await fetch(next.replace(/direction=next/, 'limit=2&direction=next'), {
      method: 'PUT',
      headers: { authorization: basic(sim.email, sim.apiKey), 'content-type': 'application/json' },
      body: JSON.stringify(adHoc)
    })
    const second = (await res.json()) as Json
    expect(String(second.meta.prev_items)).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/api\/views\/0\/items\/\?/
    )
    const seen = [...first.json.data, ...second.data].map((t: Json) => t.id as number)
    expect(new Set(seen).size).toBe(4)
  })

  it('in process, the URL is on the host of the request', async () => {
    const sim = new GorgiasSimulator({ nextItemsLink: 'url' })
    for (let i = 0; i < 3; i++) thread(sim)
    const res = await sim.request({
      method: 'PUT',
      url: 'https://acme.gorgias.test/api/views/0/items?limit=1',
      headers: { authorization: basic(sim.email, sim.apiKey) },
      body: JSON.stringify(adHoc)
    })
    const meta = (JSON.parse(res.text) as Json).meta
    expect(meta.next_items).toMatch(/^https:\/\/acme\.gorgias\.test\/api\/views\/0\/items\/\?/)
  })
})

describe('retryAfter: http-date', () => {
  it('a 429 says when to retry as an HTTP date, rounded up to the second, on the server clock', async () => {
    const now = new Date('2026-03-02T10:00:00.400Z')
    const sim = await startSim({ retryAfter: 'http-date', now: () => now })
    sim.injectFault({ path: '/users', fault: { kind: 'status', status: 429, retryAfter: 2 } })
    const res = await call(sim, 'GET', '/users')
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('Mon, 02 Mar 2026 10:00:03 GMT')
  })

  it('the bucket throttles with a date too', async () => {
    const sim = await startSim({ retryAfter: 'http-date', rateLimit: { limit: 1, windowMs: 60_000 } }) // prettier-ignore
    await call(sim, 'GET', '/users')
    const res = await call(sim, 'GET', '/users')
    expect(res.status).toBe(429)
    const at = Date.parse(res.headers.get('retry-after') ?? '')
    expect(at).toBeGreaterThan(Date.now())
    expect(res.headers.get('retry-after')).toMatch(/ GMT$/)
  })
})

describe('messagesCount: false', () => {
  it('no ticket answer carries messages_count', async () => {
    const sim = await startSim({ messagesCount: false })
    const t = thread(sim)
    const answers = [
      (await call<Json>(sim, 'GET', '/tickets')).json.data[0],
      (await call<Json>(sim, 'PUT', '/views/0/items', adHoc)).json.data[0],
      (await call<Json>(sim, 'GET', `/tickets/${t.id}`)).json,
      (await call<Json>(sim, 'PUT', `/tickets/${t.id}`, { status: 'open' })).json
    ]
    for (const a of answers) expect(a).not.toHaveProperty('messages_count')
    // The embedded thread is still whole, and the store still counts.
    expect(answers[2]!.messages).toHaveLength(2)
    expect(sim.ticket(t.id)!.messages_count).toBe(2)
  })
})

describe('timestamps', () => {
  it("'python': +00:00, microseconds, no fraction on a whole second", async () => {
    const sim = await startSim({ timestamps: 'python' })
    const t = sim.addTicket({
      created_datetime: '2026-03-02T10:00:00.000Z',
      messages: [{ from_agent: false, created_datetime: '2026-03-02T10:05:00.123Z' }]
    })
    const res = await call<Json>(sim, 'GET', `/tickets/${t.id}`)
    expect(res.json.created_datetime).toBe('2026-03-02T10:00:00+00:00')
    expect(res.json.last_message_datetime).toBe('2026-03-02T10:05:00.123000+00:00')
    expect(res.json.messages[0].created_datetime).toBe('2026-03-02T10:05:00.123000+00:00')
    // Stored as given: only the answers change.
    expect(sim.ticket(t.id)!.created_datetime).toBe('2026-03-02T10:00:00.000Z')
  })

  it("'varied': 0 to 6 fraction digits, Z or +00:00, each the same instant", async () => {
    const sim = await startSim({ timestamps: 'varied' })
    const base = Date.parse('2026-03-02T10:00:00.123Z')
    const t = sim.addTicket({
      created_datetime: new Date(base - 60_000).toISOString(),
      messages: Array.from({ length: 7 }, (_, i) => ({
        from_agent: i % 2 === 1,
        created_datetime: new Date(base + i * 1000).toISOString()
      }))
    })
    const res = await call<Json>(sim, 'GET', `/tickets/${t.id}`)
    const shown = (res.json.messages as Json[]).map(m => m.created_datetime as string)
    const digits = shown.map(s => /\.(\d+)/.exec(s)?.[1]?.length ?? 0)
    expect(new Set(digits).size).toBe(7)
    expect(shown.some(s => s.endsWith('Z'))).toBe(true)
    expect(shown.some(s => s.endsWith('+00:00'))).toBe(true)
    shown.forEach((s, i) => expect(Math.floor(Date.parse(s) / 1000)).toBe(Math.floor((base + i * 1000) / 1000))) // prettier-ignore
  })
})

describe("timestamps: 'zoned'", () => {
  it('each instant in another offset, the same instant', async () => {
    const sim = await startSim({ timestamps: 'zoned' })
    const base = Date.parse('2026-03-02T10:00:00.123Z')
    const t = sim.addTicket({
      created_datetime: new Date(base - 60_000).toISOString(),
      messages: Array.from({ length: 7 }, (_, i) => ({
        from_agent: i % 2 === 1,
        created_datetime: new Date(base + i * 1000).toISOString()
      }))
    })
    const res = await call<Json>(sim, 'GET', `/tickets/${t.id}`)
    const shown = (res.json.messages as Json[]).map(m => m.created_datetime as string)
    expect(new Set(shown.map(s => s.slice(-6))).size).toBe(7)
    expect(shown).toContain('2026-03-02T00:30:02.123-09:30')
    shown.forEach((s, i) => expect(Date.parse(s)).toBe(base + i * 1000))
  })
})

describe('changingUsersAndMacros', () => {
  it('every answer of users and macros is newer than the last', async () => {
    const sim = await startSim({ changingUsersAndMacros: true })
    const a = await call<Json>(sim, 'GET', '/users')
    const b = await call<Json>(sim, 'GET', '/users')
    expect(a.json.data[0].updated_datetime).not.toBe(b.json.data[0].updated_datetime)
    const m1 = await call<Json>(sim, 'GET', '/macros/12')
    const m2 = await call<Json>(sim, 'GET', '/macros?search=follow')
    expect(m1.json.updated_datetime).not.toBe(m2.json.data[0].updated_datetime)
    expect(m2.json.data[0].usage).toBeGreaterThan(m1.json.usage as number)
    // The texts stay the same.
    expect((m2.json.data as Json[]).find(m => m.id === 12)?.actions).toEqual(m1.json.actions)
  })
})

describe('pageCap and apiUserLast', () => {
  it('users come two a page, the API user on the second', async () => {
    const sim = await startSim({ pageCap: 2, apiUserLast: true })
    const first = await call<Json>(sim, 'GET', '/users?limit=100')
    expect(idsOf(first.json.data)).toEqual([2, 3])
    const cursor = encodeURIComponent(first.json.meta.next_cursor as string)
    const second = await call<Json>(sim, 'GET', `/users?limit=100&cursor=${cursor}`)
    expect(idsOf(second.json.data)).toEqual([4, 1])
    expect(second.json.data[1].email).toBe(sim.email)
    expect(second.json.meta.next_cursor).toBeNull()
  })

  it('a limit under the cap is kept', async () => {
    const sim = await startSim({ pageCap: 3 })
    const res = await call<Json>(sim, 'GET', '/users?limit=1')
    expect(res.json.data).toHaveLength(1)
    expect(() => new GorgiasSimulator({ pageCap: 0 })).toThrow(RangeError)
  })
})

describe('caseSensitiveTags', () => {
  it('VIP and vip are two tags, added and removed by their exact names', async () => {
    const sim = await startSim({ caseSensitiveTags: true })
    const t = sim.addTicket({ tags: [{ name: 'VIP' }] })
    expect(sim.addTag('vip').id).not.toBe(sim.addTag('VIP').id)
    await call(sim, 'POST', `/tickets/${t.id}/tags`, { names: ['vip'] })
    expect((sim.ticket(t.id)!.tags ?? []).map(tag => tag.name)).toEqual(['VIP', 'vip'])
    await call(sim, 'DELETE', `/tickets/${t.id}/tags`, { names: ['VIP'] })
    expect((sim.ticket(t.id)!.tags ?? []).map(tag => tag.name)).toEqual(['vip'])
    const found = await call<Json>(sim, 'GET', '/tags?search=vip')
    expect(found.json.data).toHaveLength(2)
  })

  it('by default, names match in any case', async () => {
    const sim = await startSim()
    expect(sim.addTag('vip').id).toBe(sim.addTag('VIP').id)
  })
})

describe('embeddedTicketId: false', () => {
  it('the retrieve embeds messages without ticket_id; the messages list keeps it', async () => {
    const sim = await startSim({ embeddedTicketId: false })
    const t = thread(sim)
    const read = await call<Json>(sim, 'GET', `/tickets/${t.id}`)
    expect(read.json.messages).toHaveLength(2)
    for (const m of read.json.messages as Json[]) expect(m).not.toHaveProperty('ticket_id')
    const list = await call<Json>(sim, 'GET', `/messages?ticket_id=${t.id}`)
    for (const m of list.json.data as Json[]) expect(m.ticket_id).toBe(t.id)
    expect(sim.messages(t.id)[0]!.ticket_id).toBe(t.id)
  })
})
