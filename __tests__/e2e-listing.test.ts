import { afterEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * How the bundle finds tickets, run as the runner runs it: the open-tickets view, its fallback
 * when the view cannot be trusted, the check of an empty answer, and the time limit.
 */

const H = 3_600_000
let sim: GorgiasSimulator
afterEach(async () => {
  await sim.stop()
})

async function start(opts: ConstructorParameters<typeof GorgiasSimulator>[0] = {}) {
  sim = new GorgiasSimulator(opts)
  await sim.start()
  return sim
}

const isViewQuery = (e: { route: string }) => e.route === 'PUT /api/views/{id}/items'
const ids = (json: string | undefined): number[] => (JSON.parse(json ?? '[]') as number[]).sort()

/** Closed and trashed history, which a sweep of open tickets must not pay for. */
function history(n: number) {
  const old = (h: number) => new Date(Date.now() - h * H).toISOString()
  for (let i = 0; i < n; i++) {
    sim.addTicket({ status: 'closed', created_datetime: old(5000 - i) })
    sim.addTicket({ status: 'open', trashed_datetime: old(10), created_datetime: old(900 - i) })
  }
}

describe('the open-tickets view', () => {
  test('only open tickets are listed; closed and trashed history costs no request', async () => {
    await start()
    history(150)
    const t = dueTicket(sim)
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    expect(sim.log.filter(isViewQuery)).toHaveLength(1)
    expect(sim.log.filter(e => e.path === '/api/tickets')).toHaveLength(0)
    // The real run's tag check first (one request per exclude-tag), then 1 page + 1 read +
    // message + tag.
    expect(sim.log.slice(0, 3).map(e => e.route)).toEqual(Array(3).fill('GET /api/tags'))
    expect(sim.log).toHaveLength(3 + 4)
    expect(run.summary).toMatch(/open tickets/i)
  })

  test('pages named by meta.next_cursor are followed too', async () => {
    await start({ viewPaging: 'next_cursor' })
    const now = Date.now()
    for (let i = 0; i < 120; i++) {
      sim.addTicket({
        messages: [{ from_agent: false, created_datetime: new Date(now - H).toISOString() }]
      })
    }
    const t = dueTicket(sim)
    const run = await runAction(simInputs(sim))
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    expect(sim.log.filter(isViewQuery)).toHaveLength(2)
  })
})

test('view items of another shape (ids only) are read one by one, never skipped unread', async () => {
  await start()
  const due = dueTicket(sim)
  const notDue = dueTicket(sim, 5)
  sim.injectFault({
    method: 'PUT',
    path: '/views/0/items',
    fault: {
      kind: 'malformed',
      body: JSON.stringify({
        data: [{ id: due.id }, { id: notDue.id }],
        meta: { next_items: null }
      })
    }
  })
  const run = await runAction(simInputs(sim))
  expect(run.code).toBe(0)
  expect(ids(run.outputs['followed-up'])).toEqual([due.id])
  expect(sim.log.filter(e => e.route === 'GET /api/tickets/{id}')).toHaveLength(2)
  expect(run.summary).toContain('`not-due`')
})

describe('when the view cannot be trusted, every untrashed ticket is listed, and the summary says so', () => {
  test('views refused (404): the plain list with trashed=false, same actions', async () => {
    await start({ views: false })
    history(20)
    const t = dueTicket(sim)
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    const plain = sim.log.filter(e => e.path === '/api/tickets')
    expect(plain.length).toBeGreaterThan(0)
    expect(plain.every(e => new URLSearchParams(e.query).get('trashed') === 'false')).toBe(true)
    expect(run.summary).toContain('Listed every untrashed ticket instead of open tickets only')
    expect(run.summary).toContain('HTTP 404')
    // Said once in the log too.
    expect(run.stdout.match(/::warning::Listed every untrashed ticket/g)).toHaveLength(1)
  })

  test('a 202 Accepted (an asynchronous search) is not "no open tickets"', async () => {
    await start()
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'PUT',
      path: '/views/0/items',
      fault: { kind: 'status', status: 202, body: { data: [], meta: {} } }
    })
    const run = await runAction(simInputs(sim))
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    expect(run.summary).toContain('Listed every untrashed ticket')
  })

  test('an empty answer while the latest tickets include an open one falls back', async () => {
    await start()
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'PUT',
      path: '/views/0/items',
      fault: { kind: 'malformed', body: JSON.stringify({ data: [], meta: { next_items: null } }) }
    })
    const run = await runAction(simInputs(sim))
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    expect(run.summary).toContain('answered no ticket, yet the ticket list shows open ones')
    const probe = sim.log.find(e => e.path === '/api/tickets')!
    expect(new URLSearchParams(probe.query).get('order_by')).toBe('updated_datetime:desc')
  })

  test('an empty answer on an account with no open ticket is believed after one check', async () => {
    await start()
    history(5)
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    // After the real run's tag check (one request per exclude-tag):
    expect(sim.log.map(e => e.route).filter(r => r !== 'GET /api/tags')).toEqual([
      'PUT /api/views/{id}/items',
      'GET /api/tickets'
    ])
    expect(run.summary).not.toContain('Listed every untrashed ticket')
    expect(run.summary).toContain('no open tickets, checked')
  })
})

describe('the time limit', () => {
  test('a storm of 429s with Retry-After: 3600 ends with a summary, the rest deferred', async () => {
    await start()
    const tickets = [dueTicket(sim, 60), dueTicket(sim, 55), dueTicket(sim, 50)]
    sim.injectFault({
      method: 'GET',
      path: /^\/api\/tickets\/\d+$/,
      times: Infinity,
      fault: { kind: 'status', status: 429, retryAfter: 3600 }
    })
    const run = await runAction(simInputs(sim, { 'time-limit-minutes': '0.1' }), {
      timeoutMs: 30_000
    })
    expect(run.code).toBe(0)
    expect(run.ms).toBeLessThan(20_000)
    expect(run.outputs['deferred-count']).toBe('3')
    expect(run.outputs['follow-up-count']).toBe('0')
    expect(run.stdout).toMatch(/::warning::time-limit-minutes \(0\.1\) reached/)
    expect(run.summary).toContain('time-limit-minutes')
    for (const t of tickets) expect(ours(sim, t.id)).toHaveLength(0)
  })

  test('reached while reading the macro, before listing: the same green "stopped early", with outputs', async () => {
    await start()
    const ticket = dueTicket(sim, 60)
    sim.injectFault({
      method: 'GET',
      path: /^\/api\/macros/,
      times: Infinity,
      fault: { kind: 'status', status: 429, retryAfter: 3600 }
    })
    const run = await runAction(
      simInputs(sim, { 'time-limit-minutes': '0.1', 'follow-up-macro': 'Follow-up' }),
      { timeoutMs: 30_000 }
    )
    expect(run.code).toBe(0)
    expect(run.outputs['follow-up-count']).toBe('0')
    expect(run.stdout).toMatch(/::warning::time-limit-minutes \(0\.1\) reached/)
    expect(run.stdout).not.toMatch(/::error::/)
    expect(run.summary).toContain('Stopped early')
    expect(ours(sim, ticket.id)).toHaveLength(0)
    expect(sim.writes()).toEqual([])
  })

  test("counted from the run's start: a tag check that took the whole limit leaves the sweep nothing", async () => {
    await start()
    const ticket = dueTicket(sim, 60)
    // The check answers, but only once the limit (6 s) is over; the client's grace lets it land.
    sim.injectFault({ method: 'GET', path: /^\/api\/tags/, times: 1, fault: { kind: 'delay', ms: 6_500 } }) // prettier-ignore
    const run = await runAction(simInputs(sim, { 'time-limit-minutes': '0.1' }), {
      timeoutMs: 30_000
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/::warning::time-limit-minutes \(0\.1\) reached while listing/)
    expect(run.summary).toContain('Stopped early')
    expect(ours(sim, ticket.id)).toHaveLength(0)
    expect(sim.writes()).toEqual([])
  })
})
