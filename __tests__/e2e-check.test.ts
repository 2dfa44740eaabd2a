import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { seedAccount } from '../simulator/seed.js'
import { runAction, runCli, simInputs } from './helpers/action.js'

/**
 * The account check of the built bundles, as a user runs it: `node dist/cli.js check` and the
 * action with `check-only: true` (and the checklist on top of a dry run's summary), against a
 * seeded simulator over HTTP. The simulator's request log shows that nothing is written.
 */

let sim: GorgiasSimulator

beforeEach(async () => {
  sim = new GorgiasSimulator()
  seedAccount(sim, {
    now: new Date(),
    tickets: 260,
    dueFollowUp: 8,
    dueClose: 4,
    followUpHours: 48,
    closeHours: 72
  })
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

const host = () => new URL(sim.baseUrl).host
/** A view query is a PUT, but it only reads (reference: list view items). */
const writes = () =>
  sim.log.filter(e => e.method !== 'GET' && e.route !== 'PUT /api/views/{id}/items')

/** Credentials in the environment (as the CLI documents them), everything else as flags. */
const cliEnv = (apiKey = sim.apiKey) => ({
  GORGIAS_DOMAIN: 'acme',
  GORGIAS_EMAIL: sim.email,
  GORGIAS_API_KEY: apiKey
})
const cli = (args: string[], apiKey?: string) =>
  runCli(['check', '--api-url', sim.baseUrl, ...args], cliEnv(apiKey))

const basic = (key: string) => Buffer.from(`${sim.email}:${key}`).toString('base64')

describe('node dist/cli.js check', () => {
  test('prints the checklist and exits 0 on the seeded account, writing nothing', async () => {
    const run = await cli([])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Account check of ${host()} as ${sim.email}`)
    expect(run.stdout).toMatch(/ok +Credentials, API user/)
    expect(run.stdout).toContain('follow-ups are sent as "Alex Agent"')
    expect(run.stdout).toMatch(/ok +Rate-limit header/)
    expect(run.stdout).toMatch(/ok +Open-tickets view/)
    expect(run.stdout).toMatch(/ok +One ticket's read/)
    expect(run.stdout).toMatch(/ok +Email integration/)
    expect(run.stdout).toMatch(/Result: 0 problems, \d+ warnings?; \d+ requests, read-only/)
    expect(sim.log.length).toBeGreaterThan(0)
    expect(writes()).toEqual([])
  })

  test('exclude-tags written with spaces: a warning that quotes the name and suggests the list', async () => {
    const run = await cli(['--exclude-tags', 'vip escalated priority'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/warning +exclude-tags "vip escalated priority"/)
    expect(run.stdout).toContain('exclude-tags: vip,escalated,priority')
    expect(writes()).toEqual([])
  })

  test('--json gives the checklist as one JSON document', async () => {
    const run = await cli(['--json', '--exclude-tags', 'vip escalated priority'])
    expect(run.code).toBe(0)
    const json = JSON.parse(run.stdout) as {
      ok: boolean
      host: string
      items: Array<{ status: string; check: string; fix?: string }>
    }
    expect(json).toMatchObject({ ok: true, host: host() })
    const tag = json.items.find(i => i.check.startsWith('exclude-tags'))
    expect(tag).toMatchObject({ status: 'warning' })
    expect(tag?.fix).toContain('vip,escalated,priority')
  })

  test('a wrong key is a problem naming the host: exit 1, the key never printed', async () => {
    const run = await cli([], 'wrong-key-0000')
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/PROBLEM +Credentials, API user/)
    expect(run.stdout).toContain(`${host()} rejected the credentials of ${sim.email}`)
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain('wrong-key-0000')
      expect(text).not.toContain(basic('wrong-key-0000'))
    }
    expect(sim.log).toHaveLength(1)
  })

  test('--check-only is a flag, like --dry-run: the same checklist, no sweep', async () => {
    const run = await runCli(['--check-only', '--api-url', sim.baseUrl], cliEnv())
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Account check of /)
    expect(writes()).toEqual([])
  })

  test('bad settings exit 2 before any request', async () => {
    const run = await cli(['--close-hours', '12'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('close-hours')
    expect(sim.log).toEqual([])
  })

  test('what the settings read from the account (macros, business-hours: gorgias) is checked too', async () => {
    const good = await cli(['--follow-up-macro', 'Follow-up', '--business-hours', 'gorgias'])
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/ok +business-hours: gorgias \(GET \/api\/account\)/)
    expect(good.stdout).toContain(
      "the account's business hours: Mon-Fri 09:00-17:00 (Europe/Paris)"
    )
    expect(good.stdout).toMatch(/ok +follow-up-macro "Follow-up" \(GET \/api\/macros\)/)
    expect(good.stdout).toContain('#12 en, #13 fr; not applied: addTags, setStatus')
    sim.setAccountSettings([])
    const bad = await cli(['--follow-up-macro', '999', '--business-hours', 'gorgias'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/PROBLEM +business-hours: gorgias/)
    expect(bad.stdout).toContain(
      "business-hours: gorgias: the account's business hours are not set"
    )
    expect(bad.stdout).toMatch(/PROBLEM +follow-up-macro "999"/)
    expect(bad.stdout).toContain('follow-up-macro: macro #999 not found')
    expect(bad.stdout).toMatch(/Result: 2 problems/)
    expect(writes()).toEqual([])
  })

  test('a dry run prints the same checklist before its table', async () => {
    const run = await runCli(['--dry-run', '--api-url', sim.baseUrl], cliEnv())
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Account check of /)
    expect(run.stdout).toMatch(/Result: 0 problems/)
    expect(writes()).toEqual([])
  })
})

describe('the action with check-only: true', () => {
  test('writes the checklist to the job summary, makes no write and sets no output', async () => {
    const run = await runAction(
      simInputs(sim, { 'check-only': 'true', 'exclude-tags': 'vip escalated priority' })
    )
    expect(run.code).toBe(0)
    expect(run.summary).toMatch(/^## Account check: /)
    expect(run.summary).toContain('Credentials, API user')
    expect(run.summary).toContain('Alex Agent')
    expect(run.summary).toMatch(/⚠️ warning \| exclude-tags "vip escalated priority"/)
    expect(run.summary).toContain('vip,escalated,priority')
    expect(run.outputs).toEqual({})
    expect(run.stdout).toMatch(/warning +exclude-tags "vip escalated priority"/)
    expect(writes()).toEqual([])
    expect(sim.log.every(e => e.method === 'GET' || e.route === 'PUT /api/views/{id}/items')).toBe(
      true
    )
  })

  test('a wrong key fails the step, names the host, never shows the key', async () => {
    const run = await runAction(
      simInputs(sim, { 'check-only': 'true', 'gorgias-api-key': 'wrong-key-0000' })
    )
    expect(run.code).not.toBe(0)
    expect(run.summary).toContain('❌ problem')
    expect(run.stdout).toContain(`::error::The account check found 1 problem on ${host()}`)
    const log = run.stdout.replace(/^::add-mask::.*$/gm, '')
    for (const text of [log, run.stderr, run.summary]) {
      expect(text).not.toContain('wrong-key-0000')
      expect(text).not.toContain(basic('wrong-key-0000'))
    }
    expect(run.outputs).toEqual({})
    expect(writes()).toEqual([])
  })
})

describe('the checklist around a sweep', () => {
  test("a dry run's summary starts with the dry-run line, then the checklist", async () => {
    const run = await runAction(simInputs(sim, { 'dry-run': 'true' }))
    expect(run.code).toBe(0)
    const [first, , checklist] = run.summary.split('\n')
    expect(first).toMatch(/^\*\*Dry run: nothing was changed in Gorgias\.\*\*/)
    expect(checklist).toMatch(/^## Account check: /)
    expect(run.summary).toContain('Open-tickets view')
    expect(writes()).toEqual([])
  })

  test('a real run checks the exclusion tags first, warns, then sweeps', async () => {
    const run = await runAction(simInputs(sim, { 'exclude-tags': 'vip escalated priority' }))
    expect(run.code).toBe(0)
    expect(run.summary).not.toContain('## Account check')
    expect(run.summary).toContain('vip,escalated,priority')
    expect(run.stdout).toMatch(/::warning::exclude-tags "vip escalated priority": no tag named/)
    // One tag request, before anything else and so before any write.
    expect(sim.log[0]).toMatchObject({ method: 'GET', path: '/api/tags' })
    expect(sim.log.filter(e => e.path === '/api/tags')).toHaveLength(1)
    expect(writes().length).toBeGreaterThan(0)
  })
})
