import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { GorgiasSimulator } from '../simulator/server.js'
import { seedAccount, type SeedSummary } from '../simulator/seed.js'
import { runAction, simInputs, type ActionRun } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * The built action (dist/index.js), run as the GitHub runner runs it, against the simulator.
 * Assertions are on what the helpdesk ends up holding and on the summary and outputs files.
 */

const H = 3_600_000
let sim: GorgiasSimulator

beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
})
afterEach(async () => {
  await sim.stop()
})

const ids = (json: string | undefined): number[] =>
  (JSON.parse(json ?? '[]') as number[]).sort((a, b) => a - b)
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
const tagNames = (id: number): string[] => (sim.ticket(id)?.tags ?? []).map(t => t.name).sort()
/** A view query is a PUT, but it reads and writes nothing (reference: list view items). */
const isViewQuery = (e: { route: string }) => e.route === 'PUT /api/views/{id}/items'
const writeAttempts = () => sim.log.filter(e => e.method !== 'GET' && !isViewQuery(e))
const writes = () => writeAttempts().filter(e => e.processed)

function seed(extra: Partial<Parameters<typeof seedAccount>[1]> = {}): SeedSummary {
  return seedAccount(sim, {
    now: new Date(),
    tickets: 260,
    dueFollowUp: 12,
    dueClose: 7,
    followUpHours: 48,
    closeHours: 72,
    ...extra
  })
}

/** The key may appear only in the runner's own ::add-mask:: command, which the runner consumes. */
function expectNoSecret(run: ActionRun): void {
  const log = run.stdout.replace(/^::add-mask::.*$/gm, '')
  for (const text of [log, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
    expect(text).not.toContain(sim.apiKey)
    expect(text).not.toContain(Buffer.from(`${sim.email}:${sim.apiKey}`).toString('base64'))
  }
}

describe('a real run on a seeded account', () => {
  test('follows up on due tickets, closes unanswered ones, touches nothing else, then is idempotent', async () => {
    const s = seed()
    const tagsBefore = new Map(s.all.map(id => [id, tagNames(id)]))
    const run = await runAction(simInputs(sim))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expectNoSecret(run)

    // Outputs: exactly the due tickets.
    expect(ids(run.outputs['followed-up'])).toEqual(sorted(s.dueFollowUp))
    expect(ids(run.outputs.closed)).toEqual(sorted(s.dueClose))
    expect(run.outputs['follow-up-count']).toBe(String(s.dueFollowUp.length))
    expect(run.outputs['closed-count']).toBe(String(s.dueClose.length))
    expect(run.outputs['failed-count']).toBe('0')
    expect(Number(run.outputs['skipped-count'])).toBeGreaterThan(0)

    // Each due ticket got exactly one marked email, on the agent's route, and the tag.
    for (const id of s.dueFollowUp) {
      const sent = ours(sim, id)
      expect(sent).toHaveLength(1)
      const reply = sim.messages(id).find(m => m.id === s.lastAgentReply[id])!
      expect(sent[0]).toMatchObject({
        channel: 'email',
        from_agent: true,
        integration_id: reply.integration_id,
        source: { type: 'email', from: { address: reply.source!.from!.address } }
      })
      expect(sent[0]!.source!.to!.map(a => a.address)).toEqual(
        reply.source!.to!.map(a => a.address)
      )
      expect(sent[0]!.body_text).toContain(sim.ticket(id)!.customer!.firstname!)
      expect(tagNames(id)).toEqual([...tagsBefore.get(id)!, 'auto-close-sent'].sort())
      expect(sim.ticket(id)!.status).toBe('open')
    }
    for (const id of s.dueClose) {
      expect(sim.ticket(id)!.status).toBe('closed')
      expect(tagNames(id)).toEqual([...tagsBefore.get(id)!, 'auto-closed'].sort())
    }
    // Tags only ever added through the tag endpoint; no ticket PUT carried tags.
    for (const w of writes()) {
      if (w.route === 'PUT /api/tickets/{id}') expect(w.body).toEqual({ status: 'closed' })
    }
    // Nothing else was touched.
    const touched = new Set(writes().map(w => Number(/\/tickets\/(\d+)/.exec(w.path)?.[1])))
    const expectedTouched = new Set([
      ...s.dueFollowUp,
      ...s.dueClose,
      ...s.customerRepliedAfterFollowUp
    ])
    expect(sorted([...touched])).toEqual(sorted([...expectedTouched]))
    for (const id of s.customerRepliedAfterFollowUp) {
      expect(tagNames(id)).not.toContain('auto-close-sent')
      expect(ours(sim, id).length).toBe(1)
    }

    // The summary: links, subjects, first names, counts per skip reason, settings.
    const firstDue = s.dueFollowUp[0]!
    expect(run.summary).toContain(`[#${firstDue}](https://acme.gorgias.com/app/ticket/${firstDue})`)
    expect(run.summary).toContain('| Ticket | Subject | Customer | Hours idle | Action | Result |')
    expect(run.summary).toContain('`customer-replied`')
    expect(run.summary).toContain('`excluded-tag`')
    expect(run.summary).toContain('Settings in effect')

    // A second run right after makes zero writes.
    const before = writes().length
    const again = await runAction(simInputs(sim))
    expect(again.code).toBe(0)
    expect(writes().length).toBe(before)
    expect(again.outputs['follow-up-count']).toBe('0')
    expect(again.outputs['closed-count']).toBe('0')
    // Neither run read messages through the deprecated per-ticket endpoint.
    expect(sim.stats().deprecated).toBe(0)
  })

  test('dry-run makes no write request at all and reports the would-be actions', async () => {
    const s = seed()
    const run = await runAction(simInputs(sim, { 'dry-run': 'true' }))
    expect(run.code).toBe(0)
    expect(writeAttempts()).toHaveLength(0)
    expect(ids(run.outputs['followed-up'])).toEqual(sorted(s.dueFollowUp))
    expect(ids(run.outputs.closed)).toEqual(sorted(s.dueClose))
    expect(run.summary).toContain('dry run')
    expect(run.summary).toContain('would do')
  })

  test('max-actions goes to the oldest conversations first; the rest is deferred unread', async () => {
    const s = seed()
    // The sweep reads candidates in the order of the list's last_message_datetime (issue #9):
    // the order a person sees in the helpdesk, known before any ticket is read.
    const lastMessage = new Map(
      sim.tickets().map(t => [t.id, Date.parse(t.last_message_datetime ?? '')])
    )
    const run = await runAction(simInputs(sim, { 'max-actions': '5' }))
    expect(run.code).toBe(0)
    const handled = [...ids(run.outputs['followed-up']), ...ids(run.outputs.closed)]
    expect(handled).toHaveLength(5)
    const due = [...s.dueFollowUp, ...s.dueClose]
    const oldest = [...due]
      .sort((a, b) => lastMessage.get(a)! - lastMessage.get(b)! || a - b)
      .slice(0, 5)
    expect(sorted(handled)).toEqual(sorted(oldest))
    // Every due ticket not handled is listed as deferred, and none of them was read.
    expect(Number(run.outputs['deferred-count'])).toBeGreaterThanOrEqual(due.length - 5)
    for (const id of due.filter(id => !handled.includes(id))) {
      expect(run.summary).toContain(`[#${id}]`)
      expect(sim.log.filter(e => e.path === `/api/tickets/${id}`)).toHaveLength(0)
    }
    expect(run.summary).toContain('max-actions reached')
  })

  test('view-id limits the sweep to the tickets of that view', async () => {
    const s = seed()
    const inView = s.dueFollowUp.slice(0, 3)
    sim.setView(77, [...inView, ...s.customerSpokeLast.slice(0, 2)])
    const run = await runAction(simInputs(sim, { 'view-id': '77' }))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual(sorted(inView))
    expect(
      sim.log.filter(e => e.path === '/api/tickets').every(e => e.query.includes('view_id=77'))
    ).toBe(true)
  })

  test('every page is read: a due ticket on page 5 of the open tickets is not missed', async () => {
    const now = Date.now()
    const iso = (h: number): string => new Date(now - h * H).toISOString()
    // Closed tickets cost nothing: the open-tickets view leaves them out on the server.
    for (let i = 0; i < 300; i++)
      sim.addTicket({ status: 'closed', created_datetime: iso(2000 - i) })
    // 450 open tickets whose customer spoke last fill four pages of the view before the due one.
    for (let i = 0; i < 450; i++) {
      sim.addTicket({
        created_datetime: iso(1000 - i),
        messages: [{ from_agent: false, created_datetime: iso(999 - i) }]
      })
    }
    const late = sim.addTicket({
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(99) },
        { from_agent: true, created_datetime: iso(50) }
      ]
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([late.id])
    const pages = sim.log.filter(isViewQuery)
    expect(pages).toHaveLength(5)
    expect(pages.every(e => e.query.includes('limit=100'))).toBe(true)
    expect(sim.log.filter(e => e.path === '/api/tickets')).toHaveLength(0)
    // One read for the one candidate, never the deprecated messages endpoint.
    expect(sim.log.filter(e => e.path === `/api/tickets/${late.id}`)).toHaveLength(1)
    expect(
      sim.log.filter(e => /\/api\/tickets\/\d+\/messages$/.test(e.path) && e.method === 'GET')
    ).toHaveLength(0)
  })
})

describe('people stay in charge', () => {
  test('a ticket an agent reopens after an automatic close is not closed again', async () => {
    const s = seed()
    const id = s.dueClose[0]!
    await runAction(simInputs(sim))
    expect(sim.ticket(id)!.status).toBe('closed')
    sim.setTicket(id, { status: 'open', closed_datetime: null })
    const again = await runAction(simInputs(sim))
    expect(again.code).toBe(0)
    expect(sim.ticket(id)!.status).toBe('open')
    expect(again.summary).toContain('`reopened`')
  })

  test('a customer answer after an automatic close removes both tags of ours, and only those', async () => {
    const s = seed()
    const id = s.dueClose[0]!
    await runAction(simInputs(sim))
    const others = tagNames(id).filter(t => t !== 'auto-close-sent' && t !== 'auto-closed')
    sim.addMessage(id, { from_agent: false, body_text: 'Actually, one more thing' })
    expect(sim.ticket(id)!.status).toBe('open')
    const again = await runAction(simInputs(sim))
    expect(again.code).toBe(0)
    expect(tagNames(id)).toEqual(others)
  })
})

describe('a two-reminder schedule', () => {
  test('24,72 then close at 96: each reminder is its own marked message', async () => {
    const now = Date.now()
    const iso = (h: number): string => new Date(now - h * H).toISOString()
    const t = sim.addTicket({
      subject: 'Return label',
      customer: { firstname: 'Noor', email: 'noor@example.com' },
      messages: [
        { from_agent: false, created_datetime: iso(100) },
        { from_agent: true, created_datetime: iso(80) },
        {
          from_agent: true,
          created_datetime: iso(55),
          external_id: 'gorgias-auto-close:follow-up:1'
        }
      ],
      tags: [{ name: 'auto-close-sent' }]
    })
    const inputs = simInputs(sim, {
      'follow-up-hours': '24,72',
      'close-hours': '96',
      'final-follow-up-message':
        'Last check, {{first_name}} ({{reminder_number}}/{{reminders_total}}): we close in a day.'
    })
    const run = await runAction(inputs)
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([t.id])
    const sent = ours(sim, t.id)
    expect(sent).toHaveLength(2)
    expect(sent[1]!.body_text).toBe('Last check, Noor (2/2): we close in a day.')
    expect(run.summary).toContain('follow-up 2/2')

    // 30 hours later: the second reminder is 30 h old (more than 96 - 72), the reply 110 h: close.
    sim.age(30)
    const later = await runAction(inputs)
    expect(later.code).toBe(0)
    expect(ids(later.outputs.closed)).toEqual([t.id])
    expect(ours(sim, t.id)).toHaveLength(2)
    expect(sim.ticket(t.id)!.status).toBe('closed')
  })
})

describe('business hours', () => {
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const due = () =>
    sim.addTicket({
      messages: [
        { from_agent: false, created_datetime: new Date(Date.now() - 70 * 24 * H).toISOString() },
        { from_agent: true, created_datetime: new Date(Date.now() - 60 * 24 * H).toISOString() }
      ]
    })

  test('a due follow-up outside business hours waits for the window; nothing is sent', async () => {
    const t = due()
    // Open only on the day after tomorrow (UTC): never now; 60 days back hold 8 such days (64 h).
    const day = DAYS[(new Date().getUTCDay() + 2) % 7]!
    const run = await runAction(simInputs(sim, { 'business-hours': `${day} 09:00-17:00` }))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(0)
    expect(writes()).toHaveLength(0)
    expect(run.summary).toContain('`outside-business-hours`')
  })

  test('inside business hours it is sent', async () => {
    const t = due()
    const run = await runAction(
      simInputs(sim, {
        'business-hours': 'Mon-Sun 00:00-24:00',
        timezone: 'Europe/Paris',
        holidays: '2001-01-01'
      })
    )
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(1)
  })
})

describe('faults survived', () => {
  function dueTicket(hoursAgo = 50) {
    const now = Date.now()
    const iso = (h: number): string => new Date(now - h * H).toISOString()
    return sim.addTicket({
      created_datetime: iso(hoursAgo + 10),
      messages: [
        { from_agent: false, created_datetime: iso(hoursAgo + 5) },
        { from_agent: true, created_datetime: iso(hoursAgo) }
      ]
    })
  }

  test('a reply posted whose answer was lost is not sent twice, and the run completes it', async () => {
    const t = dueTicket()
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'reset-after-processing' }
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(1)
    expect(tagNames(t.id)).toEqual(['auto-close-sent'])
  })

  test('a 500 on the message post: not resent blindly; the next run re-checks, then sends once', async () => {
    const t = dueTicket()
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${t.id}/messages`,
      fault: { kind: 'status', status: 500 }
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(1)
    expect(run.summary).toContain('message not confirmed')
    expect(ours(sim, t.id)).toHaveLength(0)
    const next = await runAction(simInputs(sim))
    expect(next.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  test('429 with Retry-After is waited out; nothing is given up', async () => {
    const t = dueTicket()
    sim.injectFault({
      path: /\/messages$/,
      times: 2,
      fault: { kind: 'status', status: 429, retryAfter: 1 }
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  test('5xx and resets on reads are retried', async () => {
    const t = dueTicket()
    sim.injectFault({
      path: '/views/0/items',
      method: 'PUT',
      fault: { kind: 'status', status: 502 }
    })
    sim.injectFault({ path: `/tickets/${t.id}`, method: 'GET', fault: { kind: 'reset' } })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  test('a ticket deleted between listing and writing is skipped, not failed', async () => {
    const gone = dueTicket()
    const kept = dueTicket()
    sim.onRequest(req => {
      if (req.method === 'GET' && req.path === `/api/tickets/${gone.id}`) sim.deleteTicket(gone.id)
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([kept.id])
    expect(run.outputs['failed-count']).toBe('0')
    expect(run.summary).toContain('`not-found`')
  })

  test('a customer reply that lands between the listing and the read is honoured: nothing is sent', async () => {
    const t = dueTicket()
    let replied = false
    sim.onRequest(req => {
      if (!replied && req.method === 'GET' && req.path === `/api/tickets/${t.id}`) {
        replied = true
        sim.addMessage(t.id, { from_agent: false, body_text: 'Still waiting!' })
      }
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(0)
    // The read right before the write is the re-check: the decision is taken on it.
    expect(run.summary).toContain('`customer-replied`')
    expect(writes()).toHaveLength(0)
  })

  test('unreadable data is skipped; the sweep goes on', async () => {
    const bad = dueTicket()
    const good = dueTicket()
    sim.setTicket(bad.id, { created_datetime: 'not a date' })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([good.id])
    expect(ours(sim, bad.id)).toHaveLength(0)
    expect(run.summary).toContain('`unreadable`')
  })

  test('one ticket failing does not stop the others; the step fails with a one-line cause', async () => {
    const failing = dueTicket()
    const fine = dueTicket()
    sim.injectFault({
      method: 'POST',
      path: `/tickets/${failing.id}/tags`,
      times: Infinity,
      fault: { kind: 'status', status: 503 }
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(1)
    expect(run.outputs['failed-count']).toBe('1')
    // The failing ticket's customer did get the follow-up: it is listed, with what failed after.
    expect(ids(run.outputs['followed-up'])).toEqual(sorted([failing.id, fine.id]))
    expect(tagNames(fine.id)).toEqual(['auto-close-sent'])
    expect(run.stdout).toMatch(/::error::1 ticket\(s\) failed/)
    expect(run.summary).toContain('follow-up sent; adding auto-close-sent failed')
    // The next run repairs the missing tag without a second follow-up.
    sim.clearFaults()
    const next = await runAction(simInputs(sim))
    expect(next.code).toBe(0)
    expect(ours(sim, failing.id)).toHaveLength(1)
    expect(tagNames(failing.id)).toEqual(['auto-close-sent'])
    expect(next.summary).toContain('added auto-close-sent (follow-up already sent)')
  })

  test('401: one clear error, no retries, no per-ticket noise, no key anywhere', async () => {
    dueTicket()
    const run = await runAction(simInputs(sim, { 'gorgias-api-key': 'wrong-key-123456' }))
    expect(run.code).toBe(1)
    expect(sim.log).toHaveLength(1)
    expect(run.stdout).toContain(
      `${new URL(sim.baseUrl).host} rejected the credentials for ${sim.email} on acme (HTTP 401): check the GORGIAS_API_KEY secret`
    )
    expect(run.stdout).toContain('::add-mask::wrong-key-123456')
    expect(run.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('wrong-key-123456')
    expect(run.summary).not.toContain('wrong-key-123456')
  })

  test('the API key is masked and never written anywhere', async () => {
    seed()
    const run = await runAction(simInputs(sim))
    expect(run.stdout).toContain(`::add-mask::${sim.apiKey}`)
    expectNoSecret(run)
  })
})

describe('bad input is refused before any request', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['close-hours below follow-up-hours', { 'close-hours': '24' }, 'close-hours:'],
    ['negative hours', { 'follow-up-hours': '-3' }, 'follow-up-hours:'],
    ['domain given as a host', { 'gorgias-domain': 'acme.gorgias.com' }, 'gorgias-domain:'],
    ['unknown channel', { channels: 'email,pigeon' }, 'channels:'],
    ['max-actions zero', { 'max-actions': '0' }, 'max-actions:'],
    ['unknown placeholder', { 'follow-up-message': 'Hi {{nmae}}' }, 'follow-up-message:'],
    ['http to a remote host', { 'api-url': 'http://example.com/api' }, 'api-url:'],
    ['dry-run typo', { 'dry-run': 'ture' }, 'dry-run:']
  ]
  test.each(cases)('%s', async (_name, inputs, prefix) => {
    dueTicket()
    const run = await runAction(simInputs(sim, inputs))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`::error::${prefix}`)
    expect(sim.log).toHaveLength(0)
    expectNoSecret(run)
  })

  function dueTicket() {
    return sim.addTicket({
      messages: [
        { from_agent: true, created_datetime: new Date(Date.now() - 50 * H).toISOString() }
      ]
    })
  }
})

test('a view-id that does not exist is named as the input to fix', async () => {
  const run = await runAction(simInputs(sim, { 'view-id': '999' }))
  expect(run.code).toBe(1)
  expect(run.stdout).toContain('::error::view-id: Gorgias has no view 999 on acme')
  expect(writes()).toHaveLength(0)
})

describe('inputs the runner leaves unset', () => {
  test('with only credentials set (no defaults in the environment), the documented defaults apply', async () => {
    const s = seed()
    const run = await runAction(simInputs(sim), { defaults: false })
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual(sorted(s.dueFollowUp))
  })

  test('credentials from GORGIAS_* environment variables when the inputs are empty', async () => {
    const s = seed()
    const run = await runAction(
      { 'api-url': sim.baseUrl },
      { env: { GORGIAS_DOMAIN: 'acme', GORGIAS_EMAIL: sim.email, GORGIAS_API_KEY: sim.apiKey } }
    )
    expect(run.code).toBe(0)
    expect(ids(run.outputs.closed)).toEqual(sorted(s.dueClose))
  })
})
