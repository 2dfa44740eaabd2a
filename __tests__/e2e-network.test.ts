import { afterEach, describe, expect, test } from '@jest/globals'
import { followUpMarker } from '../src/policy/thread.js'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, simInputs } from './helpers/action.js'
import { ScriptedServer } from './helpers/scripted-server.js'

/**
 * A bad network day, run as the runner runs the bundle: writes whose answer never came, at the
 * moment the time limit or the credentials end the run. A write that may have landed is never
 * reported as "deferred, nothing done": it is failed, counted, and in the exit code.
 */

const H = 3_600_000
let sim: GorgiasSimulator
afterEach(async () => {
  await sim.stop()
})

const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * H).toISOString()
const ids = (json: string | undefined): number[] => JSON.parse(json ?? '[]') as number[]
const ours = (id: number) => sim.messages(id).filter(m => m.external_id?.startsWith('gorgias-auto-close:')) // prettier-ignore

describe('a write whose answer was lost, when the run ends', () => {
  test('a follow-up posted, its confirming read refused (credentials revoked): failed, not deferred', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'reset-after-processing' }
    })
    sim.onRequest(req => {
      if (req.method === 'POST') sim.injectFault({ times: Infinity, fault: { kind: 'status', status: 401 } }) // prettier-ignore
    })

    const run = await runAction(simInputs(sim))

    expect(ours(t.id)).toHaveLength(1)
    expect(run.code).toBe(1)
    expect(run.outputs['failed-count']).toBe('1')
    expect(run.outputs['deferred-count']).toBe('0')
    expect(run.summary).toContain('message not confirmed')
  })

  test('a close sent, its answer lost after the time limit and its grace: failed, not deferred', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = dueTicket(sim, 100, { tags: [{ name: 'auto-close-sent' }] })
    const reply = sim.messages(t.id).at(-1)!
    sim.addMessage(t.id, {
      from_agent: true,
      external_id: followUpMarker(1, reply.id),
      created_datetime: iso(50)
    })
    // time-limit-minutes 0.05 is 3 s, and 0.75 s of grace: the answer is lost past both.
    sim.onRequest(async req => {
      if (req.method === 'PUT' && req.path === `/api/tickets/${t.id}`) {
        await new Promise(resolve => setTimeout(resolve, 4_500))
      }
    })
    sim.injectFault({
      method: 'PUT',
      path: `/tickets/${t.id}`,
      fault: { kind: 'reset-after-processing' }
    })

    const run = await runAction(simInputs(sim, { 'time-limit-minutes': '0.05' }))

    expect(sim.ticket(t.id)?.status).toBe('closed')
    expect(ids(run.outputs.closed)).toEqual([])
    expect(run.outputs['failed-count']).toBe('1')
    expect(run.outputs['deferred-count']).toBe('0')
    expect(run.code).toBe(1)
    expect(run.summary).toContain('may have been applied')
  })
})

describe('a next page named elsewhere', () => {
  test('next_items on another host: the credentials never go there; the plain list is used', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const elsewhere = new ScriptedServer()
    const other = await elsewhere.start()
    try {
      const t = dueTicket(sim)
      const page = {
        data: [sim.ticket(t.id)],
        meta: { next_items: `${other.replace(/\/api$/, '')}/api/views/0/items/?cursor=x` }
      }
      sim.injectFault({
        method: 'PUT',
        path: /^\/api\/views\/0\/items/,
        times: Infinity,
        fault: { kind: 'malformed', body: JSON.stringify(page) }
      })

      const run = await runAction(simInputs(sim))

      expect(elsewhere.seen).toEqual([])
      expect(run.code).toBe(0)
      expect(ids(run.outputs['followed-up'])).toEqual([t.id])
      expect(run.summary).toContain('Listed every untrashed ticket instead of open tickets only')
    } finally {
      await elsewhere.stop()
    }
  })
})
