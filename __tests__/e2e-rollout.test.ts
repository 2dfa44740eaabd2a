import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { GorgiasSimulator } from '../simulator/server.js'
import * as main from '../src/main.js'
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

  test("explain with a policy-module: its veto, or its failure, is the answer's last word", async () => {
    const t = dueTicket(sim, 50, { subject: 'Parcel never arrived', customer })
    const dir = mkdtempSync(join(tmpdir(), 'gac-explain-'))
    const veto = join(dir, 'veto.mjs')
    writeFileSync(veto, "export default () => ({ skip: 'the returns team closes its own' })\n")
    const broken = join(dir, 'broken.mjs')
    writeFileSync(broken, "export default () => { throw new Error('CRM is down') }\n")
    const vetoed = await runCli(['explain', String(t.id), '--policy-module', veto], cliEnv())
    expect(vetoed.code).toBe(0)
    expect(vetoed.stdout.trimEnd().split('\n').at(-1)).toBe(
      '  Policy module: skip (nothing would be sent): the returns team closes its own'
    )
    const json = await runCli(
      ['explain', String(t.id), '--policy-module', veto, '--json'],
      cliEnv()
    )
    expect(JSON.parse(json.stdout)).toMatchObject({
      policyModule: { skip: 'the returns team closes its own' }
    })
    const failed = await runCli(['explain', String(t.id), '--policy-module', broken], cliEnv())
    expect(failed.code).toBe(1)
    expect(failed.stdout.trimEnd().split('\n').at(-1)).toBe(
      '  Policy module: failed (the ticket would fail, nothing sent): policy-module threw: CRM is down'
    )
    expect(sim.writes()).toHaveLength(0)
    rmSync(dir, { recursive: true, force: true })
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
  test('src/main.ts exports run(), the entry @github/local-action calls', () => {
    expect(main.run).toBe(main.runAction)
  })

  test('creates the summary file .env names (no .tmp/ yet) before the runner starts', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts['local-action']).toBe('node scripts/local-action.mjs')
    const dir = mkdtempSync(join(tmpdir(), 'gac-fresh-'))
    try {
      // A stand-in for the runner: it records that the summary file was there when it started.
      const bin = join(dir, 'bin')
      mkdirSync(bin)
      const fake = join(bin, 'local-action')
      writeFileSync(fake, '#!/bin/sh\ntest -f .tmp/local-action-summary.md && echo found > seen\n')
      chmodSync(fake, 0o755)
      writeFileSync(
        join(dir, '.env'),
        'INPUT_DRY-RUN=true\nGITHUB_STEP_SUMMARY=.tmp/local-action-summary.md\n'
      )
      execFileSync(process.execPath, [resolve('scripts/local-action.mjs')], {
        cwd: dir,
        env: { PATH: `${bin}:${process.env.PATH ?? ''}` }
      })
      expect(readFileSync(join(dir, 'seen'), 'utf8')).toBe('found\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
