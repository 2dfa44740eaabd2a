import { describe, expect, it } from '@jest/globals'
import type { Message, Page, Tag, Ticket } from '../src/gorgias/types.js'
import {
  ConnectionLost,
  GorgiasSimulator,
  SUPPORT_ADDRESS,
  type SimulatorOptions
} from '../simulator/server.js'
import { seedAccount } from '../simulator/seed.js'
import { basic, call, simulators, type Reply } from './helpers/simHttp.js'

const NOW = new Date('2025-03-10T12:00:00.000Z')
const HOUR = 3_600_000

const startSim = simulators({ now: () => NOW })

const at = (hoursAgo: number): string => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString()

/** A proper outgoing email reply, as the action sends it. */
function reply(ticket: Ticket, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channel: 'email',
    via: 'api',
    from_agent: true,
    sender: { email: 'agent@acme.test' },
    receiver: { id: ticket.customer?.id },
    source: {
      type: 'email',
      from: { address: SUPPORT_ADDRESS },
      to: [{ address: ticket.customer?.email }]
    },
    integration_id: 7,
    subject: `Re: ${ticket.subject}`,
    body_text: 'Just checking in!',
    body_html: '<p>Just checking in!</p>',
    external_id: 'gorgias-auto-close:follow-up:1',
    ...extra
  }
}

describe('auth', () => {
  it('answers 401 without credentials or with a wrong key, with the rate-limit header', async () => {
    const sim = await startSim()
    const missing = await call(sim, 'GET', '/tickets', undefined, null)
    expect(missing.status).toBe(401)
    expect(missing.json.error.msg).toEqual(expect.any(String))
    expect(missing.headers.get('x-gorgias-account-api-call-limit')).toMatch(/^\d+\/\d+$/)

    const wrong = await call(sim, 'GET', '/tickets', undefined, basic(sim.email, 'nope'))
    expect(wrong.status).toBe(401)
    const wrongUser = await call(sim, 'GET', '/tickets', undefined, basic('x@y.z', sim.apiKey))
    expect(wrongUser.status).toBe(401)
    expect(sim.log.map(e => e.status)).toEqual([401, 401, 401])
  })

  it('answers 403 to valid credentials of a key without permission', async () => {
    const sim = await startSim({ forbidden: true, email: 'ops@shop.test', apiKey: 'k' })
    expect((await call(sim, 'GET', '/tickets')).status).toBe(403)
    expect((await call(sim, 'GET', '/tickets', undefined, basic('ops@shop.test', 'x'))).status).toBe(401) // prettier-ignore
  })
})

describe('ticket list pagination', () => {
  async function withTickets(n: number): Promise<{ sim: GorgiasSimulator; ids: number[] }> {
    const sim = await startSim()
    const ids: number[] = []
    for (let i = 0; i < n; i++) {
      // Several tickets share a created_datetime: the id breaks ties.
      ids.push(sim.addTicket({ created_datetime: at(1000 - Math.floor(i / 3)) }).id)
    }
    return { sim, ids }
  }

  async function pages(
    sim: GorgiasSimulator,
    query: string,
    between?: (page: number) => Promise<void>
  ): Promise<number[][]> {
    const out: number[][] = []
    let cursor: string | null = null
    do {
      const q: string = cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`
      const res: Reply<Page<Ticket>> = await call<Page<Ticket>>(sim, 'GET', `/tickets?${q}`)
      expect(res.status).toBe(200)
      out.push(res.json.data.map(t => t.id))
      cursor = res.json.meta.next_cursor
      if (between) await between(out.length)
    } while (cursor !== null)
    return out
  }

  it('returns every ticket exactly once, in order, 100 at a time', async () => {
    const { sim, ids } = await withTickets(250)
    const asc = await pages(sim, 'limit=100&order_by=created_datetime:asc')
    expect(asc.map(p => p.length)).toEqual([100, 100, 50])
    expect(asc.flat()).toEqual(ids)

    const byDefault = await pages(sim, 'limit=100')
    expect(byDefault.flat()).toEqual([...ids].reverse())

    const first = await call<Page<Ticket>>(sim, 'GET', '/tickets?limit=100')
    expect(first.json.meta.prev_cursor).toBeNull()
    expect(first.json.data[0]).not.toHaveProperty('messages')
    const defaultLimit = await call<Page<Ticket>>(sim, 'GET', '/tickets')
    expect(defaultLimit.json.data).toHaveLength(30)
  })

  it('walks back with prev_cursor', async () => {
    const { sim, ids } = await withTickets(25)
    const p1 = await call<Page<Ticket>>(sim, 'GET', '/tickets?limit=10&order_by=created_datetime:asc') // prettier-ignore
    const p2 = await call<Page<Ticket>>(
      sim,
      'GET',
      `/tickets?limit=10&order_by=created_datetime:asc&cursor=${p1.json.meta.next_cursor}`
    )
    expect(p2.json.data.map(t => t.id)).toEqual(ids.slice(10, 20))
    const back = await call<Page<Ticket>>(
      sim,
      'GET',
      `/tickets?limit=10&order_by=created_datetime:asc&cursor=${p2.json.meta.prev_cursor}`
    )
    expect(back.json.data.map(t => t.id)).toEqual(ids.slice(0, 10))
    expect(back.json.meta.prev_cursor).toBeNull()
  })

  it('skips nothing when tickets are updated or deleted between pages', async () => {
    const { sim, ids } = await withTickets(250)
    const updated = ids[10] as number
    const seen = await pages(sim, 'limit=100&order_by=updated_datetime:asc', async page => {
      if (page === 1) {
        // An already-listed ticket moves to the end of updated_datetime order.
        sim.setClock(() => new Date(NOW.getTime() + 60_000))
        expect((await call(sim, 'PUT', `/tickets/${updated}`, { subject: 'edited' })).status).toBe(200) // prettier-ignore
      }
    })
    const flat = seen.flat()
    expect(new Set(flat)).toEqual(new Set(ids))
    expect(flat.filter(id => id === updated)).toHaveLength(2)
    expect(flat.length).toBe(251)

    const deleted = ids[5] as number
    const created = await pages(sim, 'limit=100&order_by=created_datetime:asc', page => {
      if (page === 1) sim.deleteTicket(deleted)
      return Promise.resolve()
    })
    expect(created.flat()).toEqual(ids)
  })

  it('refuses bad limits, offset pagination, garbled and foreign cursors', async () => {
    const { sim } = await withTickets(3)
    expect((await call(sim, 'GET', '/tickets?limit=101')).status).toBe(400)
    expect((await call(sim, 'GET', '/tickets?limit=0')).status).toBe(400)
    expect((await call(sim, 'GET', '/tickets?limit=ten')).status).toBe(400)
    const page = await call(sim, 'GET', '/tickets?limit=10&page=2')
    expect(page.status).toBe(400)
    expect(page.json.error.msg).toMatch(/offset pagination/i)
    expect((await call(sim, 'GET', '/tickets?offset=10')).status).toBe(400)
    expect((await call(sim, 'GET', '/tickets?cursor=garbage')).status).toBe(400)
    expect((await call(sim, 'GET', '/tickets?order_by=status:asc')).status).toBe(400)
    const p1 = await call<Page<Ticket>>(
      sim,
      'GET',
      '/tickets?limit=1&order_by=created_datetime:asc'
    )
    const cursor = p1.json.meta.next_cursor as string
    expect((await call(sim, 'GET', `/tickets?limit=1&order_by=updated_datetime:asc&cursor=${cursor}`)).status).toBe(400) // prettier-ignore
    expect((await call(sim, 'GET', `/tickets?limit=1&order_by=created_datetime:asc&cursor=${cursor}x`)).status).toBe(400) // prettier-ignore
    // Unknown parameters (there is no status filter) are ignored.
    const withStatus = await call<Page<Ticket>>(sim, 'GET', '/tickets?status=open&limit=10')
    expect(withStatus.json.data).toHaveLength(3)
  })
})

describe('ticket list filters', () => {
  it('filters by view, customer and ids, lists trashed tickets, and 404s unknown views', async () => {
    const sim = await startSim()
    const a = sim.addTicket({})
    const b = sim.addTicket({ trashed_datetime: at(1) })
    const c = sim.addTicket({ customer: { id: a.customer?.id } })
    sim.setView(42, [b.id, c.id])
    const view = await call<Page<Ticket>>(sim, 'GET', '/tickets?view_id=42&order_by=created_datetime:asc') // prettier-ignore
    expect(view.json.data.map(t => t.id)).toEqual([b.id, c.id])
    expect(view.json.data[0]?.trashed_datetime).toBe(at(1))
    expect((await call(sim, 'GET', '/tickets?view_id=43')).status).toBe(404)
    const byCustomer = await call<Page<Ticket>>(
      sim,
      'GET',
      `/tickets?customer_id=${a.customer?.id}`
    )
    expect(byCustomer.json.data.map(t => t.id).sort()).toEqual([a.id, c.id])
    const byIds = await call<Page<Ticket>>(sim, 'GET', `/tickets?ticket_ids=${a.id},${b.id}`)
    expect(byIds.json.data.map(t => t.id).sort()).toEqual([a.id, b.id])
  })
})

describe('ticket list: trashed', () => {
  it('lists trashed tickets by default and with trashed=true, leaves them out with trashed=false', async () => {
    const sim = await startSim()
    const kept = sim.addTicket({ created_datetime: at(30) })
    const trashed = sim.addTicket({ created_datetime: at(20), trashed_datetime: at(1) })
    const closedTrashed = sim.addTicket({ status: 'closed', created_datetime: at(10), trashed_datetime: at(2) }) // prettier-ignore
    const listed = async (query: string): Promise<number[]> =>
      (await call<Page<Ticket>>(sim, 'GET', `/tickets?order_by=created_datetime:asc${query}`)).json.data.map(t => t.id) // prettier-ignore
    expect(await listed('')).toEqual([kept.id, trashed.id, closedTrashed.id])
    expect(await listed('&trashed=true')).toEqual([kept.id, trashed.id, closedTrashed.id])
    expect(await listed('&trashed=false')).toEqual([kept.id])
    expect((await call(sim, 'GET', '/tickets?trashed=no')).status).toBe(400)
  })

  it('pages trashed=false with cursors that belong to that query', async () => {
    const sim = await startSim()
    const ids: number[] = []
    for (let i = 0; i < 9; i++) {
      const t = sim.addTicket({ created_datetime: at(100 - i), ...(i % 3 === 0 ? { trashed_datetime: at(1) } : {}) }) // prettier-ignore
      if (i % 3 !== 0) ids.push(t.id)
    }
    const q = 'limit=4&order_by=created_datetime:asc&trashed=false'
    const p1 = await call<Page<Ticket>>(sim, 'GET', `/tickets?${q}`)
    const p2 = await call<Page<Ticket>>(sim, 'GET', `/tickets?${q}&cursor=${p1.json.meta.next_cursor}`) // prettier-ignore
    expect([...p1.json.data, ...p2.json.data].map(t => t.id)).toEqual(ids)
    expect(p2.json.meta.next_cursor).toBeNull()
    // The cursor of the trashed=false listing is refused for the default listing.
    const other = await call(sim, 'GET', `/tickets?limit=4&order_by=created_datetime:asc&cursor=${p1.json.meta.next_cursor}`) // prettier-ignore
    expect(other.status).toBe(400)
  })
})

describe('tickets', () => {
  it('gets, closes and reopens a ticket; 404s unknown or deleted ones', async () => {
    const sim = await startSim()
    const t = sim.addTicket({ created_datetime: at(10) })
    const got = await call<Ticket>(sim, 'GET', `/tickets/${t.id}`)
    expect(got.json).toMatchObject({ id: t.id, status: 'open', channel: 'email' })

    const closed = await call<Ticket>(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })
    expect(closed.json).toMatchObject({ status: 'closed', closed_datetime: NOW.toISOString() })
    expect(closed.json.updated_datetime).toBe(NOW.toISOString())
    const reopened = await call<Ticket>(sim, 'PUT', `/tickets/${t.id}`, { status: 'open' })
    expect(reopened.json).toMatchObject({ status: 'open', closed_datetime: null })

    expect((await call(sim, 'PUT', `/tickets/${t.id}`, { status: 'pending' })).status).toBe(400)
    expect((await call(sim, 'PUT', `/tickets/${t.id}`, '{"status": ')).status).toBe(400)
    expect((await call(sim, 'GET', '/tickets/999999')).json).toEqual({ error: { msg: 'Ticket not found' } }) // prettier-ignore
    sim.deleteTicket(t.id)
    expect((await call(sim, 'GET', `/tickets/${t.id}`)).status).toBe(404)
    expect((await call(sim, 'GET', '/nothing-here')).status).toBe(404)
    expect((await call(sim, 'DELETE', '/tickets/1')).status).toBe(405)
    expect(sim.stats().byRoute).toMatchObject({
      'GET /api/tickets/{id}': 3,
      'PUT /api/tickets/{id}': 4,
      'GET (unknown)': 1
    })
    expect(sim.writes()).toHaveLength(2)
  })
})

describe('ticket tags', () => {
  it('POST adds, DELETE removes only the given ones, PUT on the ticket replaces them all', async () => {
    const sim = await startSim()
    const t = sim.addTicket({ tags: [{ name: 'shipping' }, { name: 'VIP' }], updated_datetime: at(5) }) // prettier-ignore
    const shipping = sim.tags().find(tag => tag.name === 'shipping') as Tag

    const added = await call<Page<Tag>>(sim, 'POST', `/tickets/${t.id}/tags`, { names: ['auto-close-sent'] }) // prettier-ignore
    expect(added.status).toBe(201)
    expect(added.json.data.map(tag => tag.name)).toEqual(['shipping', 'VIP', 'auto-close-sent'])
    expect(sim.ticket(t.id)?.updated_datetime).toBe(NOW.toISOString())

    // Adding again (by id, or by name in another case) is a no-op.
    const sent = sim.tags().find(tag => tag.name === 'auto-close-sent') as Tag
    await call(sim, 'POST', `/tickets/${t.id}/tags`, { ids: [sent.id], names: ['Auto-Close-Sent', 'vip'] }) // prettier-ignore
    expect(sim.ticket(t.id)?.tags?.map(tag => tag.name)).toEqual(['shipping', 'VIP', 'auto-close-sent']) // prettier-ignore
    expect(sim.tags()).toHaveLength(3)
    expect((await call(sim, 'POST', `/tickets/${t.id}/tags`, { ids: [9999] })).status).toBe(400)
    expect((await call(sim, 'POST', `/tickets/${t.id}/tags`, {})).status).toBe(400)

    const listed = await call<Page<Tag>>(sim, 'GET', `/tickets/${t.id}/tags`)
    expect(listed.json.data).toHaveLength(3)

    const removed = await call(sim, 'DELETE', `/tickets/${t.id}/tags`, { ids: [shipping.id] })
    expect(removed.status).toBe(204)
    expect(sim.ticket(t.id)?.tags?.map(tag => tag.name)).toEqual(['VIP', 'auto-close-sent'])
    await call(sim, 'DELETE', `/tickets/${t.id}/tags`, { names: ['AUTO-CLOSE-SENT'] })
    expect(sim.ticket(t.id)?.tags?.map(tag => tag.name)).toEqual(['VIP'])

    // The documented danger: tags in a ticket PUT replace the whole set.
    const put = await call<Ticket>(sim, 'PUT', `/tickets/${t.id}`, { tags: [{ name: 'auto-closed' }] }) // prettier-ignore
    expect(put.json.tags?.map(tag => tag.name)).toEqual(['auto-closed'])

    const replaced = await call<Page<Tag>>(sim, 'PUT', `/tickets/${t.id}/tags`, { ids: [shipping.id] }) // prettier-ignore
    expect(replaced.json.data.map(tag => tag.name)).toEqual(['shipping'])
  })

  it('lists and creates account tags with cursor pagination', async () => {
    const sim = await startSim()
    for (const name of ['a', 'b', 'c']) sim.addTag(name)
    const created = await call<Tag>(sim, 'POST', '/tags', { name: 'd' })
    expect(created.status).toBe(201)
    expect((await call(sim, 'POST', '/tags', { name: 'D' })).status).toBe(400)
    const p1 = await call<Page<Tag>>(sim, 'GET', '/tags?limit=3')
    const p2 = await call<Page<Tag>>(sim, 'GET', `/tags?limit=3&cursor=${p1.json.meta.next_cursor}`)
    expect([...p1.json.data, ...p2.json.data].map(t => t.name)).toEqual(['a', 'b', 'c', 'd'])
    expect(p2.json.meta.next_cursor).toBeNull()
  })
})

describe('messages', () => {
  it('lists messages oldest first, with cursors', async () => {
    const sim = await startSim()
    const t = sim.addTicket({
      messages: [
        { from_agent: false, created_datetime: at(30) },
        { from_agent: true, created_datetime: at(20) },
        { channel: 'internal-note', created_datetime: at(10) }
      ]
    })
    const p1 = await call<Page<Message>>(sim, 'GET', `/tickets/${t.id}/messages?limit=2`)
    const p2 = await call<Page<Message>>(sim, 'GET', `/tickets/${t.id}/messages?limit=2&cursor=${p1.json.meta.next_cursor}`) // prettier-ignore
    const all = [...p1.json.data, ...p2.json.data]
    expect(all.map(m => [m.from_agent, m.public, m.channel])).toEqual([
      [false, true, 'email'],
      [true, true, 'email'],
      [true, false, 'internal-note']
    ])
    expect(all.every(m => m.ticket_id === t.id)).toBe(true)
    expect((await call(sim, 'GET', '/tickets/424242/messages')).status).toBe(404)
    // addTicket kept the ticket consistent with its messages.
    expect(sim.ticket(t.id)).toMatchObject({
      messages_count: 3,
      last_message_datetime: at(10),
      last_received_message_datetime: at(30),
      updated_datetime: at(10)
    })
  })

  it('validates an outgoing message like the real API', async () => {
    const sim = await startSim()
    const t = sim.addTicket({ messages: [{ created_datetime: at(50) }] })
    const empty = await call(sim, 'POST', `/tickets/${t.id}/messages`, {})
    expect(empty.status).toBe(400)
    expect(empty.json.error.msg).toBe('Validation error')
    expect(Object.keys(empty.json.error.data)).toEqual(
      expect.arrayContaining(['channel', 'via', 'from_agent', 'source', 'sender', 'body_text'])
    )
    const noReceiver = await call(sim, 'POST', `/tickets/${t.id}/messages`, reply(t, {
      receiver: undefined,
      source: { type: 'email', from: { address: SUPPORT_ADDRESS }, to: [] }
    })) // prettier-ignore
    expect(noReceiver.status).toBe(400)
    expect(Object.keys(noReceiver.json.error.data)).toEqual(['source.to', 'receiver'])
    const noFrom = await call(sim, 'POST', `/tickets/${t.id}/messages`, reply(t, {
      source: { type: 'email', to: [{ address: t.customer?.email }] }
    })) // prettier-ignore
    expect(noFrom.json.error.data).toHaveProperty(['source.from.address'])
    const wrongFrom = await call(sim, 'POST', `/tickets/${t.id}/messages`, reply(t, {
      source: { type: 'email', from: { address: 'me@gmail.com' }, to: [{ address: 'x@y.z' }] }
    })) // prettier-ignore
    expect(wrongFrom.status).toBe(400)
    const unknownAgent = await call(sim, 'POST', `/tickets/${t.id}/messages`, reply(t, { sender: { email: 'nobody@acme.test' } })) // prettier-ignore
    expect(unknownAgent.json.error.data).toHaveProperty('sender')
    const badJson = await call(sim, 'POST', `/tickets/${t.id}/messages`, '{"channel":')
    expect(badJson.status).toBe(400)
    expect(sim.messages(t.id)).toHaveLength(1)
    expect(sim.writes()).toHaveLength(0)
  })

  it('creates a reply and updates the ticket timestamps', async () => {
    const sim = await startSim()
    const t = sim.addTicket({
      messages: [{ created_datetime: at(80) }, { from_agent: true, created_datetime: at(60) }]
    })
    const res = await call<Message>(sim, 'POST', `/tickets/${t.id}/messages`, reply(t))
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({
      ticket_id: t.id,
      from_agent: true,
      public: true,
      channel: 'email',
      via: 'api',
      external_id: 'gorgias-auto-close:follow-up:1',
      integration_id: 7,
      created_datetime: NOW.toISOString(),
      sent_datetime: NOW.toISOString(),
      sender: { id: 1, email: 'agent@acme.test' },
      receiver: { id: t.customer?.id, email: t.customer?.email }
    })
    expect(res.json.id).toBeGreaterThan(0)
    expect(sim.ticket(t.id)).toMatchObject({
      messages_count: 3,
      last_message_datetime: NOW.toISOString(),
      updated_datetime: NOW.toISOString(),
      last_received_message_datetime: at(80)
    })
    expect(sim.writes().map(w => w.route)).toEqual(['POST /api/tickets/{id}/messages'])
  })

  it('reopens a closed ticket when the customer writes', async () => {
    const sim = await startSim()
    const t = sim.addTicket({ status: 'closed', messages: [{ created_datetime: at(5) }] })
    expect(sim.ticket(t.id)).toMatchObject({ status: 'closed', closed_datetime: at(5) })
    const res = await call(sim, 'POST', `/tickets/${t.id}/messages`, {
      channel: 'email',
      via: 'email',
      from_agent: false,
      sender: { email: t.customer?.email },
      source: { type: 'email', from: { address: t.customer?.email }, to: [{ address: SUPPORT_ADDRESS }] }, // prettier-ignore
      body_text: 'Still broken!'
    })
    expect(res.status).toBe(201)
    expect(sim.ticket(t.id)).toMatchObject({
      status: 'open',
      closed_datetime: null,
      last_received_message_datetime: NOW.toISOString()
    })
  })
})

describe('ticket retrieve embeds the thread', () => {
  const thread = [
    { from_agent: false, created_datetime: at(30) },
    { from_agent: true, created_datetime: at(20) },
    { channel: 'internal-note', created_datetime: at(10) }
  ]

  it('embeds every message, full objects in created order, and the list does not', async () => {
    const sim = await startSim()
    const t = sim.addTicket({ messages: thread })
    // Added out of order: the thread is still oldest first.
    sim.addMessage(t.id, { from_agent: false, created_datetime: at(25) })
    const got = await call<Ticket & { messages: Message[] }>(sim, 'GET', `/tickets/${t.id}`)
    expect(got.status).toBe(200)
    expect(got.json.messages).toEqual(sim.messages(t.id))
    expect(got.json.messages.map(m => m.created_datetime)).toEqual([at(30), at(25), at(20), at(10)])
    expect(got.json.messages[1]).toMatchObject({ ticket_id: t.id, public: true, source: { type: 'email' } }) // prettier-ignore
    const listed = await call<Page<Ticket>>(sim, 'GET', '/tickets')
    expect(listed.json.data[0]).not.toHaveProperty('messages')
    const put = await call(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })
    expect(put.json).not.toHaveProperty('messages')
  })

  it('embeds nothing with embedMessages: false, the first N with a number', async () => {
    const none = await startSim({ embedMessages: false })
    const a = none.addTicket({ messages: thread })
    expect((await call(none, 'GET', `/tickets/${a.id}`)).json).not.toHaveProperty('messages')

    const two = await startSim({ embedMessages: 2 })
    const b = two.addTicket({ messages: thread })
    const got = await call<Ticket & { messages: Message[] }>(two, 'GET', `/tickets/${b.id}`)
    expect(got.json.messages.map(m => m.created_datetime)).toEqual([at(30), at(20)])
    expect(got.json.messages_count).toBe(3)
    expect(() => new GorgiasSimulator({ embedMessages: -1 })).toThrow(RangeError)
  })
})

describe('GET /api/messages', () => {
  async function withThread(): Promise<{ sim: GorgiasSimulator; t: Ticket; ids: number[] }> {
    const sim = await startSim()
    const t = sim.addTicket({ messages: [{ created_datetime: at(50) }] })
    sim.addTicket({ messages: [{ created_datetime: at(45) }] }) // another ticket's message
    for (let i = 0; i < 6; i++) {
      sim.addMessage(t.id, { from_agent: i % 2 === 0, created_datetime: at(40 - i * 5) })
    }
    return { sim, t, ids: sim.messages(t.id).map(m => m.id) }
  }

  it("pages one ticket's messages with cursors, in either order", async () => {
    const { sim, t, ids } = await withThread()
    const pages = async (order: string): Promise<number[][]> => {
      const out: number[][] = []
      let cursor: string | null = null
      do {
        const q: string = `ticket_id=${t.id}&limit=3&order_by=${order}${cursor ? `&cursor=${cursor}` : ''}`
        const res: Reply<Page<Message>> = await call<Page<Message>>(sim, 'GET', `/messages?${q}`)
        expect(res.status).toBe(200)
        expect(res.json.data.every(m => m.ticket_id === t.id)).toBe(true)
        out.push(res.json.data.map(m => m.id))
        cursor = res.json.meta.next_cursor
      } while (cursor !== null)
      return out
    }
    expect(await pages('created_datetime:asc')).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]) // prettier-ignore
    expect((await pages('created_datetime:desc')).flat()).toEqual([...ids].reverse())

    // The default order is the lists' default, newest first: a client that wants the thread
    // oldest first must say so.
    const byDefault = await call<Page<Message>>(sim, 'GET', `/messages?ticket_id=${t.id}`)
    expect(byDefault.json.data.map(m => m.id)).toEqual([...ids].reverse())
    const back = await call<Page<Message>>(sim, 'GET', `/messages?ticket_id=${t.id}&limit=3&order_by=created_datetime:asc`) // prettier-ignore
    expect(back.json.meta.prev_cursor).toBeNull()
  })

  it('lists every message without ticket_id, nothing for an unknown ticket, and refuses bad queries', async () => {
    const { sim, ids } = await withThread()
    const all = await call<Page<Message>>(sim, 'GET', '/messages?limit=100')
    expect(all.json.data).toHaveLength(ids.length + 1)
    const unknown = await call<Page<Message>>(sim, 'GET', '/messages?ticket_id=424242')
    expect(unknown.status).toBe(200)
    expect(unknown.json.data).toEqual([])
    expect((await call(sim, 'GET', '/messages?limit=101')).status).toBe(400)
    expect((await call(sim, 'GET', '/messages?order_by=updated_datetime:asc')).status).toBe(400)
    expect((await call(sim, 'GET', '/messages?ticket_id=abc')).status).toBe(400)
  })

  it('still serves the deprecated GET /api/tickets/{id}/messages, marked in the log', async () => {
    const { sim, t } = await withThread()
    await call(sim, 'GET', `/messages?ticket_id=${t.id}`)
    await call(sim, 'GET', `/tickets/${t.id}`)
    expect(sim.log.filter(e => e.deprecated)).toHaveLength(0)
    const old = await call<Page<Message>>(sim, 'GET', `/tickets/${t.id}/messages`)
    expect(old.status).toBe(200)
    expect(sim.log.filter(e => e.deprecated).map(e => e.route)).toEqual(['GET /api/tickets/{id}/messages']) // prettier-ignore
    expect(sim.stats()).toMatchObject({ deprecated: 1, byRoute: { 'GET /api/messages': 1 } })
  })
})

describe('rate limit', () => {
  it('throttles the request that would overflow the bucket, then lets it through', async () => {
    // Slow enough (5 per 4 s) that five calls on a busy machine still fill it before it drains.
    const sim = await startSim({ rateLimit: { limit: 5, windowMs: 4000 } })
    for (let i = 0; i < 5; i++) {
      expect((await call(sim, 'GET', '/tickets')).status).toBe(200)
    }
    const throttled = await call(sim, 'GET', '/tickets')
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('x-gorgias-account-api-call-limit')).toBe('5/5')
    const retryAfter = Number(throttled.headers.get('retry-after'))
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true)
    expect(sim.stats()).toMatchObject({ requests: 6, throttled: 1, peakLevel: expect.any(Number) })
    expect(sim.stats().peakLevel).toBeLessThanOrEqual(5)

    // The bucket drains 1.25 per second: a second frees a slot (Retry-After rounds up).
    await new Promise(resolve => setTimeout(resolve, 1000))
    const after = await call(sim, 'GET', '/tickets')
    expect(after.status).toBe(200)
    expect(after.headers.get('x-gorgias-account-api-call-limit')).toBe('5/5')
    expect((await call(sim, 'GET', '/tickets')).status).toBe(429)
  })
})

describe('rate limit: peak level', () => {
  it('records the highest level the bucket reached, until clearLog', async () => {
    const sim = await startSim({ rateLimit: { limit: 10, windowMs: 60_000 } })
    expect(sim.peakRateLimitLevel()).toBe(0)
    for (let i = 0; i < 4; i++) await call(sim, 'GET', '/tickets')
    // The bucket drains slowly (10 a minute): 4 requests in a burst leave it close to 4.
    expect(sim.peakRateLimitLevel()).toBeGreaterThan(3.9)
    expect(sim.peakRateLimitLevel()).toBeLessThanOrEqual(4)
    expect(sim.stats().peakLevel).toBe(sim.peakRateLimitLevel())
    const header = (await call(sim, 'GET', '/tickets')).headers.get('x-gorgias-account-api-call-limit') // prettier-ignore
    expect(header).toBe('5/10')
    // Refused requests do not raise it.
    for (let i = 0; i < 8; i++) await call(sim, 'GET', '/tickets')
    expect(sim.stats().throttled).toBe(3)
    expect(sim.peakRateLimitLevel()).toBeLessThanOrEqual(10)
    expect(sim.peakRateLimitLevel()).toBeGreaterThan(9.9)
    // clearLog starts a new measurement from the current level.
    sim.clearLog()
    expect(sim.peakRateLimitLevel()).toBeLessThanOrEqual(10)
    expect(sim.peakRateLimitLevel()).toBeCloseTo(sim.rateLimitLevel(), 1)
  })

  it('stays 0 without a rate limit', async () => {
    const sim = await startSim()
    await call(sim, 'GET', '/tickets')
    expect(sim.peakRateLimitLevel()).toBe(0)
    expect((await call(sim, 'GET', '/tickets')).headers.get('x-gorgias-account-api-call-limit')).toBe('0/40') // prettier-ignore
  })
})

describe('faults', () => {
  it('answers an injected status without processing, once', async () => {
    const sim = await startSim()
    const t = sim.addTicket({})
    sim.injectFault({ method: 'PUT', path: `/tickets/${t.id}`, fault: { kind: 'status', status: 503, retryAfter: 2 } }) // prettier-ignore
    const failed = await call(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })
    expect(failed.status).toBe(503)
    expect(failed.headers.get('retry-after')).toBe('2')
    expect(sim.ticket(t.id)?.status).toBe('open')
    expect((await call(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })).status).toBe(200)
    expect(sim.ticket(t.id)?.status).toBe('closed')
    expect(sim.log.map(e => e.fault)).toEqual(['status', undefined])
  })

  it('resets the connection without processing', async () => {
    const sim = await startSim()
    const t = sim.addTicket({})
    sim.injectFault({ path: /\/tickets\/\d+$/, fault: { kind: 'reset' } })
    await expect(call(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })).rejects.toThrow()
    expect(sim.ticket(t.id)?.status).toBe('open')
    expect(sim.writes()).toHaveLength(0)
  })

  it('resets the connection after processing: the write happened', async () => {
    const sim = await startSim()
    const t = sim.addTicket({})
    sim.injectFault({ method: 'post', path: `/api/tickets/${t.id}/messages`, fault: { kind: 'reset-after-processing' } }) // prettier-ignore
    await expect(call(sim, 'POST', `/tickets/${t.id}/messages`, reply(t))).rejects.toThrow()
    expect(sim.messages(t.id)).toHaveLength(1)
    expect(sim.writes()).toHaveLength(1)
    expect(sim.log[0]).toMatchObject({ status: 201, fault: 'reset-after-processing' })
  })

  it('delays the answer and sends malformed bodies', async () => {
    const sim = await startSim()
    sim.injectFault({ path: '/tickets', fault: { kind: 'delay', ms: 150 } })
    const start = Date.now()
    expect((await call(sim, 'GET', '/tickets')).status).toBe(200)
    expect(Date.now() - start).toBeGreaterThanOrEqual(140)

    sim.injectFault({ path: '/tickets', times: 2, fault: { kind: 'malformed', body: '{"data": [' } }) // prettier-ignore
    for (let i = 0; i < 2; i++) {
      const res = await call(sim, 'GET', '/tickets')
      expect(res.status).toBe(200)
      expect(res.text).toBe('{"data": [')
    }
    expect((await call(sim, 'GET', '/tickets')).json.data).toEqual([])
  })

  it('lets a hook change state at a precise moment', async () => {
    const sim = await startSim()
    const t = sim.addTicket({ messages: [{ created_datetime: at(80) }, { from_agent: true, created_datetime: at(60) }] }) // prettier-ignore
    sim.onRequest(req => {
      if (req.method === 'PUT' && req.path === `/api/tickets/${t.id}`) {
        sim.addMessage(t.id, { from_agent: false, body_text: 'Wait, one more thing!' })
      }
    })
    await call(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })
    expect(sim.messages(t.id).at(-1)?.body_text).toBe('Wait, one more thing!')
    expect(sim.ticket(t.id)?.status).toBe('closed')
  })
})

describe('in process (request)', () => {
  /** The same request in process: what a client would read off the wire. */
  async function inProcess(
    sim: GorgiasSimulator,
    method: string,
    path: string,
    body?: unknown,
    auth: string | null = basic(sim.email, sim.apiKey)
  ) {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (auth !== null) headers.Authorization = auth
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) // prettier-ignore
    return sim.request({ method, url: `https://acme.gorgias.com/api${path}`, headers, body: text })
  }

  /** Two simulators in the same state, one asked over HTTP, the other in process. */
  async function twins(opts: SimulatorOptions = {}) {
    const http = await startSim(opts)
    const local = new GorgiasSimulator({ now: () => NOW, ...opts })
    const [first, second] = [http, local].map(sim => {
      const t = sim.addTicket({ created_datetime: at(10), messages: [{ created_datetime: at(9) }] })
      const vip = sim.addTicket({ created_datetime: at(8), tags: [{ name: 'VIP' }] })
      sim.injectFault({ method: 'GET', path: '/tags', fault: { kind: 'status', status: 503, retryAfter: 3 } }) // prettier-ignore
      sim.injectFault({ path: `/customers/${t.customer!.id}`, fault: { kind: 'malformed', body: '{"id": ' } }) // prettier-ignore
      return { t, vip }
    })
    expect(second).toEqual(first)
    return { http, local, ...first! }
  }

  it('answers as over HTTP: status, body, the rate-limit header, Retry-After, the log', async () => {
    const { http, local, t, vip } = await twins({ rateLimit: { limit: 9, windowMs: 600_000 } })
    const requests: Array<[string, string, unknown?, (string | null)?]> = [
      ['GET', '/tickets?limit=1&order_by=created_datetime:asc'],
      ['GET', '/tickets', undefined, null],
      ['GET', '/tickets', undefined, basic(http.email, 'wrong')],
      ['GET', `/tickets/${t.id}`],
      ['GET', '/tickets/999'],
      ['POST', `/tickets/${t.id}/messages`, reply(t)],
      ['PUT', `/tickets/${t.id}`, '{"status": '],
      ['PUT', `/tickets/${t.id}`, { status: 'closed' }],
      ['DELETE', `/tickets/${vip.id}/tags`, { names: ['vip'] }],
      ['GET', '/tags'],
      ['GET', `/customers/${t.customer!.id}`],
      ['GET', `/messages?ticket_id=${t.id}`],
      // the bucket (9, of which 401s take none) is full: 429 with Retry-After
      ['GET', `/tickets/${t.id}`]
    ]
    for (const [method, path, body, auth] of requests) {
      const overHttp = await call(http, method, path, body, auth)
      const here = await inProcess(local, method, path, body, auth)
      const what = `${method} ${path}`
      expect({ what, status: here.status, text: here.text }).toEqual({ what, status: overHttp.status, text: overHttp.text }) // prettier-ignore
      for (const [name, value] of Object.entries(here.headers)) {
        expect({ what, name, value: overHttp.headers.get(name) }).toEqual({ what, name, value })
      }
      for (const name of ['retry-after', 'x-gorgias-account-api-call-limit', 'content-type']) {
        const inProcessHas = Object.keys(here.headers).some(h => h.toLowerCase() === name)
        expect({ what, name, has: inProcessHas }).toEqual({ what, name, has: overHttp.headers.has(name) }) // prettier-ignore
      }
    }
    expect(local.log.at(-1)!.status).toBe(429)
    const entries = (sim: GorgiasSimulator) => sim.log.map(({ at: _at, ...e }) => e)
    expect(entries(local)).toEqual(entries(http))
    // The bucket drains on the real clock, so the two peaks may differ by the drain of a few ms.
    const { peakLevel: localPeak, ...localStats } = local.stats()
    const { peakLevel: httpPeak, ...httpStats } = http.stats()
    expect(localStats).toEqual(httpStats)
    expect(localPeak).toBeCloseTo(httpPeak, 1)
    expect(local.tickets()).toEqual(http.tickets())
    expect(local.messages(t.id)).toEqual(http.messages(t.id))
  })

  it('runs the hooks; a reset rejects as a lost connection, before or after processing', async () => {
    const sim = new GorgiasSimulator({ now: () => NOW })
    const t = sim.addTicket({})
    const seen: string[] = []
    sim.onRequest(req => void seen.push(`${req.method} ${req.path}`))
    sim.injectFault({ method: 'PUT', path: `/tickets/${t.id}`, fault: { kind: 'reset' } })
    const lost = inProcess(sim, 'PUT', `/tickets/${t.id}`, { status: 'closed' })
    await expect(lost).rejects.toBeInstanceOf(ConnectionLost)
    await expect(lost).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(sim.ticket(t.id)?.status).toBe('open')

    sim.injectFault({ method: 'POST', path: `/tickets/${t.id}/messages`, fault: { kind: 'reset-after-processing' } }) // prettier-ignore
    await expect(inProcess(sim, 'POST', `/tickets/${t.id}/messages`, reply(t))).rejects.toBeInstanceOf(ConnectionLost) // prettier-ignore
    expect(sim.messages(t.id)).toHaveLength(1)
    expect(sim.writes()).toHaveLength(1)
    expect(sim.log.map(e => [e.status, e.fault])).toEqual([[0, 'reset'], [201, 'reset-after-processing']]) // prettier-ignore
    expect(seen).toEqual([`PUT /api/tickets/${t.id}`, `POST /api/tickets/${t.id}/messages`])
  })

  it('waits out a delay fault and refuses a body too large', async () => {
    const sim = new GorgiasSimulator({ now: () => NOW })
    sim.injectFault({ path: '/tickets', fault: { kind: 'delay', ms: 120 } })
    const start = Date.now()
    expect((await inProcess(sim, 'GET', '/tickets')).status).toBe(200)
    expect(Date.now() - start).toBeGreaterThanOrEqual(110)
    const huge = await inProcess(sim, 'POST', '/tags', JSON.stringify({ name: 'x'.repeat(1_100_000) })) // prettier-ignore
    expect(huge.status).toBe(413)
  })

  it('drains its bucket on the clock it is given', async () => {
    let clock = 0
    const sim = new GorgiasSimulator({ rateLimit: { limit: 2, windowMs: 1000 }, bucketClock: () => clock }) // prettier-ignore
    const statuses = async () => (await inProcess(sim, 'GET', '/tickets')).status
    expect([await statuses(), await statuses(), await statuses()]).toEqual([200, 200, 429])
    clock += 500
    const after = await inProcess(sim, 'GET', '/tickets')
    expect(after.status).toBe(200)
    expect(after.headers['X-Gorgias-Account-Api-Call-Limit']).toBe('2/2')
  })
})

describe('seedAccount', () => {
  const options = {
    now: NOW,
    tickets: 120,
    dueFollowUp: 6,
    dueClose: 4,
    followUpHours: 48,
    closeHours: 72,
    views: 5,
    marker: (id: number, n: number, replyId: number) => `gorgias-auto-close:follow-up:${n}:reply-${replyId}` // prettier-ignore
  }

  it('builds a deterministic account with exactly the requested due tickets', () => {
    const sim = new GorgiasSimulator({ now: () => NOW })
    const summary = seedAccount(sim, options)
    expect(summary.all).toHaveLength(120)
    expect(summary.dueFollowUp).toHaveLength(6)
    expect(summary.dueClose).toHaveLength(4)
    expect(summary.closed.length).toBeGreaterThan(summary.open.length)
    expect(summary.internalNoteAfterAgentReply.length).toBeGreaterThan(0)
    expect(summary.views.map(v => v.id)).toEqual([3001, 3002, 3003, 3004, 3005])

    const again = new GorgiasSimulator({ now: () => NOW })
    seedAccount(again, options)
    expect(again.tickets()).toEqual(sim.tickets())

    for (const id of summary.dueFollowUp) {
      const t = sim.ticket(id) as Ticket
      const public_ = sim.messages(id).filter(m => m.public)
      const last = public_.at(-1) as Message
      expect(t).toMatchObject({ status: 'open', channel: 'email', spam: false, trashed_datetime: null }) // prettier-ignore
      expect(last.from_agent).toBe(true)
      expect(last.id).toBe(summary.lastAgentReply[id])
      expect(Date.parse(last.created_datetime)).toBeLessThan(NOW.getTime() - 48 * HOUR)
      expect(Date.parse(last.created_datetime)).toBeGreaterThan(NOW.getTime() - 72 * HOUR)
      expect(last.source?.from?.address).toBe(SUPPORT_ADDRESS)
    }
    for (const id of summary.dueClose) {
      const followUp = sim.messages(id).at(-1) as Message
      expect(followUp.external_id).toBe(`gorgias-auto-close:follow-up:1:reply-${summary.lastAgentReply[id]}`) // prettier-ignore
      expect(Date.parse(followUp.created_datetime)).toBeLessThan(NOW.getTime() - 72 * HOUR)
      expect(sim.ticket(id)?.tags?.map(t => t.name)).toContain('auto-close-sent')
    }
    for (const id of summary.customerSpokeLast) {
      expect(
        sim
          .messages(id)
          .filter(m => m.public)
          .at(-1)?.from_agent
      ).toBe(false)
    }
    expect(summary.snoozed.every(id => Date.parse(sim.ticket(id)?.snooze_datetime ?? '') > NOW.getTime())).toBe(true) // prettier-ignore
    expect(summary.failedAgentReply.every(id => sim.messages(id).at(-1)?.failed_datetime)).toBe(true) // prettier-ignore
    expect(sim.ticket(summary.chat[0] as number)?.channel).toBe('chat')
  })

  it('puts the share of tickets trashedShare asks for in the trash, open and closed ones', async () => {
    const sim = await startSim()
    const summary = seedAccount(sim, { ...options, tickets: 2000, openShare: 0.02, trashedShare: 0.05, views: 0 }) // prettier-ignore
    expect(summary.open).toHaveLength(40)
    expect(summary.dueFollowUp).toHaveLength(6)
    expect(summary.dueClose).toHaveLength(4)
    const inTrash = sim.tickets().filter(t => t.trashed_datetime)
    expect(inTrash).toHaveLength(100)
    expect(inTrash.map(t => t.id).sort()).toEqual([...summary.trashed, ...summary.trashedClosed].sort()) // prettier-ignore
    expect(summary.trashed.length).toBeGreaterThan(0)
    for (const id of summary.trashedClosed) {
      const t = sim.ticket(id) as Ticket
      expect(t.status).toBe('closed')
      expect(Date.parse(t.trashed_datetime ?? '')).toBeGreaterThanOrEqual(Date.parse(t.closed_datetime ?? '')) // prettier-ignore
      expect(t.updated_datetime).toBe(t.trashed_datetime)
    }
    const listed = await call<Page<Ticket>>(sim, 'GET', '/tickets?limit=100&trashed=false')
    expect(listed.json.data.some(t => t.trashed_datetime)).toBe(false)
    expect(() => seedAccount(new GorgiasSimulator(), { ...options, trashedShare: 1.5 })).toThrow(/trashedShare/) // prettier-ignore
    expect(() => seedAccount(new GorgiasSimulator(), { ...options, openShare: 0.5, trashedShare: 0.9 })).toThrow(/trashed/) // prettier-ignore
  })

  it('gives every ticket, history included, a thread consistent with its counters', async () => {
    const sim = await startSim()
    const summary = seedAccount(sim, options)
    // Time travel before anything reads the history threads: they move with their tickets.
    sim.age(24)
    const seen = new Set<number>()
    for (const id of summary.all) {
      const t = sim.ticket(id) as Ticket
      const thread = sim.messages(id)
      const customers = thread.filter(m => !m.from_agent && m.public !== false)
      expect(thread.length).toBe(t.messages_count)
      expect(thread.at(-1)?.created_datetime).toBe(t.last_message_datetime)
      expect(customers.at(-1)?.created_datetime ?? null).toBe(t.last_received_message_datetime)
      expect(Date.parse(t.created_datetime ?? '')).toBeLessThan(Date.parse(thread[0]?.created_datetime ?? '')) // prettier-ignore
      for (const m of thread) {
        expect(seen.has(m.id)).toBe(false)
        seen.add(m.id)
        expect(m).toMatchObject({ ticket_id: id, channel: expect.any(String), source: { type: expect.any(String) } }) // prettier-ignore
      }
    }
    const closed = summary.closed.find(id => !summary.previouslyAutoClosed.includes(id)) as number
    const got = await call<Ticket & { messages: Message[] }>(sim, 'GET', `/tickets/${closed}`)
    expect(got.json.messages).toEqual(sim.messages(closed))
    expect(got.json.status).toBe('closed')
    expect(Date.parse(got.json.messages.at(-1)?.created_datetime ?? '')).toBeLessThan(NOW.getTime() - 24 * HOUR) // prettier-ignore
  })

  it('refuses more situations than tickets', () => {
    const sim = new GorgiasSimulator()
    expect(() => seedAccount(sim, { ...options, tickets: 10 })).toThrow(/at least/)
  })
})
