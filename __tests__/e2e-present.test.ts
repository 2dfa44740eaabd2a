import { afterEach, beforeEach, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, runCli, simInputs } from './helpers/action.js'

/**
 * What a support lead reads, end to end through dist/: the same run's numbers agree in the step
 * outputs, the job summary and the CLI's --json.
 */

let sim: GorgiasSimulator
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

/** Two due tickets, two not due yet, and a post to the first refused by Gorgias. */
function account(): number {
  const refused = dueTicket(sim, 52)
  dueTicket(sim, 50)
  dueTicket(sim, 10)
  dueTicket(sim, 12)
  sim.injectFault({
    method: 'POST',
    path: `/tickets/${refused.id}/messages`,
    times: Infinity,
    fault: { kind: 'status', status: 400 }
  })
  return refused.id
}

test('the job summary: a table title counts as the headline and the outputs do', async () => {
  account()
  const run = await runAction(simInputs(sim, { 'dry-run': 'false' }))
  expect(run.code).toBe(1)
  expect(run.outputs['follow-up-count']).toBe('1')
  expect(run.outputs['failed-count']).toBe('1')
  expect(run.summary).toContain('**1 followed up, 0 closed**, 1 failed')
  expect(run.summary).toContain('### Follow-ups: 1 (and 1 failed)')
})

test('--json: `skipped` is the count the skipped-count output gives, the reasons apart', async () => {
  account()
  const env = {
    GORGIAS_DOMAIN: 'acme',
    GORGIAS_EMAIL: sim.email,
    GORGIAS_API_KEY: sim.apiKey,
    GORGIAS_API_URL: sim.baseUrl
  }
  const cli = await runCli(['--dry-run', '--json'], env)
  const json = JSON.parse(cli.stdout) as Record<string, unknown>
  const action = await runAction(simInputs(sim, { 'dry-run': 'true' }))
  expect(json.skipped).toBe(2)
  expect(String(json.skipped)).toBe(action.outputs['skipped-count'])
  expect(json.skippedByReason).toMatchObject({ 'not-due': 2 })
  expect(json.followedUp).toHaveLength(2)
})

test('the CLI sends the reader to its own table, not to a job summary it does not have', async () => {
  const refused = account()
  const env = {
    GORGIAS_DOMAIN: 'acme',
    GORGIAS_EMAIL: sim.email,
    GORGIAS_API_KEY: sim.apiKey,
    GORGIAS_API_URL: sim.baseUrl
  }
  const text = await runCli([], env)
  expect(text.code).toBe(1)
  expect(text.stderr).toContain(
    `1 ticket(s) failed; the others were handled, see the table above (first: ticket ${refused}:`
  )
  expect(text.stdout + text.stderr).not.toContain('job summary')
  const json = await runCli(['--json'], env)
  expect(json.stderr).toContain('see the JSON report (first:')
  const action = await runAction(simInputs(sim))
  expect(action.stdout).toContain('see the job summary (first:')
})

test('ticket-ids over max-actions: the headline does not say the unread ids were read', async () => {
  const ids = [dueTicket(sim, 50).id, dueTicket(sim, 51).id, dueTicket(sim, 52).id]
  const run = await runAction(
    simInputs(sim, { 'ticket-ids': ids.join(','), 'max-actions': '1', 'dry-run': 'true' })
  )
  expect(run.outputs['deferred-count']).toBe('2')
  expect(run.summary).not.toContain('Read 3 tickets')
  expect(run.summary).toContain('3 tickets asked for (ticket-ids); 1 read.')
  // Not read, so nothing is known of their customer: no "(no name)" for a name never looked at.
  const row = run.summary.split('\n').find(l => l.startsWith(`| [#${ids[1]}]`))
  expect(row).toContain('deferred: not read')
  expect(row).not.toContain('(no name)')
})
