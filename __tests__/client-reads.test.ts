import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { GorgiasClient } from '../src/gorgias/client.js'
import type { ClientOptions } from '../src/gorgias/transport.js'
import {
  AuthError,
  DeadlineError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  ViewUnusableError
} from '../src/gorgias/errors.js'
import { RateLimiter } from '../src/gorgias/limiter.js'
import type { Ticket } from '../src/gorgias/types.js'
import { OPEN_TICKETS_VIEW } from '../src/sweep/listing.js'
import { caught, useScriptedServer } from './helpers/scripted-server.js'

/** The reads a sweep is made of: the open-tickets view, one read per ticket, and their limits. */

const EMAIL = 'bot@acme.test'
const KEY = 'sk-77aa88bb99cc-SECRET'
const { server, baseUrl: base } = useScriptedServer({ beforeAll, afterAll, beforeEach })

function makeClient(extra: Partial<ClientOptions> = {}) {
  let clock = 0
  return new GorgiasClient({
    baseUrl: base(),
    email: EMAIL,
    apiKey: KEY,
    maxRetries: 0,
    sleep: ms => {
      clock += ms
      return Promise.resolve()
    },
    now: () => clock,
    random: () => 0.5,
    ...extra
  })
}

const ticket = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  status: 'open',
  channel: 'email',
  ...extra
})
const message = (id: number, ticketId: number) => ({
  id,
  ticket_id: ticketId,
  channel: 'email',
  from_agent: id % 2 === 0,
  created_datetime: '2026-01-01T00:00:00Z'
})

async function all(pages: AsyncIterable<Ticket[]>): Promise<number[]> {
  const ids: number[] = []
  for await (const page of pages) ids.push(...page.map(t => t.id))
  return ids
}

describe('the open-tickets view (PUT /views/0/items)', () => {
  it('pages through meta.next_items with the same method and body', async () => {
    server.reply = req => {
      const cursor = req.query.get('cursor')
      if (cursor === null) {
        return {
          json: {
            data: [ticket(1), ticket(2)],
            meta: { next_items: '/api/views/0/items/?direction=next&ignored_item=2&cursor=Yz0y' }
          }
        }
      }
      return { json: { data: [ticket(3)], meta: { next_items: null, prev_items: 'x' } } }
    }
    const ids = await all(makeClient().listViewItems(OPEN_TICKETS_VIEW, { limit: 2 }))
    expect(ids).toEqual([1, 2, 3])
    expect(server.seen.map(s => [s.method, s.path, s.query.get('cursor')])).toEqual([
      ['PUT', '/api/views/0/items', null],
      ['PUT', '/api/views/0/items/', 'Yz0y']
    ])
    // next_items carries no limit: followed verbatim, every later page would be the default 30.
    expect(server.seen.map(s => s.query.get('limit'))).toEqual(['2', '2'])
    for (const seen of server.seen) {
      expect(JSON.parse(seen.body)).toEqual({
        view: {
          type: 'ticket-list',
          filters: "eq(ticket.status, 'open')",
          order_by: 'created_datetime',
          order_dir: 'asc'
        }
      })
    }
  })

  it('keeps its own limit when next_items names a smaller one', async () => {
    server.reply = req =>
      req.query.get('cursor') === null
        ? {
            json: {
              data: [ticket(1), ticket(2)],
              meta: { next_items: '/api/views/0/items/?direction=next&limit=1&cursor=Yz0y' }
            }
          }
        : { json: { data: [ticket(3)], meta: { next_items: null } } }
    expect(await all(makeClient().listViewItems(OPEN_TICKETS_VIEW, { limit: 2 }))).toEqual([
      1, 2, 3
    ])
    expect(server.seen.map(s => s.query.get('limit'))).toEqual(['2', '2'])
  })

  it('pages through meta.next_cursor too', async () => {
    server.reply = req =>
      req.query.get('cursor') === 'n'
        ? { json: { data: [ticket(3)], meta: { next_cursor: null } } }
        : { json: { data: [ticket(1), ticket(2)], meta: { next_cursor: 'n' } } }
    expect(await all(makeClient().listViewItems(OPEN_TICKETS_VIEW, { limit: 2 }))).toEqual([
      1, 2, 3
    ])
    expect(server.seen.map(s => s.query.get('limit'))).toEqual(['2', '2'])
  })

  it.each([
    ['400', { status: 400, json: { error: { msg: 'bad filters' } } }],
    ['403', { status: 403, json: {} }],
    ['404', { status: 404, json: {} }],
    ['405', { status: 405, json: {} }],
    ['422', { status: 422, json: {} }],
    ['202 Accepted with no items', { status: 202, json: { data: [], meta: {} } }],
    ['an unknown shape', { json: { tickets: [ticket(1)] } }],
    ['a full page naming no next one', { json: { data: [ticket(1), ticket(2)], meta: {} } }],
    ['an empty page naming a next one', { json: { data: [], meta: { next_cursor: 'again' } } }],
    [
      'a next page on another host',
      {
        json: {
          data: [ticket(1)],
          meta: { next_items: 'https://evil.test/api/views/0/items?cursor=a' }
        }
      }
    ]
  ])('is unusable on %s', async (_what, reply) => {
    server.reply = () => reply
    const err = await caught(all(makeClient().listViewItems(OPEN_TICKETS_VIEW, { limit: 2 })))
    expect(err).toBeInstanceOf(ViewUnusableError)
    expect(server.seen.every(s => s.path.startsWith('/api/views/0/items'))).toBe(true)
  })

  it('a 401 is the credentials, not the view: it stops the run', async () => {
    server.reply = () => ({ status: 401, json: {} })
    const err = await caught(all(makeClient().listViewItems(OPEN_TICKETS_VIEW)))
    expect(err).toBeInstanceOf(AuthError)
  })
})

describe('GET /tickets', () => {
  it('asks for untrashed tickets: the API lists trashed ones by default', async () => {
    server.reply = () => ({ json: { data: [ticket(1)], meta: { next_cursor: null } } })
    await all(makeClient().listTickets())
    expect(server.seen[0]!.query.get('trashed')).toBe('false')
    expect(server.seen[0]!.query.get('limit')).toBe('100')
  })
})

describe('readTicket: one request per ticket', () => {
  it('uses the messages the retrieve embeds', async () => {
    server.reply = () => ({
      json: { ...ticket(5, { messages_count: 2 }), messages: [message(1, 5), message(2, 5)] }
    })
    const read = await makeClient().readTicket(5)
    expect(read.messages.map(m => m.id)).toEqual([1, 2])
    expect(read.ticket).not.toHaveProperty('messages')
    expect(server.seen.map(s => s.path)).toEqual(['/api/tickets/5'])
  })

  it.each([
    ['no messages array', {}],
    ['fewer than messages_count', { messages: [message(1, 5)] }]
  ])('pages GET /messages when the retrieve has %s', async (_what, extra) => {
    server.reply = req =>
      req.path === '/api/tickets/5'
        ? { json: { ...ticket(5, { messages_count: 3 }), ...extra } }
        : {
            json: {
              data: [message(1, 5), message(2, 5), message(3, 5)],
              meta: { next_cursor: null }
            }
          }
    const read = await makeClient().readTicket(5)
    expect(read.messages.map(m => m.id)).toEqual([1, 2, 3])
    expect(server.seen.map(s => `${s.method} ${s.path}`)).toEqual([
      'GET /api/tickets/5',
      'GET /api/messages'
    ])
    expect(server.seen[1]!.query.get('ticket_id')).toBe('5')
    expect(server.seen[1]!.query.get('limit')).toBe('100')
  })

  it.each([
    ['missing', (m: Record<string, unknown>) => void delete m.ticket_id],
    ['a string', (m: Record<string, unknown>) => void (m.ticket_id = '5')],
    ["another ticket's", (m: Record<string, unknown>) => void (m.ticket_id = 6)]
  ])('a listed message whose ticket_id is %s makes the ticket unreadable', async (_what, spoil) => {
    const odd = message(2, 5) as Record<string, unknown>
    spoil(odd)
    server.reply = req =>
      req.path === '/api/tickets/5'
        ? { json: ticket(5, { messages_count: 2 }) }
        : { json: { data: [message(1, 5), odd], meta: { next_cursor: null } } }
    const err = await caught(makeClient().readTicket(5))
    expect(err).toBeInstanceOf(MalformedResponseError)
    expect(err.message).toContain('ticket_id')
  })

  it('an embedded message of another ticket makes the ticket unreadable', async () => {
    const odd = { ...message(2, 5), ticket_id: 6 }
    server.reply = () => ({
      json: { ...ticket(5, { messages_count: 2 }), messages: [message(1, 5), odd] }
    })
    const err = await caught(makeClient().readTicket(5))
    expect(err).toBeInstanceOf(MalformedResponseError)
  })

  it('an embedded message naming no ticket is not trusted: the list is read instead', async () => {
    const { ticket_id: _none, ...odd } = message(2, 5)
    server.reply = req =>
      req.path === '/api/tickets/5'
        ? { json: { ...ticket(5, { messages_count: 2 }), messages: [message(1, 5), odd] } }
        : { json: { data: [message(1, 5), message(2, 5)], meta: { next_cursor: null } } }
    const read = await makeClient().readTicket(5)
    expect(read.messages.map(m => m.ticket_id)).toEqual([5, 5])
    expect(server.seen.map(s => s.path)).toEqual(['/api/tickets/5', '/api/messages'])
  })

  it.each([
    ['trusts an embed as late as', '2026-01-01T10:00:00Z', ['/api/tickets/5']],
    [
      'lists the messages past an embed older than',
      '2026-01-01T10:00:01Z',
      ['/api/tickets/5', '/api/messages']
    ]
  ])('without messages_count, %s last_message_datetime', async (_what, last, paths) => {
    const embedded = [
      { ...message(1, 5), created_datetime: '2026-01-01T09:00:00Z' },
      { ...message(2, 5), created_datetime: '2026-01-01T10:00:00.000+00:00' }
    ]
    const t = { ...ticket(5), messages_count: undefined, last_message_datetime: last }
    server.reply = req =>
      req.path === '/api/tickets/5'
        ? { json: { ...t, messages: embedded } }
        : { json: { data: [...embedded, message(3, 5)], meta: { next_cursor: null } } }
    await makeClient().readTicket(5)
    expect(server.seen.map(s => s.path)).toEqual(paths)
  })

  it('stops paging messages far past messages_count: the ticket is unreadable', async () => {
    let n = 0
    server.reply = req => {
      if (req.path === '/api/tickets/5') return { json: ticket(5, { messages_count: 2 }) }
      const page = Array.from({ length: 100 }, () => message(++n, 5))
      return { json: { data: page, meta: { next_cursor: `c${n}` } } }
    }
    const err = await caught(makeClient().readTicket(5))
    expect(err).toBeInstanceOf(MalformedResponseError)
    expect(err.message).toContain('messages_count')
    expect(server.seen.filter(s => s.path === '/api/messages').length).toBeLessThanOrEqual(2)
  })
})

it('a 404 on the messages list is a failed read, not a ticket gone', async () => {
  server.reply = req =>
    req.path === '/api/tickets/5'
      ? { json: ticket(5, { messages_count: 2 }) }
      : { status: 404, json: { message: 'Not found' } }
  const err = await caught(makeClient().readTicket(5))
  expect(err).toBeInstanceOf(GorgiasError)
  expect(err).not.toBeInstanceOf(NotFoundError)
  expect(err.message).toContain('answered 404 although the ticket exists')
})

/** A limiter at rate-limit-share 0.5 of Gorgias's 40 per 20 s, on a clock that moves when it sleeps. */
function halfShareLimiter(concurrency: number) {
  let clock = 0
  const limiter = new RateLimiter({
    limit: 40,
    windowMs: 20_000,
    concurrency,
    share: 0.5,
    now: () => clock,
    sleep: ms => {
      clock += ms
      return Promise.resolve()
    }
  })
  return { limiter, clock: () => clock }
}

describe('limits', () => {
  it('no request is sent, and no retry waited for, past the deadline', async () => {
    let clock = 0
    const client = makeClient({
      now: () => clock,
      sleep: ms => {
        clock += ms
        return Promise.resolve()
      },
      deadline: 10_000
    })
    server.reply = () => ({ status: 429, headers: { 'retry-after': '60' }, json: {} })
    const err = await caught(client.getTicket(1))
    expect(err).toBeInstanceOf(DeadlineError)
    expect(server.seen).toHaveLength(1)
    clock = 20_000
    expect(await caught(client.getTicket(1))).toBeInstanceOf(DeadlineError)
    expect(server.seen).toHaveLength(1)
  })

  it('nor one the pacer held past it (a bucket another app keeps full)', async () => {
    let clock = 0
    const client = makeClient({
      rateLimitShare: 0.5,
      now: () => clock,
      sleep: ms => {
        clock += ms
        return Promise.resolve()
      },
      deadline: 10_000
    })
    const headers = { 'x-gorgias-account-api-call-limit': '40/40' }
    server.reply = () => ({ json: ticket(1), headers })
    await client.getTicket(1)
    // Allowed at 0 ms, but the bucket has room for it only at 10.5 s.
    const err = await caught(client.getTicket(1))
    expect(err).toBeInstanceOf(DeadlineError)
    expect(server.seen).toHaveLength(1)
    expect(client.stats().total).toBe(1)
  })

  it('the key is taken out of an error body before it is cut, so no fragment shows', async () => {
    const padding = 'x'.repeat(490)
    server.reply = () => ({ status: 400, json: { error: { msg: `${padding} ${KEY} ${KEY}` } } })
    const err = await caught(makeClient().getTicket(1))
    expect(err).toBeInstanceOf(GorgiasError)
    for (let n = 6; n <= KEY.length; n++) expect(err.message).not.toContain(KEY.slice(0, n))
  })

  it.each([
    ['a level with room left: only Retry-After is waited', '3/40', 1000],
    ['a full level: the bucket is drained to the share too', '40/40', 10_500]
  ])('a 429 that carries %s', async (_what, header, waited) => {
    let clock = 0
    const client = makeClient({
      rateLimitShare: 0.5,
      now: () => clock,
      sleep: ms => {
        clock += ms
        return Promise.resolve()
      }
    })
    server.reply = (_req, n) =>
      n === 1
        ? {
            status: 429,
            headers: { 'retry-after': '1', 'x-gorgias-account-api-call-limit': header },
            json: {}
          }
        : { json: ticket(1) }
    await client.getTicket(1)
    expect(clock).toBeCloseTo(waited, -2)
  })

  it.each([
    ['no Retry-After', undefined],
    ['Retry-After: 0', '0'],
    ['a negative Retry-After', '-5'],
    ['a Retry-After date long past', 'Wed, 21 Oct 2015 07:28:00 GMT']
  ])(
    'a 429 with room left in the header and %s is not resent at once: waited as if full',
    async (_what, retryAfter) => {
      let clock = 0
      const client = makeClient({
        rateLimitShare: 0.5,
        now: () => clock,
        sleep: ms => {
          clock += ms
          return Promise.resolve()
        }
      })
      const headers: Record<string, string> = { 'x-gorgias-account-api-call-limit': '3/40' }
      if (retryAfter !== undefined) headers['retry-after'] = retryAfter
      server.reply = (_req, n) =>
        n === 1 ? { status: 429, headers, json: {} } : { json: ticket(1) }
      await client.getTicket(1)
      expect(server.seen).toHaveLength(2)
      expect(clock).toBeCloseTo(10_500, -2)
    }
  )

  it('rate-limit-share keeps the level at or below share x limit', async () => {
    const { limiter } = halfShareLimiter(100)
    let peak = 0
    for (let i = 0; i < 60; i++) {
      const permit = await limiter.acquire('x')
      peak = Math.max(peak, limiter.snapshot().level)
      limiter.complete(permit)
    }
    expect(peak).toBeLessThanOrEqual(20)
    expect(peak).toBeGreaterThan(19)
  })

  it("slows down when the store's other apps fill the bucket (the header is the whole account)", async () => {
    const { limiter, clock } = halfShareLimiter(1)
    const permit = await limiter.acquire('x')
    limiter.complete(permit, { used: 30, limit: 40 })
    const before = clock()
    limiter.complete(await limiter.acquire('x'))
    // From 30 down to 19 at 2 per second: 5.5 s.
    expect(clock() - before).toBeCloseTo(5500, -2)
  })
})
