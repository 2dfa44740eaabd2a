import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { GorgiasClient } from '../src/gorgias/client.js'
import { sendOnce, type ClientEvent, type ClientOptions } from '../src/gorgias/transport.js'
import {
  AmbiguousWriteError,
  AuthError,
  GorgiasError,
  MalformedResponseError,
  NotFoundError,
  TransientError,
  ValidationError
} from '../src/gorgias/errors.js'
import type { NewMessage } from '../src/gorgias/types.js'
import { caught, useScriptedServer, type Reply } from './helpers/scripted-server.js'

const EMAIL = 'bot@acme.test'
const KEY = 'sk-9f8e7d6c5b4a-SECRET'
const TOKEN = Buffer.from(`${EMAIL}:${KEY}`).toString('base64')

const { server, baseUrl: base } = useScriptedServer({ beforeAll, afterAll, beforeEach })

/** A client on a fake clock: sleeps are recorded and advance the clock at once. */
function makeClient(extra: Partial<ClientOptions> = {}) {
  const events: ClientEvent[] = []
  const sleeps: number[] = []
  let clock = 0
  const client = new GorgiasClient({
    baseUrl: base(),
    email: EMAIL,
    apiKey: KEY,
    onEvent: e => events.push(e),
    sleep: ms => {
      sleeps.push(ms)
      clock += ms
      return Promise.resolve()
    },
    now: () => clock,
    random: () => 0.5,
    ...extra
  })
  return { client, events, sleeps }
}

const ticket = (id: number) => ({ id, status: 'open', channel: 'email' })
const message = (id: number) => ({
  id,
  ticket_id: 1,
  channel: 'email',
  from_agent: true,
  created_datetime: '2024-01-01T00:00:00Z'
})
const newMessage: NewMessage = {
  channel: 'email',
  via: 'api',
  from_agent: true,
  sender: { id: 1 },
  receiver: { id: 2 },
  source: { type: 'email', from: { address: 'help@acme.test' }, to: [{ address: 'c@x.test' }] },
  body_text: 'Any news?',
  body_html: '<p>Any news?</p>',
  external_id: 'gorgias-auto-close:follow-up:1'
}

async function refusedBaseUrl(): Promise<string> {
  const spare = http.createServer()
  await new Promise<void>(resolve => spare.listen(0, '127.0.0.1', resolve))
  const port = (spare.address() as AddressInfo).port
  await new Promise(resolve => spare.close(resolve))
  return `http://127.0.0.1:${port}/api`
}

describe('GorgiasClient requests', () => {
  it('follows cursors across pages with limit=100, never page/offset, and sends the headers', async () => {
    server.reply = req => {
      const cursor = req.query.get('cursor')
      if (cursor === null)
        return { json: { data: [ticket(1), ticket(2)], meta: { next_cursor: 'c2' } } }
      if (cursor === 'c2') return { json: { data: [ticket(3)], meta: { next_cursor: 'c3' } } }
      return { json: { data: [ticket(4)], meta: { next_cursor: null, prev_cursor: 'c2' } } }
    }
    const { client } = makeClient()
    const pages: number[][] = []
    for await (const page of client.listTickets({ viewId: 7, orderBy: 'updated_datetime:desc' })) {
      pages.push(page.map(t => t.id))
    }
    expect(pages).toEqual([[1, 2], [3], [4]])
    expect(server.seen.map(s => s.query.get('cursor'))).toEqual([null, 'c2', 'c3'])
    for (const seen of server.seen) {
      expect(seen.method).toBe('GET')
      expect(seen.path).toBe('/api/tickets')
      expect(seen.query.get('limit')).toBe('100')
      expect(seen.query.get('view_id')).toBe('7')
      expect(seen.query.get('order_by')).toBe('updated_datetime:desc')
      expect(seen.query.has('page')).toBe(false)
      expect(seen.query.has('offset')).toBe(false)
      expect(seen.headers.authorization).toBe(`Basic ${TOKEN}`)
      expect(seen.headers.accept).toBe('application/json')
      expect(seen.headers['content-type']).toBe('application/json')
      expect(seen.headers['user-agent']).toBe('gorgias-auto-close')
    }
    expect(client.stats()).toMatchObject({ total: 3, retries: 0, throttled: 0 })
    expect(client.stats().requests['list-tickets']).toBe(3)
  })

  it('reads every page of messages and tolerates a trailing slash on the base URL', async () => {
    server.reply = req =>
      req.query.get('cursor') === 'next'
        ? { json: { data: [message(3)], meta: { next_cursor: null } } }
        : { json: { data: [message(1), message(2)], meta: { next_cursor: 'next' } } }
    const { client } = makeClient({ baseUrl: `${base()}/` })
    const messages = await client.listMessages(1)
    expect(messages.map(m => m.id)).toEqual([1, 2, 3])
    // The current list endpoint, never the deprecated /tickets/{id}/messages.
    expect(server.seen.map(s => `${s.path}?${s.query.toString()}`)).toEqual([
      '/api/messages?ticket_id=1&limit=100&order_by=created_datetime%3Aasc',
      '/api/messages?ticket_id=1&limit=100&order_by=created_datetime%3Aasc&cursor=next'
    ])
  })

  it('gets a ticket', async () => {
    server.reply = () => ({ json: ticket(5) })
    const { client } = makeClient()
    await expect(client.getTicket(5)).resolves.toMatchObject({ id: 5, status: 'open' })
    expect(server.seen[0]).toMatchObject({ method: 'GET', path: '/api/tickets/5' })
  })

  it('closes a ticket with exactly {"status":"closed"} and nothing else', async () => {
    server.reply = () => ({ json: { ...ticket(9), status: 'closed' } })
    const { client } = makeClient()
    await expect(client.closeTicket(9)).resolves.toBeUndefined()
    expect(server.seen).toHaveLength(1)
    expect(server.seen[0]).toMatchObject({
      method: 'PUT',
      path: '/api/tickets/9',
      body: '{"status":"closed"}'
    })
  })

  it('adds tags with POST and removes them with DELETE and a JSON body', async () => {
    server.reply = () => ({ status: 201, text: '' })
    const { client } = makeClient()
    await client.addTags(3, { ids: [1, 2] })
    await client.removeTags(3, { names: ['auto-close:follow-up'] })
    await client.addTags(3, { ids: [], names: [] })
    expect(server.seen.map(s => [s.method, s.path, s.body])).toEqual([
      ['POST', '/api/tickets/3/tags', '{"ids":[1,2]}'],
      ['DELETE', '/api/tickets/3/tags', '{"names":["auto-close:follow-up"]}']
    ])
  })

  it('creates a message with the body as given', async () => {
    server.reply = () => ({ status: 201, json: message(77) })
    const { client } = makeClient()
    await expect(client.createMessage(1, newMessage)).resolves.toMatchObject({ id: 77 })
    expect(server.seen[0]).toMatchObject({ method: 'POST', path: '/api/tickets/1/messages' })
    expect(JSON.parse(server.seen[0]!.body)).toEqual(newMessage)
  })
})

describe('GorgiasClient errors', () => {
  it('401: AuthError at once, naming the email and never the key', async () => {
    server.reply = () => ({ status: 401, json: { error: { msg: 'Invalid credentials' } } })
    const { client, events } = makeClient()
    const err = await caught(client.getTicket(1))
    expect(err).toBeInstanceOf(AuthError)
    expect(err).toBeInstanceOf(GorgiasError)
    expect(err.message).toBe(
      `Gorgias rejected the credentials for ${EMAIL} (HTTP 401): Invalid credentials`
    )
    expect(err).toMatchObject({
      status: 401,
      method: 'GET',
      path: '/tickets/1',
      kind: 'get-ticket'
    })
    expect(server.seen).toHaveLength(1)
    expect(events).toEqual([])
  })

  it('403 on a write is an AuthError too, not retried', async () => {
    server.reply = () => ({ status: 403, text: 'Forbidden' })
    const { client } = makeClient()
    const err = await caught(client.closeTicket(4))
    expect(err).toBeInstanceOf(AuthError)
    expect(err.message).toBe(`Gorgias rejected the credentials for ${EMAIL} (HTTP 403)`)
    expect(server.seen).toHaveLength(1)
  })

  it('404: NotFoundError', async () => {
    server.reply = () => ({ status: 404, json: { message: 'Ticket not found' } })
    const { client } = makeClient()
    const err = await caught(client.getTicket(5))
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err).toMatchObject({ status: 404, path: '/tickets/5', kind: 'get-ticket' })
    expect(err.message).toContain('Ticket not found')
    expect(server.seen).toHaveLength(1)
  })

  it.each([
    [400, { error: { msg: 'Invalid body', data: { receiver: ['required'] } } }, 'Invalid body'],
    [422, { error: { message: 'Unprocessable' } }, 'Unprocessable'],
    [400, { message: 'Top-level message' }, 'Top-level message'],
    [422, { error: 'plain string error' }, 'plain string error']
  ])('%i: ValidationError showing the API message', async (status, json, expected) => {
    server.reply = () => ({ status, json })
    const { client } = makeClient()
    const err = await caught(client.createMessage(1, newMessage))
    expect(err).toBeInstanceOf(ValidationError)
    expect(err.message).toContain(expected)
    expect(err).toMatchObject({ status, method: 'POST', path: '/tickets/1/messages' })
    expect(server.seen).toHaveLength(1)
  })

  it('shows validation field details', async () => {
    server.reply = () => ({ status: 400, json: { error: { msg: 'Bad', data: { to: ['empty'] } } } })
    const { client } = makeClient()
    const err = await caught(client.createMessage(1, newMessage))
    expect(err.message).toContain('{"to":["empty"]}')
  })

  it('a list without a data array is a MalformedResponseError', async () => {
    server.reply = () => ({ json: { tickets: [] } })
    const { client } = makeClient()
    const err = await caught(client.listTickets().next())
    expect(err).toBeInstanceOf(MalformedResponseError)
    expect(err).toMatchObject({ status: 200, kind: 'list-tickets', path: '/tickets' })
  })

  it('a 2xx that is not JSON, or not a ticket, is a MalformedResponseError', async () => {
    const { client } = makeClient()
    server.reply = () => ({ text: '<html>maintenance</html>' })
    expect(await caught(client.getTicket(1))).toBeInstanceOf(MalformedResponseError)
    server.reply = () => ({ json: { status: 'closed' } })
    expect(await caught(client.getTicket(1))).toBeInstanceOf(MalformedResponseError)
    expect(server.seen).toHaveLength(2)
  })

  it('a close answered with any 2xx counts as done (the ticket is closed either way)', async () => {
    const { client } = makeClient()
    server.reply = () => ({ status: 204 })
    await expect(client.closeTicket(1)).resolves.toBeUndefined()
  })

  it('a page without its meta envelope is malformed, so a sweep never stops at page one unawares', async () => {
    const { client } = makeClient()
    server.reply = () => ({ json: { data: [ticket(1)] } })
    const err = await caught(
      (async () => {
        for await (const page of client.listTickets()) void page
      })()
    )
    expect(err).toBeInstanceOf(MalformedResponseError)
  })

  it('a cursor that repeats stops the listing instead of looping', async () => {
    server.reply = () => ({ json: { data: [ticket(1)], meta: { next_cursor: 'same' } } })
    const { client } = makeClient()
    const pages: unknown[] = []
    const err = await caught(
      (async () => {
        for await (const page of client.listTickets()) pages.push(page)
      })()
    )
    expect(err).toBeInstanceOf(MalformedResponseError)
    // The second page brings nothing new and names the same next page: it is not even yielded.
    expect(pages).toHaveLength(1)
  })

  it('an unexpected status (a redirect) is not followed', async () => {
    server.reply = () => ({ status: 302, headers: { location: 'http://127.0.0.1:1/steal' } })
    const { client } = makeClient()
    const err = await caught(client.getTicket(1))
    expect(err.constructor).toBe(GorgiasError)
    expect(err).toMatchObject({ status: 302 })
    expect(server.seen).toHaveLength(1)
  })

  it('rejects a base URL carrying credentials', () => {
    expect(() => makeClient({ baseUrl: 'https://u:p@acme.gorgias.com/api' })).toThrow(/credentials/)
  })
})

describe('GorgiasClient retries', () => {
  it('429 with Retry-After: waits that long, then retries', async () => {
    server.reply = (_, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { json: ticket(1) }
    const { client, events, sleeps } = makeClient()
    await expect(client.getTicket(1)).resolves.toMatchObject({ id: 1 })
    expect(server.seen).toHaveLength(2)
    expect(events).toContainEqual({
      type: 'retry',
      kind: 'get-ticket',
      attempt: 1,
      cause: 'HTTP 429'
    })
    expect(events).toContainEqual({
      type: 'wait',
      reason: 'retry-after',
      ms: 1000,
      kind: 'get-ticket'
    })
    expect(sleeps[0]).toBe(1000)
    expect(client.stats()).toMatchObject({ throttled: 1, retries: 1, total: 2 })
  })

  it("429 with Retry-After as a date: counted from the answer's Date, the server's clock", async () => {
    const headers = {
      date: 'Thu, 01 Jan 2099 00:00:00 GMT',
      'retry-after': 'Thu, 01 Jan 2099 00:00:02 GMT'
    }
    server.reply = (_, n) => (n === 1 ? { status: 429, headers } : { json: ticket(1) })
    const { client, sleeps } = makeClient()
    await expect(client.getTicket(1)).resolves.toMatchObject({ id: 1 })
    expect(sleeps[0]).toBe(2000)
  })

  it('429 without Retry-After: waits until the bucket has room', async () => {
    server.reply = (_, n) => (n === 1 ? { status: 429 } : { json: ticket(1) })
    const { client, events } = makeClient()
    await expect(client.getTicket(1)).resolves.toMatchObject({ id: 1 })
    // A 429 means "full": from 40 down to 37 (margin 2) at 2/s.
    expect(events).toContainEqual({
      type: 'wait',
      reason: 'rate-limit',
      ms: 1500,
      kind: 'get-ticket'
    })
    expect(client.stats()).toMatchObject({ throttled: 1, retries: 1, rateLimitWaits: 1 })
  })

  it('429 on createMessage is retried: the API did not process it', async () => {
    server.reply = (_, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 201, json: message(5) }
    const { client } = makeClient()
    await expect(client.createMessage(1, newMessage)).resolves.toMatchObject({ id: 5 })
    expect(server.seen).toHaveLength(2)
  })

  it('429s are bounded by max429Retries', async () => {
    server.reply = () => ({ status: 429, headers: { 'retry-after': '0' } })
    const { client } = makeClient({ max429Retries: 3 })
    const err = await caught(client.getTicket(1))
    expect(err).toBeInstanceOf(TransientError)
    expect(err).toMatchObject({ status: 429 })
    expect(server.seen).toHaveLength(4)
  })

  it('5xx on a GET: backs off with jitter and retries', async () => {
    server.reply = (_, n) => (n <= 2 ? { status: 503 } : { json: ticket(2) })
    const { client, events, sleeps } = makeClient()
    await expect(client.getTicket(2)).resolves.toMatchObject({ id: 2 })
    expect(server.seen).toHaveLength(3)
    expect(sleeps).toEqual([250, 500]) // random() = 0.5 of 500 ms, then of 1000 ms
    expect(events.filter(e => e.type === 'retry')).toEqual([
      { type: 'retry', kind: 'get-ticket', attempt: 1, cause: 'HTTP 503' },
      { type: 'retry', kind: 'get-ticket', attempt: 2, cause: 'HTTP 503' }
    ])
    expect(client.stats()).toMatchObject({ retries: 2, waitedMs: 750 })
  })

  it('5xx forever on a GET: TransientError after maxRetries', async () => {
    server.reply = () => ({ status: 500, json: { error: { msg: 'boom' } } })
    const { client } = makeClient({ maxRetries: 2 })
    const err = await caught(client.getTicket(3))
    expect(err).toBeInstanceOf(TransientError)
    expect(err).toMatchObject({ status: 500, kind: 'get-ticket' })
    expect(server.seen).toHaveLength(3)
  })

  it('the backoff is capped', async () => {
    server.reply = () => ({ status: 502 })
    const { client, sleeps } = makeClient({ maxRetries: 8, random: () => 1 })
    await caught(client.closeTicket(3))
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 8000, 16000, 20000, 20000])
  })

  it('a timeout on a GET is retried', async () => {
    server.reply = (_, n) => (n === 1 ? { delayMs: 2_000 } : { json: ticket(4) })
    const { client, events } = makeClient({ timeoutMs: 150 })
    await expect(client.getTicket(4)).resolves.toMatchObject({ id: 4 })
    expect(server.seen).toHaveLength(2)
    expect(events).toContainEqual({
      type: 'retry',
      kind: 'get-ticket',
      attempt: 1,
      cause: 'timed out after 150 ms'
    })
  })

  it('an answer past the size cap is cut, as a lost connection, never read into memory whole', async () => {
    // A body that keeps coming (a broken proxy) filled gigabytes within one 30 s attempt.
    server.reply = () => ({ text: `{"id": 1, "x": "${'a'.repeat(2_000_000)}"}` })
    const init = { method: 'GET' as const, headers: {}, body: undefined }
    const attempt = await sendOnce(`${base()}/tickets/1`, init, 5_000, 1_000_000)
    expect(attempt).toEqual({
      type: 'failure',
      cause: 'answer larger than 1000000 bytes',
      maybeSent: true,
      timedOut: false
    })
  })

  it('a connection reset on a tag write is retried', async () => {
    server.reply = (_, n) => (n === 1 ? 'reset' : { status: 201, text: '' })
    const { client } = makeClient()
    await client.addTags(4, { ids: [1] })
    expect(server.seen).toHaveLength(2)
  })

  it('createMessage on 500: AmbiguousWriteError, sent exactly once', async () => {
    server.reply = () => ({ status: 500 })
    const { client, events } = makeClient()
    const err = await caught(client.createMessage(1, newMessage))
    expect(err).toBeInstanceOf(AmbiguousWriteError)
    expect(err).toMatchObject({ reason: 'server-error', status: 500, kind: 'create-message' })
    expect(server.seen).toHaveLength(1)
    expect(events).toEqual([])
  })

  it('createMessage on a connection reset: AmbiguousWriteError, sent exactly once', async () => {
    server.reply = () => 'reset'
    const { client } = makeClient()
    const err = await caught(client.createMessage(1, newMessage))
    expect(err).toBeInstanceOf(AmbiguousWriteError)
    expect(err).toMatchObject({ reason: 'connection-lost' })
    expect(server.seen).toHaveLength(1)
  })

  it('createMessage on a timeout: AmbiguousWriteError, sent exactly once', async () => {
    server.reply = () => ({ delayMs: 2_000 })
    const { client } = makeClient({ timeoutMs: 150 })
    const err = await caught(client.createMessage(1, newMessage))
    expect(err).toBeInstanceOf(AmbiguousWriteError)
    expect(err).toMatchObject({ reason: 'timeout' })
    expect(server.seen).toHaveLength(1)
  })

  it('createMessage with an unreadable 2xx: AmbiguousWriteError (it landed, but which?)', async () => {
    server.reply = () => ({ status: 201, text: 'not json' })
    const { client } = makeClient()
    const err = await caught(client.createMessage(1, newMessage))
    expect(err).toBeInstanceOf(AmbiguousWriteError)
    expect(err).toMatchObject({ reason: 'unreadable-response', status: 201 })
    expect(server.seen).toHaveLength(1)
  })

  it('createMessage on ECONNREFUSED (nothing sent) is retried, then TransientError', async () => {
    const { client, events } = makeClient({ baseUrl: await refusedBaseUrl(), maxRetries: 2 })
    const err = await caught(client.createMessage(1, newMessage))
    expect(err).toBeInstanceOf(TransientError)
    expect(events.filter(e => e.type === 'retry').map(e => e.type === 'retry' && e.cause)).toEqual([
      'ECONNREFUSED',
      'ECONNREFUSED'
    ])
    expect(client.stats().requests['create-message']).toBe(3)
  })
})

describe('GorgiasClient pacing', () => {
  it('re-syncs from X-Gorgias-Account-Api-Call-Limit before it ever sees a 429', async () => {
    server.reply = () => ({
      json: ticket(1),
      headers: { 'X-Gorgias-Account-Api-Call-Limit': '39/40' }
    })
    const { client, events } = makeClient()
    await client.getTicket(1)
    expect(events).toEqual([])
    await client.getTicket(1)
    // The server says 39 used: the next request waits for two slots to drain (39 -> 37) at 2/s.
    expect(events).toEqual([{ type: 'wait', reason: 'rate-limit', ms: 1000, kind: 'get-ticket' }])
    expect(client.stats()).toMatchObject({ rateLimitWaits: 1, waitedMs: 1000, throttled: 0 })
  })

  it('takes the limit from the header', async () => {
    server.reply = () => ({
      json: ticket(1),
      headers: { 'X-Gorgias-Account-Api-Call-Limit': '1/80' }
    })
    const { client } = makeClient()
    expect(client.stats().limit).toBe(40)
    await client.getTicket(1)
    expect(client.stats().limit).toBe(80)
  })

  it('runs up to `concurrency` requests at once', async () => {
    let open = 0
    let peak = 0
    server.reply = () => {
      peak = Math.max(peak, ++open)
      return { delayMs: 30, then: { json: ticket(1) } }
    }
    const { client } = makeClient({
      concurrency: 3,
      sleep: ms => new Promise(r => setTimeout(r, ms))
    })
    const done = Array.from({ length: 9 }, () => client.getTicket(1).finally(() => open--))
    await Promise.all(done)
    expect(peak).toBe(3)
  })
})

describe('the API key never leaks', () => {
  it('stays out of messages, String(err), stacks, inspect output, events and stats', async () => {
    const { client, events } = makeClient({ maxRetries: 1, timeoutMs: 150 })
    const failures: Error[] = []
    const echo = `key ${KEY} header Basic ${TOKEN}`
    const scripts: Array<[() => Promise<unknown>, (n: number) => Reply]> = [
      [() => client.getTicket(1), () => ({ status: 401, json: { error: { msg: echo } } })],
      [() => client.getTicket(1), () => ({ status: 404, json: { message: echo } })],
      [
        () => client.createMessage(1, newMessage),
        () => ({ status: 400, json: { error: { msg: echo, data: { key: KEY } } } })
      ],
      [() => client.getTicket(1), () => ({ status: 500, json: { error: { msg: echo } } })],
      [() => client.createMessage(1, newMessage), () => ({ status: 503, json: { message: echo } })],
      [() => client.createMessage(1, newMessage), () => 'reset'],
      [() => client.getTicket(1), () => ({ delayMs: 1_000 })],
      [() => client.closeTicket(1), () => ({ status: 409, json: { message: echo } })],
      [() => client.getTicket(1), () => ({ text: echo })]
    ]
    for (const [call, reply] of scripts) {
      server.reply = (_, n) => reply(n)
      failures.push(await caught(call()))
    }
    failures.push(
      await caught(
        makeClient({ baseUrl: await refusedBaseUrl(), maxRetries: 0 }).client.getTicket(1)
      )
    )
    expect(failures.every(f => f instanceof GorgiasError)).toBe(true)
    expect(failures.some(f => f.message.includes('***'))).toBe(true)
    const surfaces = [
      ...failures.flatMap(f => [
        f.message,
        String(f),
        f.stack ?? '',
        inspect(f),
        JSON.stringify(f)
      ]),
      JSON.stringify(events),
      JSON.stringify(client.stats()),
      inspect(client, { showHidden: true, depth: 5 })
    ]
    for (const text of surfaces) {
      expect(text).not.toContain(KEY)
      expect(text).not.toContain(TOKEN)
    }
  })
})
