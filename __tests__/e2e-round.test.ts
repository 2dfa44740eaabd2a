import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse as loadYaml } from 'yaml'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, runCli, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * The bundle as the runner runs it, for what this round added: texts in the customer's language,
 * ticket-ids with explanations, reopens counted, the audit file, the customer as the only
 * recipient, our follow-ups known without their marker, and customer text kept as text.
 */

const H = 3_600_000
let sim: GorgiasSimulator
let dir: string
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
  dir = mkdtempSync(join(tmpdir(), 'gac-round-'))
})
afterEach(async () => {
  await sim.stop()
  rmSync(dir, { recursive: true, force: true })
})

const iso = (hoursAgo: number) => new Date(Date.now() - hoursAgo * H).toISOString()
const ids = (json: string | undefined): number[] => (JSON.parse(json ?? '[]') as number[]).sort()
const examples = resolve('examples/messages.yml')

describe('messages in the customer language', () => {
  test('French, German and an undetected language each get their own text', async () => {
    const fr = dueTicket(sim, 50, { language: 'fr' })
    const de = dueTicket(sim, 50, { language: 'de-AT' })
    const none = dueTicket(sim, 50, { language: null })
    const run = await runAction(simInputs(sim, { 'messages-file': examples }))
    expect(run.code).toBe(0)
    expect(ours(sim, fr.id)[0]!.body_text).toMatch(/^Bonjour /)
    expect(ours(sim, de.id)[0]!.body_text).toMatch(/^(Hallo|Guten Tag) /)
    expect(ours(sim, none.id)[0]!.body_text).toMatch(/^Hi /)
    expect(run.summary).toMatch(/\| fr \|/)
    expect(run.summary).toMatch(/\| de \|/)
  })

  test.each([
    ['a file that is not there', null, 'no-such.yml'],
    ['not YAML', 'default: [en\n', 'bad.yml'],
    ['no default', 'en:\n  follow-up: "Hi"\n', 'nodefault.yml'],
    ['a language without follow-up', 'default: en\nen:\n  close: "Bye"\n', 'nofollow.yml'],
    ['an unknown placeholder', 'default: en\nen:\n  follow-up: "Hi {{name}}"\n', 'ph.yml']
  ])('%s is refused before any request, naming the file', async (_what, content, name) => {
    const path = join(dir, name)
    if (content !== null) writeFileSync(path, content)
    dueTicket(sim)
    const run = await runAction(simInputs(sim, { 'messages-file': path }))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('::error::messages-file')
    expect(run.stdout).toContain(name)
    expect(sim.log).toHaveLength(0)
  })

  test('messages-file together with a message input is refused, naming both', async () => {
    const run = await runAction(
      simInputs(sim, { 'messages-file': examples, 'close-message': 'Bye {{first_name}}' })
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::close-message: .*messages-file/)
    expect(sim.log).toHaveLength(0)
  })
})

describe('ticket-ids: act on chosen tickets only, and explain each', () => {
  test('a due, a not-due and an excluded ticket: only the due one is acted on; all three explained', async () => {
    const due = dueTicket(sim, 50)
    const notDue = dueTicket(sim, 10)
    const excluded = dueTicket(sim, 60, { tags: [{ name: 'vip' }] })
    const other = dueTicket(sim, 70)
    const run = await runAction(
      simInputs(sim, { 'ticket-ids': `${due.id}, ${notDue.id}, ${excluded.id}` })
    )
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([due.id])
    expect(ours(sim, notDue.id)).toHaveLength(0)
    expect(ours(sim, excluded.id)).toHaveLength(0)
    // Nothing is listed, and a ticket not asked about is never read.
    expect(
      sim.log.filter(e => e.route.includes('views') || e.path === '/api/tickets')
    ).toHaveLength(0)
    expect(sim.log.filter(e => e.path === `/api/tickets/${other.id}`)).toHaveLength(0)
    for (const t of [due, notDue, excluded]) expect(run.summary).toContain(`#${t.id}`)
    expect(run.summary).toMatch(/vip/)
    expect(run.summary).toMatch(/due/i)
  })

  test('node dist/cli.js explain <id> prints the reasoning and changes nothing', async () => {
    const t = dueTicket(sim, 30)
    const env = {
      GORGIAS_DOMAIN: 'acme',
      GORGIAS_EMAIL: sim.email,
      GORGIAS_API_KEY: sim.apiKey,
      GORGIAS_API_URL: sim.baseUrl
    }
    const run = await runCli(['explain', String(t.id)], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(String(t.id))
    expect(run.stdout).toMatch(/not-due|not due/)
    expect(sim.writes()).toHaveLength(0)
    expect(sim.log.map(e => `${e.method} ${e.path}`)).toEqual([`GET /api/tickets/${t.id}`])
    const bad = await runCli(['explain', 'abc'], env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('explain <ticket id>')
  })
})

test('an open ticket carrying closed-tag is a reopen: counted, with its link', async () => {
  const reopened = sim.addTicket({
    tags: [{ name: 'auto-closed' }, { name: 'auto-close-sent' }],
    messages: [
      { from_agent: true, created_datetime: iso(100) },
      { from_agent: false, created_datetime: iso(1), body_text: 'Actually, it never arrived' }
    ]
  })
  const run = await runAction(simInputs(sim))
  expect(run.code).toBe(0)
  expect(run.outputs['reopened-count']).toBe('1')
  expect(run.summary).toContain(`#${reopened.id}`)
  expect(run.summary).toMatch(/Reopened after an automatic close/i)
})

test('report-file: one valid JSON line per ticket acted on or deferred, then the counts', async () => {
  const a = dueTicket(sim, 70)
  const b = dueTicket(sim, 60)
  const c = dueTicket(sim, 50)
  const path = join(dir, 'audit', 'run.jsonl')
  const run = await runAction(simInputs(sim, { 'report-file': path, 'max-actions': '2' }))
  expect(run.code).toBe(0)
  expect(run.outputs['report-file']).toBe(path)
  const lines = readFileSync(path, 'utf8').trim().split('\n')
  const parsed = lines.map(line => JSON.parse(line) as Record<string, unknown>)
  const tickets = parsed.filter(l => l.type === 'ticket')
  expect(tickets.map(l => l.ticketId)).toEqual([a.id, b.id, c.id])
  expect(tickets.map(l => l.result)).toEqual(['done', 'done', 'deferred'])
  expect(parsed.at(-1)).toMatchObject({ followedUp: 2, deferred: 1 })
  expect(readFileSync(path, 'utf8')).not.toContain('Question about my order')
})

test('the follow-up goes to the customer only, even when the agent last wrote to a carrier', async () => {
  const t = sim.addTicket({
    customer: { email: 'ana@customer.test', firstname: 'Ana' },
    messages: [
      { from_agent: false, created_datetime: iso(60) },
      {
        from_agent: true,
        created_datetime: iso(50),
        source: {
          type: 'email',
          from: { address: 'support@acme.test' },
          to: [{ address: 'claims@carrier.test' }],
          cc: [{ address: 'ops@supplier.test' }]
        }
      }
    ]
  })
  const run = await runAction(simInputs(sim))
  expect(run.code).toBe(0)
  const [followUp] = ours(sim, t.id)
  expect(followUp).toBeDefined()
  expect(followUp!.source?.to?.map(a => a.address)).toEqual(['ana@customer.test'])
  expect(followUp!.source?.cc ?? []).toEqual([])
  expect(followUp!.source?.bcc ?? []).toEqual([])
  expect(JSON.stringify(followUp)).not.toMatch(/carrier\.test|supplier\.test/)
})

test('Gorgias dropping external_id: our follow-up is still ours, never a second one, and it closes', async () => {
  sim.onRequest(req => {
    if (req.method === 'POST' && /\/messages$/.test(req.path) && typeof req.body === 'object') {
      delete (req.body as Record<string, unknown>).external_id
    }
  })
  const t = dueTicket(sim, 50)
  const first = await runAction(simInputs(sim))
  expect(ids(first.outputs['followed-up'])).toEqual([t.id])
  const fromApi = () => sim.messages(t.id).filter(m => m.via === 'api')
  expect(fromApi()).toHaveLength(1)
  expect(fromApi()[0]!.external_id ?? null).toBeNull()
  // 48 hours later: without the second recognition this would be a second follow-up.
  sim.age(48)
  const second = await runAction(simInputs(sim))
  expect(second.outputs['follow-up-count']).toBe('0')
  expect(fromApi()).toHaveLength(1)
  expect(second.summary).toContain('lack its marker')
  expect(second.outputs['closed-count']).toBe('1')
  expect(sim.ticket(t.id)!.status).toBe('closed')
})

test('customer text stays text: no link, image, heading, reversal or workflow command', async () => {
  const t = dueTicket(sim, 50, {
    subject: '[click](https://evil.test) ![x](https://evil.test/p.png) # Refund \u202Egnp.exe',
    customer: { email: 'x@customer.test', firstname: '::error::forged <b>Eve</b>' }
  })
  const run = await runAction(simInputs(sim))
  expect(run.code).toBe(0)
  expect(run.summary).toContain(`#${t.id}`)
  expect(run.summary).not.toContain('](https://evil.test)')
  expect(run.summary).not.toContain('![x]')
  expect(run.summary).not.toContain('\u202E')
  expect(run.summary).not.toContain('<b>')
  expect(run.stdout).not.toMatch(/^::error::forged/m)
  const hidden = await runAction(simInputs(sim, { 'summary-customer-details': 'false' }))
  expect(hidden.summary).not.toMatch(/evil|Eve|Refund/)
})

test('a policy module error that echoes the key past the cut shows no fragment of it', async () => {
  const module = join(dir, 'leaky.mjs')
  writeFileSync(
    module,
    "export default () => { throw new Error('x'.repeat(80) + ' ' + process.env['INPUT_GORGIAS-API-KEY']) }\n"
  )
  dueTicket(sim)
  const run = await runAction(simInputs(sim, { 'policy-module': module }))
  expect(run.code).toBe(1)
  // The runner consumes its own ::add-mask:: commands; every other line is shown.
  const shown = run.stdout
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  for (const text of [run.summary, shown, run.stderr]) {
    for (let n = 6; n <= sim.apiKey.length; n++) expect(text).not.toContain(sim.apiKey.slice(0, n))
  }
  expect(run.summary).toContain('\\*\\*\\*')
})

test('a read that answers with another ticket writes nothing to either', async () => {
  const asked = dueTicket(sim, 50)
  const other = dueTicket(sim, 60, { status: 'closed' })
  sim.injectFault({
    method: 'GET',
    path: `/tickets/${asked.id}`,
    fault: {
      kind: 'malformed',
      body: JSON.stringify({
        ...sim.ticket(other.id),
        status: 'open',
        messages: sim.messages(other.id)
      })
    }
  })
  const run = await runAction(simInputs(sim))
  expect(run.code).toBe(0)
  expect(run.outputs['follow-up-count']).toBe('0')
  expect(sim.writes()).toHaveLength(0)
  expect(run.summary).toContain('`not-found`')
})

test('every output declared in action.yml is set by a run, and nothing else', async () => {
  const declared = Object.keys(
    (loadYaml(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> }).outputs
  ).sort()
  dueTicket(sim)
  const run = await runAction(simInputs(sim))
  expect(Object.keys(run.outputs).sort()).toEqual(declared)
})
