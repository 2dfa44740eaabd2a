import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { execSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, runCli, simInputs } from './helpers/action.js'

/**
 * The bundle as the runner runs it, for the first rollout: a dry run that says so first and
 * shows the exact words, explanations with the full message, and a rejected key that looks like
 * a run that never started.
 */

let sim: GorgiasSimulator
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

const cliEnv = () => ({
  GORGIAS_DOMAIN: 'acme',
  GORGIAS_EMAIL: sim.email,
  GORGIAS_API_KEY: sim.apiKey,
  GORGIAS_API_URL: sim.baseUrl
})

const customer = { id: 4242, email: 'ana@example.com', firstname: 'Ana' }

describe('a dry run says so first, and shows the words', () => {
  test('the summary starts with the dry-run line and shows the follow-up as it would be sent', async () => {
    const t = dueTicket(sim, 50, { subject: 'Parcel never arrived', customer })
    dueTicket(sim, 52, { subject: 'Refund', customer: { id: 4243, email: 'bo@example.com' } })
    const run = await runAction(simInputs(sim, { 'dry-run': 'true' }))
    expect(run.code).toBe(0)
    expect(run.summary.split('\n')[0]).toContain('**Dry run: nothing was changed in Gorgias.**')
    expect(run.summary.split('\n')[0]).toContain('`GORGIAS_AUTO_CLOSE_LIVE` to `true`')
    expect(run.summary).toContain('### The messages that would be sent')
    expect(run.summary).toMatch(/#### Follow-up: 2 tickets \(as \[#\d+\]/)
    expect(run.summary).toContain('> We wanted to check in on your request')
    expect(run.summary).toContain('Subject: Re: ')
    expect(sim.writes()).toHaveLength(0)
    void t
  })

  test('summary-customer-details: false shows stand-ins, never the name, subject or address', async () => {
    dueTicket(sim, 50, { subject: 'Parcel never arrived', customer })
    const run = await runAction(
      simInputs(sim, { 'dry-run': 'true', 'summary-customer-details': 'false' })
    )
    expect(run.code).toBe(0)
    expect(run.summary).toContain('> Hi \\[first name\\],')
    expect(run.summary).not.toMatch(/Ana|Parcel never arrived|ana\\?@example/)
  })
})

describe('explain shows the full message, and nothing of a sweep', () => {
  test('explain <id>: to, from, subject and body; no dry-run, listing or action-count lines', async () => {
    const t = dueTicket(sim, 50, { subject: 'Parcel never arrived', customer })
    const run = await runCli(['explain', String(t.id)], cliEnv())
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('The follow-up this ticket would get')
    expect(run.stdout).toContain('To: ana@example.com')
    expect(run.stdout).toMatch(/From: .*<support@acme\.test>/)
    expect(run.stdout).toContain('Subject: Re: Parcel never arrived')
    expect(run.stdout).toContain('| Hi Ana,')
    expect(run.stderr).not.toMatch(/Dry run|== Listing|actions? done/)
    expect(sim.writes()).toHaveLength(0)
  })

  test('ticket-ids explanation in the summary carries the message', async () => {
    const t = dueTicket(sim, 50, { subject: 'Parcel never arrived', customer })
    const run = await runAction(simInputs(sim, { 'dry-run': 'true', 'ticket-ids': String(t.id) }))
    expect(run.code).toBe(0)
    expect(run.summary).toContain('**The follow-up this ticket would get**')
    expect(run.summary).toContain('To: ana\\@example\\.com')
  })
})

describe('a wrong key at the start is a run that never started', () => {
  test('action with ticket-ids: step failed, no outputs, nothing reported deferred', async () => {
    const a = dueTicket(sim)
    const b = dueTicket(sim)
    const run = await runAction(
      simInputs(sim, { 'gorgias-api-key': 'wrong-key-123456', 'ticket-ids': `${a.id},${b.id}` })
    )
    expect(run.code).toBe(1)
    expect(run.outputs).toEqual({})
    expect(run.summary).toContain('rejected the credentials')
    expect(run.summary).not.toMatch(/deferred|stopped there/)
    expect(sim.writes()).toHaveLength(0)
  })
})

describe('npm run local-action on a fresh clone', () => {
  test('its script creates .tmp/ (where .env.example puts the summary) before the runner starts', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>
    }
    const script = pkg.scripts['local-action']!
    const before = script.slice(0, script.indexOf('local-action .'))
    expect(before).not.toBe('')
    const dir = mkdtempSync(join(tmpdir(), 'gac-fresh-'))
    try {
      execSync(before.replace(/&&\s*$/, ''), { cwd: dir })
      expect(existsSync(join(dir, '.tmp'))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
