import { afterEach, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GorgiasSimulator } from '../simulator/server.js'
import { runAction, simInputs } from './helpers/action.js'

/**
 * Hostile inputs found by the acceptance probe, run as the runner runs the bundle: each one a
 * defect seen on dist/ before it was fixed.
 */

const H = 3_600_000
let sim: GorgiasSimulator
afterEach(async () => {
  await sim.stop()
})

const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * H).toISOString()
const statePath = () => join(mkdtempSync(join(tmpdir(), 'e2e-probe-')), 'state.json')
const ids = (json: string | undefined): number[] => JSON.parse(json ?? '[]') as number[]
type StateJson = { tickets: Record<string, string[]> }

describe('a tampered state file costs a read at most, never a follow-up', () => {
  test('a forged "our own write" in the future does not hide a ticket that changed', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const path = statePath()
    await runAction(simInputs(sim, { 'state-file': path, 'dry-run': 'true' }))
    const due = sim.addTicket({
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(80) },
        { from_agent: true, created_datetime: iso(60) }
      ]
    })
    // The list item changed since the entry's `updated`; only the forged write time covers it.
    const state = JSON.parse(readFileSync(path, 'utf8')) as StateJson
    const future = '2099-01-01T00:00:00.000Z'
    state.tickets[String(due.id)] = [iso(200), future, future]
    writeFileSync(path, JSON.stringify(state))

    const run = await runAction(simInputs(sim, { 'state-file': path }))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([due.id])
  })
})

describe('a state-file that is not a regular file is ignored, not read', () => {
  test('a FIFO (a restored cache can hold one, or a link to a device) does not hang the run', async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const path = statePath()
    execFileSync('mkfifo', [path])
    const due = sim.addTicket({
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(80) },
        { from_agent: true, created_datetime: iso(60) }
      ]
    })
    // The runner's own kill, so that the defect fails the test instead of hanging it.
    const run = await runAction(simInputs(sim, { 'state-file': path }), { timeoutMs: 30_000 })
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([due.id])
    expect(run.stdout).toMatch(/::notice::state-file .*not a regular file/)
  })
})

describe('summary-customer-details: false covers the failure annotation too', () => {
  test("a 400 quoting the customer does not put their address or subject in the step's error", async () => {
    sim = new GorgiasSimulator()
    await sim.start()
    const t = sim.addTicket({
      subject: 'Zelda order 7781',
      customer: {
        email: 'zelda.q@example.test',
        name: 'Zelda Quux',
        firstname: 'Zelda',
        lastname: 'Quux'
      },
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
        body: {
          error: { msg: 'Invalid receiver zelda.q@example.test (Zelda Quux) on "Zelda order 7781"' }
        }
      }
    })
    const run = await runAction(simInputs(sim, { 'summary-customer-details': 'false' }))
    expect(run.code).toBe(1)
    expect(run.outputs['failed-count']).toBe('1')
    const error = run.stdout.split('\n').find(l => l.startsWith('::error::')) ?? ''
    expect(error).toContain(`ticket ${t.id}`)
    for (const word of ['zelda.q@example.test', 'Zelda', 'Quux', '7781']) {
      expect(error).not.toContain(word)
      expect(run.summary).not.toContain(word)
    }
  })
})
