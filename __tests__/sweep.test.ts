import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import type { Settings } from '../src/config.js'
import { GorgiasClient } from '../src/gorgias/client.js'
import { followUpMarker } from '../src/policy/thread.js'
import { counts } from '../src/report.js'
import { finishGraceMs } from '../src/run.js'
import { sweep, type SweepOptions } from '../src/sweep/index.js'
import { ActionSlots, stopRun, type SweepClient } from '../src/sweep/context.js'
import type { Report, Stop } from '../src/sweep/types.js'
import { GorgiasSimulator, type SimulatorOptions } from '../simulator/server.js'
import { dueTicket } from './helpers/action.js'
import { basic } from './helpers/simHttp.js'
import {
  FakeClock,
  inMemoryClient,
  ours,
  recordingLog,
  settingsFor,
  type Inputs
} from './helpers/kit.js'

/**
 * The sweep as a specification: given tickets in a simulated account, one sweep, then what was
 * sent, closed, deferred and reported. The client talks to the simulator in process and waits on a
 * fake clock, so pacing, Retry-After and backoff cost no real time. Only what needs a socket and a
 * real clock (a client timeout, a write that lands after it) runs over HTTP, at the end.
 */

const H = 3_600_000
let sim: GorgiasSimulator
let clock: FakeClock
let log: ReturnType<typeof recordingLog>

function account(opts: SimulatorOptions = {}): void {
  clock = new FakeClock()
  sim = new GorgiasSimulator({ bucketClock: clock.now, ...opts })
  log = recordingLog()
}
beforeEach(() => account())

interface Sweep extends Partial<Omit<SweepOptions, 'settings'>> {
  inputs?: Inputs
}

/**
 * One sweep over the simulated account, with a client built as runSweep builds it (its share of
 * the rate limit, a deadline past the time limit), on the fake clock.
 */
async function sweepOnce({ inputs = {}, ...opts }: Sweep = {}): Promise<Report> {
  const settings = settingsFor(sim, inputs)
  return sweep({
    client: inMemoryClient(sim, clientOptions(settings)),
    settings,
    now: clock.date,
    deadline: clock.date().getTime() + settings.timeLimitMinutes * 60_000,
    log,
    usage: () => 'usage',
    ...opts
  })
}

function clientOptions(settings: Settings) {
  return {
    clock,
    rateLimitShare: settings.rateLimitShare,
    deadline:
      clock.now() + settings.timeLimitMinutes * 60_000 + finishGraceMs(settings.timeLimitMinutes)
  }
}

const followedUp = (r: Report): number[] => [...counts(r).followedUp].sort((a, b) => a - b)
const closed = (r: Report): number[] => counts(r).closed
const deferred = (r: Report): number[] =>
  r.actions.filter(o => o.result === 'deferred').map(o => o.ticketId)
const tags = (id: number): string[] => (sim.ticket(id)?.tags ?? []).map(t => t.name)
const reads = (id: number): number =>
  sim.log.filter(e => e.method === 'GET' && e.path === `/api/tickets/${id}`).length
const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * H).toISOString()

/** Settles by hand: a test holds a request in a hook until it says so. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>(resolve => (open = resolve))
  return { open, opened }
}

/** A ticket whose agent replied `replyHoursAgo`, with our follow-up `followUpHoursAgo`, tagged. */
function followedUpTicket(replyHoursAgo: number, followUpHoursAgo: number) {
  const t = dueTicket(sim, replyHoursAgo, { tags: [{ name: 'auto-close-sent' }] })
  const reply = sim.messages(t.id).at(-1)!
  sim.addMessage(t.id, {
    from_agent: true,
    external_id: followUpMarker(1, reply.id),
    created_datetime: iso(followUpHoursAgo)
  })
  return t
}

describe('what one sweep does', () => {
  test('a due follow-up is sent once and tagged; a due close is closed and tagged; the rest is left alone', async () => {
    const silent = dueTicket(sim, 50)
    const gone = followedUpTicket(100, 50)
    const recent = dueTicket(sim, 10)
    const answered = dueTicket(sim, 60)
    sim.addMessage(answered.id, { from_agent: false, created_datetime: iso(2) })

    const report = await sweepOnce()

    expect(followedUp(report)).toEqual([silent.id])
    expect(ours(sim, silent.id)).toHaveLength(1)
    expect(tags(silent.id)).toEqual(['auto-close-sent'])
    expect(closed(report)).toEqual([gone.id])
    expect(sim.ticket(gone.id)?.status).toBe('closed')
    expect(tags(gone.id)).toEqual(['auto-close-sent', 'auto-closed'])
    expect(report.skipped).toMatchObject({ 'not-due': 1, 'customer-replied': 1 })
    expect(ours(sim, recent.id)).toHaveLength(0)
    expect(ours(sim, answered.id)).toHaveLength(0)
  })

  test('every ticket seen is accounted for exactly once', async () => {
    for (let i = 0; i < 5; i++) dueTicket(sim)
    for (let i = 0; i < 5; i++) dueTicket(sim, 5)
    sim.addTicket({ status: 'closed' })
    // a tag repair: a follow-up of ours without its tag; its last message is older than the due
    // ones', so it is read first (list order, issue #9)
    const repaired = dueTicket(sim, 60)
    sim.addMessage(repaired.id, {
      from_agent: true,
      external_id: 'gorgias-auto-close:follow-up:1',
      created_datetime: iso(58)
    })

    const report = await sweepOnce({ inputs: { 'max-actions': '3' } })

    const c = counts(report)
    expect(c.followedUp.length + c.closed.length + c.failed + c.deferred + c.skipped).toBe(
      report.ticketsSeen
    )
    expect(c.deferred).toBe(2)
    expect(report.housekeeping.map(o => o.ticketId)).toEqual([repaired.id])
  })

  test('a ticket listed twice (edited while the pages were read) is handled once', async () => {
    const t = dueTicket(sim)
    const settings = settingsFor(sim)
    const client = inMemoryClient(sim, clientOptions(settings))
    const twice: SweepClient = {
      listTickets: client.listTickets.bind(client),
      readTicket: client.readTicket.bind(client),
      createMessage: client.createMessage.bind(client),
      closeTicket: client.closeTicket.bind(client),
      addTags: client.addTags.bind(client),
      removeTags: client.removeTags.bind(client),
      tagByName: client.tagByName.bind(client),
      knownTagId: client.knownTagId.bind(client),
      listViewItems: async function* (...args: Parameters<GorgiasClient['listViewItems']>) {
        for await (const page of client.listViewItems(...args)) {
          yield page
          yield page
        }
      }
    }

    const report = await sweepOnce({ client: twice })

    expect(report.ticketsSeen).toBe(1)
    expect(followedUp(report)).toEqual([t.id])
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  test('progress lines report pages, candidates, actions and requests used', async () => {
    dueTicket(sim)
    await sweepOnce()
    expect(log.lines).toContain('page 1: 1 tickets read, 1 may be due; usage')
    expect(log.lines.some(l => l.startsWith('1 action done') && l.endsWith('usage'))).toBe(true)
  })
})

describe('max-actions', () => {
  test('a slot freed by a ticket that turns out not due goes to the next oldest candidate', async () => {
    const [a, b, c, d, e] = [100, 90, 80, 70, 60].map(h => dueTicket(sim, h))
    // The oldest is held at its read until the second is done, and an agent answers it meanwhile:
    // by then the third and fourth are waiting for its slot, and the fifth has asked after them.
    const bDone = gate()
    sim.onRequest(async req => {
      if (req.method === 'POST' && req.path === `/api/tickets/${b!.id}/tags`) bDone.open()
      if (req.method === 'GET' && req.path === `/api/tickets/${a!.id}`) {
        await bDone.opened
        sim.addMessage(a!.id, { from_agent: true })
      }
    })

    const report = await sweepOnce({ inputs: { 'max-actions': '2' } })

    expect(report.skipped['not-due']).toBe(1)
    expect(followedUp(report)).toEqual([b!.id, c!.id])
    expect(deferred(report)).toEqual([d!.id, e!.id])
    expect(ours(sim, a!.id)).toHaveLength(0)
  })

  test('a slot freed by a policy-module veto goes to the next oldest candidate', async () => {
    const tickets = [100, 90, 80, 70, 60].map(h => dueTicket(sim, h))
    const [oldest, second, third, fourth, fifth] = tickets.map(t => t.id)
    const secondDone = gate()
    sim.onRequest(req => {
      if (req.method === 'POST' && req.path === `/api/tickets/${second}/tags`) secondDone.open()
    })

    const report = await sweepOnce({
      inputs: { 'max-actions': '2' },
      // the oldest is vetoed only once the second is done, while younger ones wait for slots
      veto: async t => {
        if (t.id !== oldest) return undefined
        await secondDone.opened
        return { skip: 'not this one' }
      }
    })

    expect(report.notableSkips.map(o => [o.ticketId, o.detail])).toEqual([[oldest, 'not this one']])
    expect(followedUp(report)).toEqual([second!, third!])
    expect(deferred(report)).toEqual([fourth, fifth])
  })

  test('a failure after the follow-up went out says so, and its slot is used', async () => {
    const t = dueTicket(sim)
    const younger = dueTicket(sim, 49)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/tags`,
      times: Infinity,
      fault: { kind: 'status', status: 404 }
    })

    const report = await sweepOnce({ inputs: { 'max-actions': '1' } })

    expect(followedUp(report)).toEqual([t.id])
    expect(counts(report).failed).toBe(1)
    expect(report.actions.find(o => o.ticketId === t.id)).toMatchObject({
      wrote: true,
      detail: expect.stringMatching(/^follow-up sent; adding auto-close-sent failed/)
    })
    expect(deferred(report)).toEqual([younger.id])
  })
})

describe('an empty open-tickets view is checked', () => {
  const emptyView = () =>
    sim.injectFault({
      method: 'PUT',
      path: '/views/0/items',
      fault: { kind: 'malformed', body: JSON.stringify({ data: [], meta: { next_items: null } }) }
    })
  const listPages = () => sim.log.filter(e => e.method === 'GET' && e.path === '/api/tickets')

  test('after a bulk close, the list is paged past the newest closed tickets to an open one', async () => {
    const t = dueTicket(sim, 60)
    // 250 tickets closed since: the newest-updated 200 are all closed.
    for (let i = 0; i < 250; i++) sim.addTicket({ status: 'closed', updated_datetime: iso(1) })
    emptyView()
    const report = await sweepOnce()
    expect(followedUp(report)).toEqual([t.id])
    expect(report.listing.kind).toBe('all-tickets')
    expect(report.warnings.join()).toContain(
      'view answered no ticket, yet the ticket list shows open ones'
    )
  })

  test('with no open ticket at all, the list is paged to its end: "no open tickets, checked"', async () => {
    for (let i = 0; i < 250; i++) sim.addTicket({ status: 'closed', updated_datetime: iso(1) })
    emptyView()
    const report = await sweepOnce()
    expect(listPages()).toHaveLength(3)
    expect(report.listing).toEqual({ kind: 'open-view', checked: true })
    expect(report.warnings).toEqual([])
    expect(sim.writes()).toEqual([])
  })

  test('a view that lists tickets costs no check', async () => {
    dueTicket(sim, 10)
    await sweepOnce()
    expect(listPages()).toHaveLength(0)
  })
})

describe('a view that becomes unusable', () => {
  test('after its first page: the fallback listing counts each ticket once, afresh', async () => {
    for (let i = 0; i < 150; i++) dueTicket(sim, 5)
    let pages = 0
    sim.onRequest(req => {
      if (req.method === 'PUT' && req.path.startsWith('/api/views/0/items') && ++pages === 2) {
        sim.injectFault({ method: 'PUT', path: /views/, times: Infinity, fault: { kind: 'status', status: 202, body: {} } }) // prettier-ignore
      }
    })
    const report = await sweepOnce()
    expect(report.listing.kind).toBe('all-tickets')
    expect(report.ticketsSeen).toBe(150)
    expect(report.skipped['not-due']).toBe(150)
    // the view's first page (its 100 tickets dropped from the counts), then the plain list's two
    expect(report.pages).toBe(3)
    expect(report.warnings.filter(w => w.startsWith('Listed every untrashed'))).toHaveLength(1)
  })
})

describe('every page at limit=100', () => {
  test('the view is paged 100 at a time though next_items names no limit', async () => {
    for (let i = 0; i < 250; i++) dueTicket(sim, 5)
    const report = await sweepOnce()
    const pages = sim.log.filter(e => e.route === 'PUT /api/views/{id}/items')
    expect(pages).toHaveLength(3)
    expect(pages.map(e => new URLSearchParams(e.query).get('limit'))).toEqual(['100', '100', '100'])
    expect(report.ticketsSeen).toBe(250)
  })
})

describe('time-limit-minutes', () => {
  test('reached mid-sweep: the ticket in hand is finished, the rest deferred unread', async () => {
    const [a, b, c, d] = [90, 80, 70, 60].map(h => dueTicket(sim, h))
    // 21 minutes pass while the second ticket is being read
    sim.onRequest(req => {
      if (req.method === 'GET' && req.path === `/api/tickets/${b!.id}`) clock.advance(21 * 60_000)
    })

    const report = await sweepOnce({ concurrency: 1 })

    expect(report.stop).toEqual({ kind: 'time-limit', minutes: 20 })
    expect(followedUp(report)).toEqual([a!.id, b!.id])
    expect(report.actions.filter(o => o.result === 'deferred')).toEqual([
      expect.objectContaining({ ticketId: c!.id, detail: 'not read: time limit reached' }),
      expect.objectContaining({ ticketId: d!.id, detail: 'not read: time limit reached' })
    ])
    expect([reads(c!.id), reads(d!.id)]).toEqual([0, 0])
    expect(log.lines.filter(l => l.startsWith('warning: time-limit-minutes'))).toHaveLength(1)
  })

  test('reached while listing (a 429 storm with Retry-After: 3600): stopped early, not a failure', async () => {
    for (let i = 0; i < 150; i++) dueTicket(sim, 60)
    sim.injectFault({
      method: 'PUT',
      path: /^\/api\/views\/0\/items\/?$/,
      times: Infinity,
      fault: { kind: 'status', status: 429, retryAfter: 3600 }
    })
    const report = await sweepOnce({ inputs: { 'time-limit-minutes': '1' } })
    expect(report.stop).toEqual({ kind: 'time-limit', minutes: 1 })
    expect(report.actions).toEqual([])
    expect(sim.writes()).toEqual([])
    expect(log.lines.filter(l => l.startsWith('warning: time-limit-minutes'))).toHaveLength(1)
  })

  test('reached on the second page of the view: the same', async () => {
    for (let i = 0; i < 150; i++) dueTicket(sim, 60)
    let pages = 0
    sim.onRequest(req => {
      if (req.method === 'PUT' && req.path.startsWith('/api/views/0/items') && ++pages === 2) {
        sim.injectFault({ method: 'PUT', path: /views/, times: Infinity, fault: { kind: 'status', status: 429, retryAfter: 3600 } }) // prettier-ignore
      }
    })
    const report = await sweepOnce({ inputs: { 'time-limit-minutes': '1' } })
    expect(report.stop).toEqual({ kind: 'time-limit', minutes: 1 })
    expect(sim.writes()).toEqual([])
  })

  test("counted from the run's start: a deadline the work before the sweep used up stops it while listing", async () => {
    dueTicket(sim, 60)
    // The run began 21 minutes ago (its checks and macros took them): 20 minutes were allowed.
    const report = await sweepOnce({ deadline: clock.date().getTime() - 60_000 })
    expect(report.stop).toEqual({ kind: 'time-limit', minutes: 20 })
    expect(report.actions).toEqual([])
    expect(sim.writes()).toEqual([])
  })
})

describe('the parts a sweep is made of', () => {
  test('the first reason to stop is the one reported', () => {
    const run: { stop: Stop | undefined } = { stop: undefined }
    stopRun(run, { kind: 'time-limit', minutes: 20 })
    stopRun(run, { kind: 'time-limit', minutes: 5 })
    expect(run.stop).toEqual({ kind: 'time-limit', minutes: 20 })
  })

  test('a max-actions slot released without being acquired is a bug, said loudly', () => {
    expect(() => new ActionSlots(1).release(false)).toThrow('without acquire')
  })
})

describe('tags', () => {
  test('our tag carried without an id is removed by name, once; where it is true it is left alone', async () => {
    const withoutId = [{ name: 'auto-close-sent' } as { id: number; name: string }]
    const answered = followedUpTicket(100, 50)
    sim.addMessage(answered.id, { from_agent: false, created_datetime: iso(3) })
    const waiting = followedUpTicket(60, 10)
    for (const t of [answered, waiting]) sim.setTicket(t.id, { tags: withoutId })

    const first = await sweepOnce()

    expect(first.housekeeping).toEqual([
      expect.objectContaining({
        ticketId: answered.id,
        action: 'untag',
        result: 'done',
        detail: 'removed auto-close-sent (customer-replied)'
      })
    ])
    expect(sim.writes().map(e => [e.method, e.path, e.body])).toEqual([
      ['DELETE', `/api/tickets/${answered.id}/tags`, { names: ['auto-close-sent'] }]
    ])
    expect(tags(answered.id)).toEqual([])
    expect(tags(waiting.id)).toEqual(['auto-close-sent'])

    sim.clearLog()
    const next = await sweepOnce()

    expect(next.housekeeping).toEqual([])
    expect(counts(next).failed).toBe(0)
    expect(next.skipped['not-due']).toBe(1)
    expect(sim.writes()).toEqual([])
  })

  test('a reopened ticket carrying closed-tag without an id is counted as reopened', async () => {
    const withId = dueTicket(sim, 5, { tags: [{ name: 'auto-closed' }] })
    const withoutId = dueTicket(sim, 5)
    sim.setTicket(withoutId.id, {
      tags: [{ name: 'auto-closed' } as { id: number; name: string }]
    })

    const report = await sweepOnce()

    expect(report.housekeeping.map(o => o.ticketId)).toEqual([withId.id, withoutId.id])
    expect(report.reopened).toEqual([withId.id, withoutId.id])
  })

  test('an API that refuses tag names gets the tag by id', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/tags`,
      fault: { kind: 'status', status: 400, body: { error: { msg: 'ids required' } } }
    })

    const report = await sweepOnce()

    expect(followedUp(report)).toEqual([t.id])
    expect(tags(t.id)).toEqual(['auto-close-sent'])
    expect(sim.log.filter(e => e.path === '/api/tags').map(e => e.method)).toEqual(['GET', 'POST'])
    const last = sim.log.filter(e => e.path === `/api/tickets/${t.id}/tags`).pop()!
    expect(last.body).toEqual({ ids: [sim.tags().find(x => x.name === 'auto-close-sent')!.id] })
  })
})

describe('rate-limit-share', () => {
  /**
   * 30 due tickets on an account limited like Gorgias (40 per 20 s), with or without another app
   * spending one request a second of the two the bucket drains.
   */
  async function sweepBeside(otherAppEveryMs: number | null) {
    account({ rateLimit: { limit: 40, windowMs: 20_000 } })
    for (let i = 0; i < 30; i++) dueTicket(sim, 50 + i)
    let sweeping = true
    const otherApp = async () => {
      while (sweeping && otherAppEveryMs !== null) {
        const res = await sim.request({
          method: 'GET',
          url: '/api/tickets?limit=1',
          headers: { Authorization: basic(sim.email, sim.apiKey) }
        })
        expect(res.status).toBe(200)
        await clock.sleep(otherAppEveryMs)
      }
    }
    const other = otherApp()
    const report = await sweepOnce({ inputs: { 'rate-limit-share': '0.5' } })
    sweeping = false
    await other
    return { report, seconds: clock.now() / 1000, stats: sim.stats() }
  }

  test('another app filling the bucket slows the sweep down; nobody gets a 429', async () => {
    const quiet = await sweepBeside(null)
    const busy = await sweepBeside(1000)

    for (const run of [quiet, busy]) {
      expect(followedUp(run.report)).toHaveLength(30)
      expect(run.stats.throttled).toBe(0)
      // half of 40, and one request of the other app's on top
      expect(run.stats.peakLevel).toBeLessThanOrEqual(21)
    }
    expect(busy.seconds).toBeGreaterThan(quiet.seconds * 1.5)
  })
})

describe('faults', () => {
  test('an unconfirmed post is not sent again in the same run; the next run checks, then sends once', async () => {
    const t = dueTicket(sim)
    sim.injectFault({ method: 'POST', path: `/tickets/${t.id}/messages`, fault: { kind: 'reset' } })

    const first = await sweepOnce()

    expect(counts(first).failed).toBe(1)
    expect(first.actions[0]!.detail).toContain('message not confirmed')
    expect(ours(sim, t.id)).toHaveLength(0)

    const next = await sweepOnce()

    expect(followedUp(next)).toEqual([t.id])
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  test("a customer's message carrying the follow-up's marker does not confirm a post that never landed", async () => {
    const t = dueTicket(sim)
    const [asked, reply] = sim.messages(t.id)
    sim.addMessage(t.id, {
      from_agent: false,
      created_datetime: asked!.created_datetime,
      external_id: `gorgias-auto-close:follow-up:1:reply-${reply!.id}`
    })
    sim.injectFault({ method: 'POST', path: `/tickets/${t.id}/messages`, fault: { kind: 'reset' } })

    const report = await sweepOnce()

    expect(counts(report).failed).toBe(1)
    expect(report.actions[0]!.detail).toContain('message not confirmed')
    expect(followedUp(report)).toEqual([])
  })

  test('a post that landed before the connection dropped is found, not sent twice', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'reset-after-processing' }
    })

    const report = await sweepOnce()

    expect(followedUp(report)).toEqual([t.id])
    expect(ours(sim, t.id)).toHaveLength(1)
    expect(tags(t.id)).toEqual(['auto-close-sent'])
  })

  test('a post whose answer was lost, and whose checking read is refused: failed, never deferred; the run stops', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'reset-after-processing' }
    })
    // Credentials revoked while the post was on its way: the read that would confirm it fails.
    sim.onRequest(req => {
      if (req.method === 'POST') sim.injectFault({ times: Infinity, fault: { kind: 'status', status: 401 } }) // prettier-ignore
    })

    const report = await sweepOnce()

    expect(ours(sim, t.id)).toHaveLength(1)
    expect(deferred(report)).toEqual([])
    expect(report.actions).toEqual([
      expect.objectContaining({ ticketId: t.id, result: 'failed', code: 'send-not-confirmed' })
    ])
    expect(report.actions[0]!.detail).toContain('message not confirmed')
    expect(report.stop?.kind).toBe('credentials')
  })

  test('a post whose answer was lost when the time limit and its grace ran out: failed, never deferred', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'reset-after-processing' }
    })
    sim.onRequest(req => {
      if (req.method === 'POST') clock.advance(60 * 60_000)
    })

    const report = await sweepOnce()

    expect(ours(sim, t.id)).toHaveLength(1)
    expect(deferred(report)).toEqual([])
    expect(report.actions).toEqual([
      expect.objectContaining({ ticketId: t.id, result: 'failed', code: 'send-not-confirmed' })
    ])
    expect(counts(report).failed).toBe(1)
  })

  test.each([
    ['the time limit and its grace ran out', () => clock.advance(60 * 60_000)],
    [
      'the credentials were revoked',
      () => sim.injectFault({ times: Infinity, fault: { kind: 'status', status: 401 } })
    ]
  ])(
    'a close whose answer was lost, not retried as %s: failed (it may be closed), never deferred',
    async (_what, meanwhile) => {
      const t = followedUpTicket(100, 50)
      sim.injectFault({
        method: 'PUT',
        path: `/tickets/${t.id}`,
        fault: { kind: 'reset-after-processing' }
      })
      sim.onRequest(req => {
        if (req.method === 'PUT' && req.path === `/api/tickets/${t.id}`) meanwhile()
      })

      const report = await sweepOnce()

      expect(sim.ticket(t.id)?.status).toBe('closed')
      expect(deferred(report)).toEqual([])
      expect(report.actions).toEqual([
        expect.objectContaining({ ticketId: t.id, action: 'close', result: 'failed' })
      ])
      expect(report.actions[0]!.detail).toContain('may have been applied')
      expect(counts(report).failed).toBe(1)
    }
  )

  test('a listing that keeps failing stops the run before any write', async () => {
    dueTicket(sim)
    for (const [method, path] of [
      ['PUT', '/views/0/items'],
      ['GET', '/tickets']
    ]) {
      sim.injectFault({ method, path, times: Infinity, fault: { kind: 'status', status: 503 } })
    }

    await expect(sweepOnce()).rejects.toThrow(/still failing after 5 attempts: HTTP 503/)

    expect(sim.writes()).toHaveLength(0)
  })

  test('a ticket read that keeps failing is reported for that ticket; the others go on', async () => {
    const bad = dueTicket(sim)
    const good = dueTicket(sim)
    sim.injectFault({
      method: 'GET',
      path: `/tickets/${bad.id}`,
      times: Infinity,
      fault: { kind: 'status', status: 500 }
    })

    const report = await sweepOnce()

    expect(followedUp(report)).toEqual([good.id])
    expect(report.readFailures.map(o => o.ticketId)).toEqual([bad.id])
    expect(counts(report).failed).toBe(1)
  })

  test('credentials revoked mid-run: what was done is reported, the rest deferred, nothing more written', async () => {
    const [a, b, c] = [dueTicket(sim, 90), dueTicket(sim, 80), dueTicket(sim, 70)]
    let reads = 0
    sim.onRequest(req => {
      if (req.method === 'GET' && /^\/api\/tickets\/\d+$/.test(req.path) && ++reads === 2) {
        sim.injectFault({ times: Infinity, fault: { kind: 'status', status: 401 } })
      }
    })

    const report = await sweepOnce({ concurrency: 1 })

    expect(report.stop?.kind === 'credentials' && report.stop.error.status).toBe(401)
    expect(followedUp(report)).toEqual([a.id])
    expect(deferred(report)).toEqual([b.id, c.id])
    expect(ours(sim, b.id)).toHaveLength(0)
    expect(ours(sim, c.id)).toHaveLength(0)
  })
})

describe('over real HTTP: client timeouts and writes that land late', () => {
  let client: GorgiasClient
  let settings: Settings
  beforeEach(async () => {
    await sim.start()
    settings = settingsFor(sim)
    client = new GorgiasClient({
      baseUrl: settings.apiUrl,
      email: settings.email,
      apiKey: settings.apiKey,
      timeoutMs: 300,
      maxRetries: 2,
      sleep: ms => new Promise(resolve => setTimeout(resolve, Math.min(ms, 20)))
    })
  })
  afterEach(async () => {
    await sim.stop()
  })
  const sweepOverHttp = () =>
    sweep({ client, settings, now: () => new Date(), deadline: Date.now() + 20 * 60_000, log })

  test('a write that lands after the client gave up is found by the next run, never sent twice', async () => {
    const t = dueTicket(sim)
    // The server is slow: it records the message only after the client's timeout (300 ms).
    sim.onRequest(async req => {
      if (req.method === 'POST' && req.path === `/api/tickets/${t.id}/messages`) {
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    })

    const first = await sweepOverHttp()

    expect(counts(first).failed).toBe(1)
    await new Promise(resolve => setTimeout(resolve, 400))
    expect(ours(sim, t.id)).toHaveLength(1)

    const next = await sweepOverHttp()

    expect(ours(sim, t.id)).toHaveLength(1)
    expect(next.housekeeping.map(o => o.detail)).toEqual([
      'added auto-close-sent (follow-up already sent)'
    ])
  })
})
