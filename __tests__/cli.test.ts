import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, runCli, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'
import { ScriptedServer } from './helpers/scripted-server.js'

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
    GORGIAS_API_URL: sim.baseUrl
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

  test('explain <id> explains, whatever GORGIAS_AUTO_CLOSE_CHECK_ONLY or --check-only say', async () => {
    const t = dueTicket(sim, 50, { subject: 'Parcel never arrived' })
    for (const [args, extra] of [
      [['explain', String(t.id)], { GORGIAS_AUTO_CLOSE_CHECK_ONLY: 'true' }],
      [['explain', String(t.id), '--check-only'], {}]
    ] as const) {
      const run = await runCli([...args], { ...env, ...extra })
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(new RegExp(`^Ticket ${t.id}: Parcel never arrived`))
      expect(run.stdout).not.toContain('Account check')
    }
    expect(sim.writes()).toHaveLength(0)
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

  test('an api-url on another host is warned about before anything else, by both entries', async () => {
    // A policy module that is not there stops both runs before their first request.
    const foreign = { 'api-url': 'https://0.0.0.0:1/api', 'policy-module': 'missing.mjs' }
    const said =
      'api-url points at 0.0.0.0, not acme.gorgias.com: the Gorgias credentials are sent there.'
    const cli = await runCli(['--policy-module', 'missing.mjs'], {
      ...env,
      GORGIAS_API_URL: foreign['api-url']
    })
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain(`warning: ${said}`)
    const action = await runAction(simInputs(sim, { ...foreign, 'gorgias-domain': 'acme' }))
    expect(action.code).toBe(1)
    expect(action.stdout).toContain(`::warning::${said}`)
    expect(sim.log).toHaveLength(0)
  })

  test('the API key is refused as a flag', async () => {
    const run = await runCli(['--gorgias-api-key', 'oops'], env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('GORGIAS_API_KEY environment variable')
  })

  test('explain takes a ticket id, not 0: the usage, not an input the user never typed', async () => {
    const run = await runCli(['explain', '0'], env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('explain <ticket id>')
    expect(run.stderr.split('\n')[0]).not.toContain('ticket-ids')
    expect(sim.log).toHaveLength(0)
  })

  test('rejected credentials: exit 2 with the hint and the host that answered', async () => {
    const run = await runCli(['--dry-run'], { ...env, GORGIAS_API_KEY: 'nope' })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('check the GORGIAS_API_KEY secret')
    expect(run.stderr).toContain(`${new URL(sim.baseUrl).host} rejected the credentials`)
    expect(sim.log).toHaveLength(1)
  })

  test('a wrong key with ticket-ids is a run that never started: exit 2, nothing deferred', async () => {
    const a = dueTicket(sim)
    const b = dueTicket(sim)
    const run = await runCli(['--ticket-ids', `${a.id},${b.id}`, '--json'], {
      ...env,
      GORGIAS_API_KEY: 'nope'
    })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('rejected the credentials')
    expect(run.stderr).not.toMatch(/\d+ deferred|stopped there/)
    expect(sim.writes()).toHaveLength(0)
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
    expect(run.stdout).toContain('GORGIAS_AUTO_CLOSE_FOLLOW_UP_HOURS')
    expect(run.stdout).toContain('GORGIAS_AUTO_CLOSE_DRY_RUN')
    expect(run.stdout).toContain('GORGIAS_API_URL')
    expect(run.stdout).not.toMatch(/ API_URL\b| DRY_RUN\b/)
  })

  test('the dry run says so first on stderr, and how to go live', async () => {
    dueTicket(sim)
    const run = await runCli(['--dry-run'], env)
    expect(run.code).toBe(0)
    expect(run.stderr.split('\n')[0]).toBe(
      'Dry run: nothing will be changed in Gorgias. To go live, run without --dry-run.'
    )
  })

  test('a dry run prints the exact message it would send, terminal-safe', async () => {
    dueTicket(sim, 50, {
      subject: 'Order \u001b[31m#74006',
      customer: { id: 77, email: 'ana@example.com', firstname: 'Ana' }
    })
    const run = await runCli(['--dry-run'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('The messages that would be sent')
    expect(run.stdout).toContain('Follow-up: 1 ticket')
    expect(run.stdout).toContain('To: ana@example.com')
    expect(run.stdout).toContain('| Hi Ana,')
    expect(run.stdout).toContain('request "Order [31m#74006"')
    expect(run.stdout).not.toContain('\u001b')
    expect(run.stdout).not.toMatch(/\\[#:.]/)
  })
})

describe('environment names that cannot collide', () => {
  test('the prefixed names are read; FOLLOW_UP_HOURS and CLOSE_HOURS still work as aliases', async () => {
    const t = dueTicket(sim, 30)
    const prefixed = await runCli(['--json'], {
      ...env,
      GORGIAS_AUTO_CLOSE_DRY_RUN: 'true',
      GORGIAS_AUTO_CLOSE_FOLLOW_UP_HOURS: '24',
      GORGIAS_AUTO_CLOSE_CLOSE_HOURS: '48',
      FOLLOW_UP_HOURS: '40'
    })
    expect(prefixed.code).toBe(0)
    const report = JSON.parse(prefixed.stdout) as { followedUp: number[]; dryRun: boolean }
    expect(report).toMatchObject({ followedUp: [t.id], dryRun: true })
    expect(sim.writes()).toHaveLength(0)
    expect(prefixed.stderr).not.toContain('ignored')
  })

  test('API_URL pointing at another server is ignored: nothing is sent there, said once', async () => {
    const other = new ScriptedServer()
    const otherUrl = await other.start()
    try {
      dueTicket(sim)
      const run = await runCli(['--dry-run'], {
        GORGIAS_DOMAIN: 'acme',
        GORGIAS_EMAIL: sim.email,
        GORGIAS_API_KEY: sim.apiKey,
        GORGIAS_API_URL: sim.baseUrl,
        API_URL: otherUrl,
        TIMEZONE: 'Mars/Olympus',
        DRY_RUN: 'false',
        CHANNELS: 'fax'
      })
      expect(run.code).toBe(0)
      expect(other.seen).toHaveLength(0)
      expect(sim.log.length).toBeGreaterThan(0)
      const warnings = run.stderr.split('\n').filter(l => l.includes('ignored'))
      expect(warnings).toHaveLength(1)
      for (const [old, now] of [
        ['API_URL', 'GORGIAS_API_URL'],
        ['TIMEZONE', 'GORGIAS_AUTO_CLOSE_TIMEZONE'],
        ['DRY_RUN', 'GORGIAS_AUTO_CLOSE_DRY_RUN'],
        ['CHANNELS', 'GORGIAS_AUTO_CLOSE_CHANNELS']
      ]) {
        expect(warnings[0]).toContain(`${old} (use ${now})`)
      }
    } finally {
      await other.stop()
    }
  })
})
