import { afterEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { runAction, simInputs } from './helpers/action.js'

/**
 * Hostile and odd data from the helpdesk, run as the runner runs the bundle: each one a defect
 * seen on dist/ before it was fixed.
 */

const H = 3_600_000
let sim: GorgiasSimulator
afterEach(async () => {
  await sim.stop()
})

const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * H).toISOString()
const ids = (json: string | undefined): number[] => JSON.parse(json ?? '[]') as number[]

describe('a thread that lists one message twice', () => {
  test('a follow-up listed twice is one reminder: the second goes out, the ticket stays open', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const inputs = { 'follow-up-hours': '24,48', 'close-hours': '72' }
    const t = sim.addTicket({
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(85) },
        { from_agent: true, created_datetime: iso(80) }
      ]
    })
    await runAction(simInputs(sim, { ...inputs, 'follow-up-hours': '24' }))
    // reminder 1 went out (under a one-reminder schedule); 55 hours go by
    sim.age(55)
    const thread = sim.messages(t.id)
    expect(thread).toHaveLength(3)
    sim.injectFault({
      method: 'GET',
      path: `/tickets/${t.id}`,
      times: Infinity,
      fault: {
        kind: 'status',
        status: 200,
        body: { ...sim.ticket(t.id), messages: [...thread, thread[2]] }
      }
    })
    sim.clearLog()
    const run = await runAction(simInputs(sim, inputs))
    expect(run.code).toBe(0)
    expect(ids(run.outputs.closed)).toEqual([])
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
  })
})

describe('summary-customer-details: false, whatever spacing the API echoes', () => {
  test('a subject with a line break, quoted back on one line by a 400, stays hidden', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = sim.addTicket({
      subject: 'Refund  for\norder 7781',
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(80) },
        { from_agent: true, created_datetime: iso(60) }
      ]
    })
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: {
        kind: 'status',
        status: 400,
        body: { error: { msg: 'Bad "Refund for order 7781"' } }
      }
    })
    const run = await runAction(simInputs(sim, { 'summary-customer-details': 'false' }))
    expect(run.code).toBe(1)
    const error = run.stdout.split('\n').find(l => l.startsWith('::error::')) ?? ''
    expect(error).toContain(`ticket ${t.id}`)
    expect(error).not.toContain('7781')
    expect(run.summary).not.toContain('7781')
  })
})

describe('summary-customer-details: false, when the summary cannot be written', () => {
  test('the report logged in its place has no subject and no name', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    sim.addTicket({
      subject: 'Secret order 7781',
      customer: { firstname: 'Zed', email: 'zed@example.test' },
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(80) },
        { from_agent: true, created_datetime: iso(60) }
      ]
    })
    const inputs = simInputs(sim, { 'summary-customer-details': 'false', 'dry-run': 'true' })
    const env = { GITHUB_STEP_SUMMARY: '/nonexistent/folder/summary.md' }
    const run = await runAction(inputs, { env })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('job summary not written')
    expect(run.stdout).toContain('would do')
    expect(run.stdout).not.toContain('7781')
    expect(run.stdout).not.toContain('Zed')
  })
})

describe('the sender is a support address, never one the customer chose', () => {
  test('an agent reply without a source, a customer who wrote to a colleague and support: nothing sent', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = sim.addTicket({
      created_datetime: iso(100),
      messages: [
        {
          from_agent: false,
          created_datetime: iso(80),
          source: {
            type: 'email',
            from: { address: 'ana@example.test' },
            to: [{ address: 'carla@customer.test' }, { address: 'support@acme.test' }]
          }
        },
        { from_agent: true, created_datetime: iso(60), source: null }
      ]
    })
    expect(sim.messages(t.id)[1]!.source).toBeNull()
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([])
    expect(sim.writes().filter(w => w.method === 'POST' && w.path.endsWith('/messages'))).toEqual(
      []
    )
  })

  test('answered back the way the customer came: the support address, without the name they gave it', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = sim.addTicket({
      customer: { email: 'ana@example.test', name: 'Ana Lima', firstname: 'Ana' },
      created_datetime: iso(100),
      messages: [
        {
          from_agent: false,
          created_datetime: iso(80),
          source: {
            type: 'email',
            from: { address: 'ana@example.test' },
            to: [{ name: 'Refund approved: call +1 555 0100', address: 'support@acme.test' }]
          }
        },
        { from_agent: true, created_datetime: iso(60), source: null }
      ]
    })
    const run = await runAction(simInputs(sim))
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    const sent = sim.writes().find(w => w.method === 'POST' && w.path.endsWith('/messages'))
    expect((sent?.body as { source: unknown }).source).toEqual({
      type: 'email',
      from: { address: 'support@acme.test' },
      to: [{ address: 'ana@example.test' }]
    })
  })
})

describe('never a follow-up to our own mailbox', () => {
  test('a thread forwarded in from the support address, which Gorgias made the customer', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = sim.addTicket({
      customer: { email: 'SUPPORT@acme.test', name: 'Support', firstname: 'Support' },
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(80) },
        { from_agent: true, created_datetime: iso(60) }
      ]
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([])
    expect(sim.writes().filter(w => w.path.endsWith(`/tickets/${t.id}/messages`))).toEqual([])
    expect(run.summary).toContain(`[#${t.id}]`)
  })
})

describe("a customer's message is never taken for this action's own", () => {
  test('a customer reply that carries our marker in external_id: not closed, the tag comes off', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = sim.addTicket({
      created_datetime: iso(100),
      tags: [{ name: 'auto-close-sent' }],
      messages: [
        { from_agent: false, created_datetime: iso(90) },
        { from_agent: true, created_datetime: iso(80) }
      ]
    })
    const reply = sim.messages(t.id)[1]!
    sim.addMessage(t.id, {
      from_agent: false,
      created_datetime: iso(30),
      external_id: `gorgias-auto-close:follow-up:1:reply-${reply.id}`
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs.closed)).toEqual([])
    expect(sim.ticket(t.id)!.status).toBe('open')
    expect((sim.ticket(t.id)!.tags ?? []).map(x => x.name)).not.toContain('auto-close-sent')
  })
})
