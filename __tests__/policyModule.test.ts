import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, runCli, simInputs } from './helpers/action.js'
import { ours, settingsFor } from './helpers/kit.js'

/** Custom per-ticket logic, end to end through the bundle, with the shipped example. */

let sim: GorgiasSimulator
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

function moduleFile(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gac-policy-')), 'policy.mjs')
  writeFileSync(file, source)
  return file
}

describe('policy-module', () => {
  test('the example skips a customer with a pending order and lets the others through', async () => {
    const waiting = dueTicket(sim, 50, {
      customer: { email: 'wait@example.com', firstname: 'Wai' }
    })
    const shipped = dueTicket(sim, 50, {
      customer: { email: 'done@example.com', firstname: 'Don' }
    })
    sim.setCustomerData(waiting.customer!.id, {
      integrations: {
        '3': {
          __integration_type__: 'shopify',
          orders: [{ id: 1, name: '#1001', fulfillment_status: null, financial_status: 'paid' }]
        }
      }
    })
    sim.setCustomerData(shipped.customer!.id, {
      integrations: {
        '3': {
          __integration_type__: 'shopify',
          orders: [
            { id: 2, name: '#1002', fulfillment_status: 'fulfilled', financial_status: 'paid' }
          ]
        }
      }
    })
    const run = await runAction(
      simInputs(sim, { 'policy-module': 'examples/skip-pending-orders.mjs' })
    )
    expect(run.code).toBe(0)
    expect(JSON.parse(run.outputs['followed-up']!)).toEqual([shipped.id])
    expect(ours(sim, waiting.id)).toHaveLength(0)
    expect(run.summary).toContain('`policy-module`')
    expect(run.summary).toContain('customer has a pending order (\\#1001)')
    expect(sim.log.some(e => e.path === `/api/customers/${waiting.customer!.id}`)).toBe(true)
  })

  test('a module that throws fails that ticket (never acted on); the others go on', async () => {
    const boom = dueTicket(sim, 50, { subject: 'boom' })
    const fine = dueTicket(sim, 50, { subject: 'fine' })
    const file = moduleFile(
      "export default ticket => { if (ticket.subject === 'boom') throw new Error('CRM is down') }\n"
    )
    const run = await runAction(simInputs(sim, { 'policy-module': file }))
    expect(run.code).toBe(1)
    expect(run.outputs['failed-count']).toBe('1')
    expect(JSON.parse(run.outputs['followed-up']!)).toEqual([fine.id])
    expect(ours(sim, boom.id)).toHaveLength(0)
    expect(run.summary).toContain('policy-module threw: CRM is down')
  })

  test('a module that returns something else is a failure, not a go-ahead', async () => {
    const t = dueTicket(sim)
    const run = await runAction(
      simInputs(sim, { 'policy-module': moduleFile('export default () => true\n') })
    )
    expect(run.code).toBe(1)
    expect(ours(sim, t.id)).toHaveLength(0)
  })

  test('a missing module is refused before any request', async () => {
    const run = await runAction(simInputs(sim, { 'policy-module': 'policies/nope.mjs' }))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('::error::policy-module: no file at')
    expect(sim.log).toHaveLength(0)
  })

  test("a module's open timer or connection does not keep the step running once it has reported", async () => {
    // A CRM client or a database pool left open would hold the job until its timeout-minutes.
    const t = dueTicket(sim)
    const file = moduleFile('setInterval(() => {}, 1000)\nexport default () => undefined\n')
    const env = { GORGIAS_DOMAIN: 'acme', GORGIAS_EMAIL: sim.email, GORGIAS_API_KEY: sim.apiKey, GORGIAS_API_URL: sim.baseUrl } // prettier-ignore
    const cli = await runCli(['--policy-module', file, '--dry-run', '--json'], env)
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout)).toMatchObject({ followedUp: [t.id] })
    const run = await runAction(simInputs(sim, { 'policy-module': file }), { timeoutMs: 30_000 })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.outputs['followed-up']!)).toEqual([t.id])
  })

  test('the same module works from the CLI (--policy-module)', async () => {
    const t = dueTicket(sim)
    const file = moduleFile("export default () => ({ skip: 'VIP handled by hand' })\n")
    const run = await runCli(['--policy-module', file, '--json'], {
      GORGIAS_DOMAIN: 'acme',
      GORGIAS_EMAIL: sim.email,
      GORGIAS_API_KEY: sim.apiKey,
      GORGIAS_API_URL: sim.baseUrl
    })
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(0)
    expect(run.stdout).toContain('VIP handled by hand')
  })
})

describe('loadPolicyModule (in process)', () => {
  const policySettings = () =>
    settingsFor(null, { 'gorgias-api-key': 'sekret-KEY-1234' }, { workspace: '/' })

  async function vetoFrom(source: string, timeoutMs = 1000, settings = policySettings()) {
    const { loadPolicyModule } = await import('../src/policyModule.js')
    settings.policyModule = moduleFile(source)
    const lines: string[] = []
    const veto = await loadPolicyModule(settings, { info: m => lines.push(m) }, timeoutMs)
    const client = {
      getJson: () => Promise.resolve({}),
      getTicket: () => Promise.reject(new Error('unused')),
      listMessages: () => Promise.resolve([])
    }
    const reply = {
      id: 1,
      ticket_id: 1,
      channel: 'email',
      from_agent: true,
      created_datetime: '2026-01-01T00:00:00Z'
    }
    const ask = () =>
      veto(client, { id: 1, status: 'open', channel: 'email' }, [], {
        kind: 'close',
        ticketId: 1,
        reply,
        replyAt: new Date(),
        idleHours: 80,
        postMessage: false,
        marker: 'm',
        route: {
          channel: 'email',
          sourceType: 'email',
          from: null,
          integrationId: null,
          subject: null,
          customer: { address: 'a@b.co', receiver: { id: 9 } }
        }
      })
    return { ask, lines }
  }

  test('a module that does not finish loading in time stops the run before any request', async () => {
    const { loadPolicyModule, PolicyModuleError } = await import('../src/policyModule.js')
    const settings = policySettings()
    // A top-level await on a CRM that never answers.
    settings.policyModule = moduleFile(
      'await new Promise(() => {})\nexport default () => undefined\n'
    )
    const load = loadPolicyModule(settings, { info: () => undefined }, 50)
    await expect(load).rejects.toThrow(PolicyModuleError)
    await expect(load).rejects.toThrow(/^policy-module: .* did not load within 0\.05 s/)
  })

  test('a module that does not answer in time fails the ticket', async () => {
    const { ask } = await vetoFrom('export default () => new Promise(() => {})\n', 50)
    await expect(ask()).rejects.toThrow('policy-module did not answer within 0.05 s')
  })

  test("the module's log lines can never be workflow commands", async () => {
    const { ask, lines } = await vetoFrom(
      [
        'export default (t, m, a, context) => {',
        "  context.log('checked\\n::error::pwned')",
        "  context.log('::add-mask::x')",
        "  context.log('a\\r\\n::set-output name=x::y\\u2028::warning::z')",
        '  context.log({ note: 1 })',
        '}'
      ].join('\n')
    )
    await ask()
    const logged = lines.filter(l => l.startsWith('policy-module (ticket 1)'))
    expect(logged).toEqual([
      'policy-module (ticket 1): checked ::error::pwned',
      'policy-module (ticket 1): ::add-mask::x',
      'policy-module (ticket 1): a ::set-output name=x::y ::warning::z',
      'policy-module (ticket 1): {"note":1}'
    ])
    for (const line of lines) {
      expect(line).not.toMatch(/^::/)
      expect(line).not.toMatch(/[\r\n\u2028\u2029]/)
    }
  })

  test("a module's reason and error are one line each", async () => {
    const skip = await vetoFrom("export default () => ({ skip: 'VIP\\n::error::x' })\n")
    await expect(skip.ask()).resolves.toEqual({ skip: 'VIP ::error::x' })
    const thrown = await vetoFrom("export default () => { throw new Error('down\\n::error::x') }\n")
    await expect(thrown.ask()).rejects.toThrow(/^policy-module threw: down ::error::x$/)
  })

  test("the module's log lines never show the API key, in any form", async () => {
    // A module runs where the key is in the environment; the CLI's log has no runner to mask it.
    const token = Buffer.from('bot@acme.test:sekret-KEY-1234').toString('base64')
    const { ask, lines } = await vetoFrom(
      `export default (t, m, a, context) => { context.log('key sekret-KEY-1234, auth Basic ${token}') }\n`
    )
    await ask()
    expect(lines).toContain('policy-module (ticket 1): key ***, auth ***')
    for (const line of lines) expect(line).not.toMatch(/sekret|${token}/)
    // Taken out before a long reason is cut: a cut key would no longer match the key's forms.
    const long = await vetoFrom(
      "export default () => ({ skip: 'x'.repeat(495) + 'sekret-KEY-1234' })\n"
    )
    const { skip } = (await long.ask())!
    expect(skip).toBe(`${'x'.repeat(495)}***`)
    const thrown = await vetoFrom(
      "export default () => { throw new Error('x'.repeat(480) + 'sekret-KEY-1234') }\n"
    )
    await expect(thrown.ask()).rejects.toThrow(/x\*\*\*$/)
  })

  test('a module cannot change the settings the run decides by (it can only veto)', async () => {
    const settings = policySettings()
    const { ask } = await vetoFrom(
      [
        'export default (t, m, a, context) => {',
        '  context.settings.excludeTags.length = 0',
        '  context.settings.followUpHours.push(1)',
        "  context.settings.messages.byLanguage.default.followUp = 'changed'",
        '}'
      ].join('\n'),
      1000,
      settings
    )
    const before = JSON.stringify(settings)
    await ask()
    expect(JSON.stringify(settings)).toBe(before)
  })
})
