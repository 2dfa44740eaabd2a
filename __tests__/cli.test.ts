import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runCli } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/** The CLI bundle from a terminal: same sweep, settings from flags and environment. */

let sim: GorgiasSimulator
let env: Record<string, string>
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
  env = {
    GORGIAS_DOMAIN: 'acme',
    GORGIAS_EMAIL: sim.email,
    GORGIAS_API_KEY: sim.apiKey,
    API_URL: sim.baseUrl
  }
})
afterEach(async () => {
  await sim.stop()
})

describe('node dist/cli.js', () => {
  test('--dry-run prints a table and changes nothing; exit 0', async () => {
    const t = dueTicket(sim, 50, { subject: 'Parcel never arrived' })
    const run = await runCli(['--dry-run'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/TICKET\s+SUBJECT\s+CUSTOMER\s+IDLE H\s+ACTION\s+RESULT/)
    expect(run.stdout).toContain(String(t.id))
    expect(run.stdout).toContain('Parcel never arrived')
    expect(run.stdout).toContain('would do (dry run)')
    expect(run.stdout).toContain('Dry run: nothing was changed in Gorgias.')
    expect(run.stderr).toContain('page 1:')
    expect(sim.writes()).toHaveLength(0)
    expect(run.stdout + run.stderr).not.toContain(sim.apiKey)
  })

  test('settings from the environment in upper snake case, --json for machines', async () => {
    const t = dueTicket(sim, 30)
    const run = await runCli(['--json'], { ...env, FOLLOW_UP_HOURS: '24', CLOSE_HOURS: '48' })
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { followedUp: number[]; closed: number[] }
    expect(report.followedUp).toEqual([t.id])
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  test('flags win over the environment', async () => {
    dueTicket(sim, 30)
    const run = await runCli(['--follow-up-hours', '40', '--json'], {
      ...env,
      FOLLOW_UP_HOURS: '24',
      CLOSE_HOURS: '48'
    })
    expect(run.code).toBe(0)
    expect((JSON.parse(run.stdout) as { followedUp: number[] }).followedUp).toEqual([])
  })

  test('bad settings: exit 2 with the input named, no request made', async () => {
    const run = await runCli(['--close-hours', '12'], env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('close-hours:')
    expect(sim.log).toHaveLength(0)
  })

  test('the API key is refused as a flag', async () => {
    const run = await runCli(['--gorgias-api-key', 'oops'], env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('GORGIAS_API_KEY environment variable')
  })

  test('rejected credentials: exit 2 with the hint', async () => {
    const run = await runCli(['--dry-run'], { ...env, GORGIAS_API_KEY: 'nope' })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('check the GORGIAS_API_KEY secret')
    expect(sim.log).toHaveLength(1)
  })

  test('a failed ticket: exit 1, the others handled', async () => {
    const bad = dueTicket(sim)
    const good = dueTicket(sim)
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${bad.id}/tags`,
      times: Infinity,
      fault: { kind: 'status', status: 500 }
    })
    const run = await runCli([], env)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('1 ticket(s) failed')
    expect(sim.ticket(good.id)!.tags!.map(t => t.name)).toEqual(['auto-close-sent'])
  }, 30000)

  test('--help lists every input with its environment variable', async () => {
    const run = await runCli(['--help'], {})
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('--follow-up-hours')
    expect(run.stdout).toContain('FOLLOW_UP_HOURS')
  })
})
