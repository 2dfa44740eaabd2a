import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GorgiasSimulator } from '../simulator/server.js'
import { runAction, runCli, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * state-file, run as the runner runs the bundle: hourly runs that read only what changed or came
 * due, and a state that is missing, damaged or of other settings ignored with a notice.
 */

const H = 3_600_000
let sim: GorgiasSimulator
afterEach(async () => {
  await sim.stop()
})

async function start() {
  sim = new GorgiasSimulator()
  await sim.start()
}

const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * H).toISOString()
const statePath = () => join(mkdtempSync(join(tmpdir(), 'e2e-state-')), 'cache', 'state.json')
const readOf = (id: number) => (e: { method: string; path: string }) =>
  e.method === 'GET' && e.path === `/api/tickets/${id}`
const reads = () => sim.log.filter(e => e.method === 'GET' && /^\/api\/tickets\/\d+$/.test(e.path))
const ids = (json: string | undefined): number[] => JSON.parse(json ?? '[]') as number[]
type StateJson = { tickets: Record<string, string[]> }
const stateOf = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as StateJson

/** The agent answered a customer who wrote days ago: not due, and only a read can tell. */
function answeredLate(replyHoursAgo: number) {
  return sim.addTicket({
    created_datetime: iso(200),
    messages: [
      { from_agent: false, created_datetime: iso(150) },
      { from_agent: true, created_datetime: iso(replyHoursAgo) }
    ]
  })
}

describe('state-file across runs', () => {
  test('run 2 reads only the ticket that changed; the one followed up is not read for our write', async () => {
    await start()
    const path = statePath()
    const waiting = [10, 20, 30].map(answeredLate)
    const due = answeredLate(60)
    const inputs = simInputs(sim, { 'state-file': path })

    const first = await runAction(inputs)
    expect(first.code).toBe(0)
    expect(ids(first.outputs['followed-up'])).toEqual([due.id])
    expect(reads()).toHaveLength(4)
    expect(first.outputs['state-file']).toBe(path)
    expect(first.stdout).toMatch(/::notice::state-file .*no state yet/)
    expect(Object.keys(stateOf(path).tickets).map(Number).sort()).toEqual(
      [...waiting.map(t => t.id), due.id].sort()
    )

    const changed = waiting[1]!
    sim.addMessage(changed.id, { from_agent: true, channel: 'internal-note', public: false, created_datetime: iso(0) }) // prettier-ignore
    sim.clearLog()
    const second = await runAction(inputs)
    expect(second.code).toBe(0)
    expect(reads().map(e => e.path)).toEqual([`/api/tickets/${changed.id}`])
    expect(sim.writes()).toEqual([])
    expect(ours(sim, due.id)).toHaveLength(1)
    expect(second.summary.trim().split('\n').at(-1)).toBe(
      'State file: 3 ticket reads saved; 4 tickets remembered for the next run.'
    )
    expect(second.stdout).not.toContain('::notice::')

    // A ticket whose time came (here: the file says so) is read again, and decided on that read.
    const state = stateOf(path)
    state.tickets[String(waiting[0]!.id)]![1] = iso(1)
    writeFileSync(
      path,
      JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), tickets: state.tickets })
    )
    sim.clearLog()
    await runAction(inputs)
    expect(reads().map(e => e.path)).toEqual([`/api/tickets/${waiting[0]!.id}`])
  })

  test('no customer data in the file: ids, timestamps and a fingerprint', async () => {
    await start()
    const path = statePath()
    sim.addTicket({
      subject: 'Refund for order #991',
      customer: { email: 'dana@example.com', name: 'Dana Customer' },
      created_datetime: iso(200),
      messages: [
        { from_agent: false, created_datetime: iso(150), body_text: 'secret words' },
        { from_agent: true, created_datetime: iso(5) }
      ]
    })
    await runAction(simInputs(sim, { 'state-file': path }))
    const text = readFileSync(path, 'utf8')
    for (const word of ['Refund', 'dana', 'Dana', 'secret', 'acme', sim.apiKey, sim.email]) {
      expect(text).not.toContain(word)
    }
  })

  test('a state of another domain is ignored with one notice, and replaced', async () => {
    await start()
    const path = statePath()
    answeredLate(10)
    await runAction(simInputs(sim, { 'state-file': path, 'gorgias-domain': 'other-shop' }))
    sim.clearLog()
    const run = await runAction(simInputs(sim, { 'state-file': path }))
    expect(run.code).toBe(0)
    expect(reads()).toHaveLength(1)
    expect(run.stdout.match(/::notice::state-file .*another account or other settings/g)).toHaveLength(1) // prettier-ignore
    sim.clearLog()
    await runAction(simInputs(sim, { 'state-file': path }))
    expect(reads()).toHaveLength(0)
  })

  test('a damaged file is ignored, the run is green, and the file is written afresh', async () => {
    await start()
    const path = statePath()
    const t = answeredLate(60)
    await runAction(simInputs(sim, { 'state-file': path, 'dry-run': 'true' }))
    writeFileSync(path, '{"format": 1, "fingerprint": "abc", "tick')
    const run = await runAction(simInputs(sim, { 'state-file': path }))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    expect(run.stdout).toMatch(/::notice::state-file .*not JSON/)
    expect(stateOf(path).tickets).toHaveProperty(String(t.id))
  })
})

describe('dry runs and the CLI', () => {
  test('a dry run writes no ticket and writes the state; the real run then sends once', async () => {
    await start()
    const path = statePath()
    const due = answeredLate(60)
    const later = answeredLate(10)
    const dry = await runAction(simInputs(sim, { 'state-file': path, 'dry-run': 'true' }))
    expect(dry.code).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(Object.keys(stateOf(path).tickets)).toEqual([String(later.id)])

    sim.clearLog()
    const real = await runCli(['--state-file', path], {
      GORGIAS_DOMAIN: 'acme',
      GORGIAS_EMAIL: sim.email,
      GORGIAS_API_KEY: sim.apiKey,
      API_URL: sim.baseUrl,
      GORGIAS_API_URL: sim.baseUrl
    })
    expect(real.code).toBe(0)
    expect(sim.log.filter(readOf(due.id))).toHaveLength(1)
    expect(sim.log.filter(readOf(later.id))).toHaveLength(0)
    expect(ours(sim, due.id)).toHaveLength(1)
    expect(real.stdout.trim().split('\n').at(-1)).toBe(
      'State file: 1 ticket read saved; 2 tickets remembered for the next run.'
    )
  })
})
