import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { parseSettings, type InputName, type Settings } from '../src/config.js'
import { GorgiasClient } from '../src/gorgias/client.js'
import { counts } from '../src/report.js'
import { sweep, type Report } from '../src/sweep/index.js'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket } from './helpers/action.js'

/**
 * The sweep in process, with a real client over loopback, for the faults that need a short client
 * timeout (the bundle's is 30 s) or a look at the report object itself.
 */

let sim: GorgiasSimulator
let settings: Settings
let client: GorgiasClient
const lines: string[] = []
const log = {
  info: (m: string) => lines.push(m),
  warning: (m: string) => lines.push(`warning: ${m}`),
  startGroup: (m: string) => lines.push(`group: ${m}`),
  endGroup: () => undefined
}

beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
  const inputs: Partial<Record<InputName, string>> = {
    'gorgias-domain': 'acme',
    'gorgias-email': sim.email,
    'gorgias-api-key': sim.apiKey,
    'api-url': sim.baseUrl
  }
  settings = parseSettings(name => inputs[name] ?? '')
  client = new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    timeoutMs: 300,
    maxRetries: 2,
    sleep: ms => new Promise(resolve => setTimeout(resolve, Math.min(ms, 20)))
  })
  lines.length = 0
})
afterEach(async () => {
  await sim.stop()
})

const run = (): Promise<Report> =>
  sweep({ client, settings, now: () => new Date(), log, usage: () => 'usage' })
const marked = (id: number) =>
  sim.messages(id).filter(m => m.external_id?.startsWith('gorgias-auto-close:'))

describe('sweep with faults', () => {
  test('a follow-up whose answer times out after it landed is not sent twice', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'delay', ms: 1000 }
    })
    const report = await run()
    expect(counts(report).followedUp).toEqual([t.id])
    expect(marked(t.id)).toHaveLength(1)
    expect(sim.ticket(t.id)!.tags!.map(x => x.name)).toEqual(['auto-close-sent'])
  })

  test('an unconfirmed post is not sent again in the same run; the next run checks, then sends once', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'reset' }
    })
    const first = await run()
    expect(counts(first).failed).toBe(1)
    expect(first.actions[0]!.detail).toContain('message not confirmed')
    expect(marked(t.id)).toHaveLength(0)
    const next = await run()
    expect(counts(next).followedUp).toEqual([t.id])
    expect(marked(t.id)).toHaveLength(1)
  })

  test('a write that lands after the client gave up is found by the next run, never sent twice', async () => {
    const t = dueTicket(sim)
    // The server is slow: it records the message only after the client's timeout (300 ms).
    sim.onRequest(async req => {
      if (req.method === 'POST' && req.path === `/api/tickets/${t.id}/messages`) {
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    })
    const first = await run()
    expect(counts(first).failed).toBe(1)
    await new Promise(resolve => setTimeout(resolve, 400))
    expect(marked(t.id)).toHaveLength(1)
    const next = await run()
    expect(marked(t.id)).toHaveLength(1)
    expect(next.housekeeping.map(o => o.detail)).toEqual([
      'added auto-close-sent (follow-up already sent)'
    ])
  })

  test('a listing that keeps failing stops the run before any write', async () => {
    dueTicket(sim)
    for (const [method, path] of [
      ['PUT', '/views/0/items'],
      ['GET', '/tickets']
    ]) {
      sim.injectFault({ method, path, times: Infinity, fault: { kind: 'status', status: 503 } })
    }
    await expect(run()).rejects.toThrow()
    expect(sim.writes()).toHaveLength(0)
  })

  test('a messages read that keeps failing is reported for that ticket; the others go on', async () => {
    const bad = dueTicket(sim)
    const good = dueTicket(sim)
    sim.injectFault({
      method: 'GET',
      path: `/tickets/${bad.id}`,
      times: Infinity,
      fault: { kind: 'status', status: 500 }
    })
    const report = await run()
    expect(counts(report).followedUp).toEqual([good.id])
    expect(report.readFailures.map(o => o.ticketId)).toEqual([bad.id])
    expect(counts(report).failed).toBe(1)
  })

  test('an API that refuses tag names gets the tag by id', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/tags`,
      fault: { kind: 'status', status: 400, body: { error: { msg: 'ids required' } } }
    })
    const report = await run()
    expect(counts(report).followedUp).toEqual([t.id])
    expect(sim.ticket(t.id)!.tags!.map(x => x.name)).toEqual(['auto-close-sent'])
    expect(sim.log.filter(e => e.path === '/api/tags').map(e => e.method)).toEqual(['GET', 'POST'])
    const last = sim.log.filter(e => e.path === `/api/tickets/${t.id}/tags`).pop()!
    expect(last.body).toEqual({ ids: [sim.tags().find(x => x.name === 'auto-close-sent')!.id] })
  })

  test('credentials revoked mid-run: what was done is reported, the rest deferred, nothing more written', async () => {
    const [a, b, c] = [dueTicket(sim, 90), dueTicket(sim, 80), dueTicket(sim, 70)]
    let rechecks = 0
    sim.onRequest(req => {
      if (req.method === 'GET' && /^\/api\/tickets\/\d+$/.test(req.path) && ++rechecks === 2) {
        sim.injectFault({ times: Infinity, fault: { kind: 'status', status: 401 } })
      }
    })
    const report = await sweep({ client, settings, now: () => new Date(), log, concurrency: 1 })
    expect(report.stop?.kind === 'credentials' && report.stop.error.status).toBe(401)
    expect(counts(report).followedUp).toEqual([a.id])
    expect(report.actions.filter(o => o.result === 'deferred').map(o => o.ticketId)).toEqual([
      b.id,
      c.id
    ])
    expect(marked(b.id)).toHaveLength(0)
    expect(marked(c.id)).toHaveLength(0)
  })

  test('a slot freed by a skipped action goes to the next oldest reply', async () => {
    const ages = [100, 90, 80, 70, 60]
    const tickets = ages.map(h => dueTicket(sim, h))
    settings.maxActions = 2
    const report = await sweep({
      client,
      settings,
      now: () => new Date(),
      log,
      // the oldest is vetoed after a delay, while younger ones are already asking for slots
      veto: async t => {
        if (t.id !== tickets[0]!.id) return undefined
        await new Promise(resolve => setTimeout(resolve, 100))
        return { skip: 'not this one' }
      }
    })
    expect(counts(report).followedUp.sort()).toEqual([tickets[1]!.id, tickets[2]!.id].sort())
    expect(report.actions.filter(o => o.result === 'deferred').map(o => o.ticketId)).toEqual([
      tickets[3]!.id,
      tickets[4]!.id
    ])
  })

  test('a ticket listed twice (edited while the pages were read) is handled once', async () => {
    const t = dueTicket(sim)
    const twice = {
      listTickets: client.listTickets.bind(client),
      readTicket: client.readTicket.bind(client),
      createMessage: client.createMessage.bind(client),
      closeTicket: client.closeTicket.bind(client),
      addTags: client.addTags.bind(client),
      removeTags: client.removeTags.bind(client),
      tagByName: client.tagByName.bind(client),
      listViewItems: async function* (...args: Parameters<GorgiasClient['listViewItems']>) {
        for await (const page of client.listViewItems(...args)) {
          yield page
          yield page
        }
      }
    }
    const report = await sweep({ client: twice, settings, now: () => new Date(), log })
    expect(report.ticketsSeen).toBe(1)
    expect(counts(report).followedUp).toEqual([t.id])
    expect(marked(t.id)).toHaveLength(1)
  })

  test('a failure after the follow-up went out says so, and the follow-up still counts', async () => {
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/tags`,
      times: Infinity,
      fault: { kind: 'status', status: 404 }
    })
    settings.maxActions = 1
    const other = dueTicket(sim, 49)
    const report = await run()
    expect(counts(report).followedUp).toEqual([t.id])
    expect(counts(report).failed).toBe(1)
    expect(report.actions.find(o => o.ticketId === t.id)!.detail).toMatch(
      /^follow-up sent; adding auto-close-sent failed/
    )
    // The slot was used: the younger ticket waits for the next run.
    expect(report.actions.find(o => o.ticketId === other.id)!.result).toBe('deferred')
  })

  test('every ticket seen is accounted for exactly once', async () => {
    for (let i = 0; i < 5; i++) dueTicket(sim)
    for (let i = 0; i < 5; i++) dueTicket(sim, 5)
    sim.addTicket({ status: 'closed' })
    // a tag repair: a follow-up of ours without its tag
    const repaired = dueTicket(sim, 60)
    sim.addMessage(repaired.id, {
      from_agent: true,
      external_id: 'gorgias-auto-close:follow-up:1',
      // Its last message is older than the due ones': it is read first (list order, issue #9).
      created_datetime: new Date(Date.now() - 58 * 3_600_000).toISOString()
    })
    settings.maxActions = 3
    const report = await run()
    const c = counts(report)
    expect(c.followedUp.length + c.closed.length + c.failed + c.deferred + c.skipped).toBe(
      report.ticketsSeen
    )
    expect(c.deferred).toBe(2)
    expect(report.housekeeping.map(o => o.ticketId)).toEqual([repaired.id])
  })

  test('progress lines report pages, candidates, actions and requests used', async () => {
    dueTicket(sim)
    await run()
    expect(lines.some(l => /^page 1: 1 tickets read, 1 may be due; usage$/.test(l))).toBe(true)
    expect(lines.some(l => l.startsWith('1 actions done') && l.endsWith('usage'))).toBe(true)
  })
})
