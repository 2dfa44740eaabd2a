import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GorgiasSimulator, type SimulatorOptions } from '../simulator/server.js'
import { seedAccount, type SeedSummary } from '../simulator/seed.js'
import { dueTicket, runAction, runCli, simInputs, type ActionRun } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * The built action (dist/index.js), run as the runner runs it, against the simulator with each
 * answer shape that the documented Gorgias API (the project's API notes, gorgias-api.md, quoted
 * below) allows and the default simulator never gives (simulator/README.md, "Documented
 * variations"): the run must be the same run.
 */

const H = 3_600_000
let sim: GorgiasSimulator
afterEach(async () => {
  await sim.stop()
})

async function start(opts: SimulatorOptions): Promise<GorgiasSimulator> {
  sim = new GorgiasSimulator(opts)
  await sim.start()
  return sim
}

const ids = (json: string | undefined): number[] =>
  (JSON.parse(json ?? '[]') as number[]).sort((a, b) => a - b)
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
const posts = () =>
  sim
    .writes()
    .filter(e => e.route === 'POST /api/tickets/{id}/messages')
    .map(e => e.path)
const statePath = () => join(mkdtempSync(join(tmpdir(), 'e2e-documented-')), 'state.json')

function seed(): SeedSummary {
  return seedAccount(sim, {
    now: new Date(),
    tickets: 90,
    dueFollowUp: 4,
    dueClose: 3,
    followUpHours: 48,
    closeHours: 72,
    views: 2
  })
}

/** The seeded account's due tickets acted on, each once, outputs and summary agreeing. */
function expectRightRun(run: ActionRun, s: SeedSummary): void {
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  expect(ids(run.outputs['followed-up'])).toEqual(sorted(s.dueFollowUp))
  expect(ids(run.outputs.closed)).toEqual(sorted(s.dueClose))
  expect(run.outputs['follow-up-count']).toBe(String(s.dueFollowUp.length))
  expect(run.outputs['closed-count']).toBe(String(s.dueClose.length))
  expect(run.outputs['failed-count']).toBe('0')
  expect(run.outputs['deferred-count']).toBe('0')
  // One follow-up per due ticket, and to it only.
  expect(posts().sort()).toEqual(s.dueFollowUp.map(id => `/api/tickets/${id}/messages`).sort())
  for (const id of s.dueFollowUp) expect(ours(sim, id)).toHaveLength(1)
  for (const id of s.dueClose) expect(sim.ticket(id)!.status).toBe('closed')
  expect(run.summary).toContain(
    `**${s.dueFollowUp.length} followed up, ${s.dueClose.length} closed**, 0 failed, 0 deferred`
  )
}

/** A second run right after finds nothing to do and writes nothing. */
async function expectQuietRerun(inputs: Record<string, string>): Promise<ActionRun> {
  const before = sim.writes().length
  const again = await runAction(inputs)
  expect(again.code).toBe(0)
  expect(again.outputs['follow-up-count']).toBe('0')
  expect(again.outputs['closed-count']).toBe('0')
  expect(again.outputs['failed-count']).toBe('0')
  expect(sim.writes()).toHaveLength(before)
  return again
}

/** The run read the state file the run before wrote (same settings): not "written for another". */
function expectStateUsed(run: ActionRun): void {
  expect(run.stdout).not.toMatch(/state-file .*written for another/)
  expect(run.summary).toMatch(/State file: \d+ ticket reads? saved/)
  expect(run.summary).not.toContain('the file read at the start was not used')
}

const ALL: SimulatorOptions = {
  nextItemsLink: 'url',
  embedMessages: false,
  messagesCount: false,
  timestamps: 'varied',
  pageCap: 7,
  changingUsersAndMacros: true,
  apiUserLast: true,
  retryAfter: 'http-date'
}

// Each a shape gorgias-api.md allows; the line it rests on is quoted.
const VARIATIONS: Array<[string, SimulatorOptions]> = [
  // "`next_items`: the *path* of the next page, e.g. `/api/views/0/items/?...`": a URL on the
  // same host (with its /api/ prefix) names the same page.
  // (pageCap: the open tickets take several pages)
  ['next_items as an absolute URL on the same host', { nextItemsLink: 'url', pageCap: 10 }],
  // "its newer endpoints use `meta.next_cursor`. Accept both"
  ['view items paged by meta.next_cursor', { viewPaging: 'next_cursor', pageCap: 10 }],
  // "the current list is `GET /api/messages?ticket_id={id}`": a retrieve without `messages`.
  ['a retrieve without embedded messages', { embedMessages: false }],
  ['a retrieve embedding only the first message', { embedMessages: 1 }],
  // `messages_count` is listed among the fields, not promised on every answer.
  ['no messages_count', { messagesCount: false }],
  ['no messages_count and no embedded messages', { messagesCount: false, embedMessages: false }],
  // Timestamps are ISO 8601 with an offset: Gorgias (Python) writes "+00:00" and microseconds.
  ['timestamps as Python writes them (+00:00, microseconds)', { timestamps: 'python' }],
  ['timestamps of every length and suffix', { timestamps: 'varied' }],
  // ISO 8601 with any offset is the same instant (the reference shows none but UTC).
  ['timestamps in local time with other offsets', { timestamps: 'zoned' }],
  // "Follow `next_cursor` until null": a page shorter than `limit` is not the last one.
  ['pages shorter than the limit asked', { pageCap: 7 }],
  ['all of them at once', ALL]
]

describe('a sweep of a seeded account is the same sweep whatever documented shape the API answers in', () => {
  test.each(VARIATIONS)('%s', async (_name, opts) => {
    await start(opts)
    const s = seed()
    const inputs = simInputs(sim, { 'state-file': statePath() })
    const run = await runAction(inputs)
    expectRightRun(run, s)
    const viewPages = sim.log.filter(e => e.route === 'PUT /api/views/{id}/items')
    expect(viewPages.length).toBeGreaterThanOrEqual(opts.pageCap === undefined ? 1 : 3)
    expect(viewPages.every(e => e.status === 200)).toBe(true)
    const again = await expectQuietRerun(inputs)
    expectStateUsed(again)
  })

  test('a saved view (view-id) listed in pages shorter than asked', async () => {
    await start({ pageCap: 3 })
    const now = Date.now()
    // More open tickets in the view than one page holds, the due one last in its order.
    const view: number[] = []
    for (let i = 0; i < 10; i++) {
      const t = sim.addTicket({
        messages: [{ from_agent: false, created_datetime: new Date(now - H).toISOString() }]
      })
      view.push(t.id)
    }
    const due = dueTicket(sim)
    sim.setView(3, [...view, due.id])
    const run = await runAction(simInputs(sim, { 'view-id': '3' }))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([due.id])
    const pages = sim.log.filter(e => e.route === 'GET /api/tickets')
    expect(pages.map(e => new URLSearchParams(e.query).get('view_id'))).toEqual(Array(4).fill('3'))
  })
})

describe('timestamps in other forms, with business hours: the same decisions as in the default form', () => {
  const skipped = (summary: string): string => summary.slice(summary.indexOf('### Skipped, by reason'), summary.indexOf('<details>')) // prettier-ignore

  test.each(['python', 'varied', 'zoned'] as const)("timestamps: '%s'", async style => {
    const now = new Date()
    const inputs = (s: GorgiasSimulator) =>
      simInputs(s, { 'business-hours': 'Mon-Fri 09:00-17:00; Sat 10:00-13:30', timezone: 'Asia/Kolkata', 'follow-up-hours': '20', 'close-hours': '30', 'dry-run': 'true' }) // prettier-ignore
    const plain = new GorgiasSimulator()
    await plain.start()
    try {
      const options = { now, tickets: 90, dueFollowUp: 4, dueClose: 3, followUpHours: 48, closeHours: 72 } // prettier-ignore
      seedAccount(plain, options)
      const expected = await runAction(inputs(plain))
      await start({ timestamps: style })
      seedAccount(sim, options)
      const run = await runAction(inputs(sim))
      expect(run.code).toBe(expected.code)
      for (const name of [
        'followed-up',
        'closed',
        'skipped-count',
        'deferred-count',
        'failed-count'
      ]) {
        expect([name, run.outputs[name]]).toEqual([name, expected.outputs[name]])
      }
      expect(skipped(run.summary)).toBe(skipped(expected.summary))
    } finally {
      await plain.stop()
    }
  })
})

describe('Retry-After as an HTTP date (RFC 9110 allows a date or seconds)', () => {
  // A 429 is an answer: nothing was done, so even a write is asked again, once.
  test.each([
    ['the ticket read', 'GET', (id: number) => `/api/tickets/${id}`],
    ['the follow-up itself', 'POST', (id: number) => `/api/tickets/${id}/messages`],
    ['the view query', 'PUT', () => '/api/views/0/items']
  ])(
    'a 429 on %s is waited out to its date, then asked again once',
    async (_what, method, path) => {
      await start({ retryAfter: 'http-date' })
      const t = dueTicket(sim)
      sim.injectFault({ method, path: path(t.id), fault: { kind: 'status', status: 429, retryAfter: 2 } }) // prettier-ignore
      const run = await runAction(simInputs(sim))
      expect(run.code).toBe(0)
      expect(ids(run.outputs['followed-up'])).toEqual([t.id])
      const asked = sim.log.filter(e => e.path === path(t.id) && e.method === method)
      expect(asked.map(e => e.status)).toEqual([429, method === 'POST' ? 201 : 200])
      // The date is at least 2 s after the 429 (rounded up to the second): the retry waited for it.
      expect(asked[1]!.at - asked[0]!.at).toBeGreaterThanOrEqual(1500)
      expect(ours(sim, t.id)).toHaveLength(1)
      expect(run.summary).toContain('1 answered 429')
    }
  )
})

describe('users and macros that change between requests', () => {
  test.each([
    ['by its id', '12'],
    ['by its name (two languages, one archived look-alike)', 'Follow-up']
  ])(
    'a macro follow-up named %s, using {{current_user}}: same texts, the state kept from run to run',
    async (_how, macro) => {
      await start({ changingUsersAndMacros: true, apiUserLast: true, pageCap: 2 })
      const t = dueTicket(sim, 50, { customer: { firstname: 'Noor', email: 'noor@example.com' } })
      const inputs = simInputs(sim, { 'follow-up-macro': macro, 'state-file': statePath() })
      const run = await runAction(inputs)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(ids(run.outputs['followed-up'])).toEqual([t.id])
      const [sent] = ours(sim, t.id)
      expect(sent?.body_text).toContain('Hi Noor,')
      // The API user (on the second page of users) signs it.
      expect(sent?.body_text).toContain('Alex, Acme Store support')
      expect(sim.log.filter(e => e.route === 'GET /api/users').length).toBeGreaterThanOrEqual(2)

      // The users and macros read again have new updated_datetime and usage: not new settings.
      const again = await expectQuietRerun(inputs)
      expectStateUsed(again)
      expect(ours(sim, t.id)).toHaveLength(1)
    }
  )
})

describe('tags search matches substrings', () => {
  test('an exclude-tag past the first 100 substring matches still protects its tickets', async () => {
    await start({})
    for (let i = 0; i < 120; i++) sim.addTag(`vip-${i}`)
    const protectedTicket = dueTicket(sim, 50, { tags: [{ name: 'vip' }] })
    const other = dueTicket(sim)
    const run = await runAction(simInputs(sim, { 'exclude-tags': 'vip' }))
    expect(run.code).toBe(0)
    expect(ids(run.outputs['followed-up'])).toEqual([other.id])
    expect(ours(sim, protectedTicket.id)).toHaveLength(0)
  })

  test('a closed-tag that other tags contain is added by its exact name only', async () => {
    await start({})
    sim.addTag('auto-closed-2023')
    sim.addTag('not-auto-closed')
    const due = dueTicket(sim, 100, {
      tags: [{ name: 'auto-close-sent' }],
      messages: [
        { from_agent: false, created_datetime: new Date(Date.now() - 200 * H).toISOString() },
        { from_agent: true, created_datetime: new Date(Date.now() - 180 * H).toISOString() },
        {
          from_agent: true,
          created_datetime: new Date(Date.now() - 100 * H).toISOString(),
          external_id: 'gorgias-auto-close:follow-up:1'
        }
      ]
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs.closed)).toEqual([due.id])
    const names = (sim.ticket(due.id)!.tags ?? []).map(tag => tag.name).sort()
    expect(names).toEqual(['auto-close-sent', 'auto-closed'])
  })
})

/**
 * A retrieve that embeds only part of the thread and gives no `messages_count`: the ticket's own
 * `last_message_datetime` says a later message exists, so the messages list is read
 * (gorgias-api.md lists both fields without promising the count or a whole embed).
 */
describe('a retrieve embedding part of the thread, without messages_count', () => {
  const iso = (h: number): string => new Date(Date.now() - h * H).toISOString()

  test('our follow-up past the embedded messages is not sent a second time', async () => {
    await start({ embedMessages: 2, messagesCount: false })
    const t = sim.addTicket({
      created_datetime: iso(220),
      tags: [{ name: 'auto-close-sent' }],
      messages: [
        { from_agent: false, created_datetime: iso(200) },
        { from_agent: true, created_datetime: iso(130) },
        {
          from_agent: true,
          created_datetime: iso(30),
          external_id: 'gorgias-auto-close:follow-up:1'
        }
      ]
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(1)
    expect(run.outputs['follow-up-count']).toBe('0')
  })

  test('an agent reply past the embedded messages is not followed up on as old', async () => {
    await start({ embedMessages: 2, messagesCount: false })
    const t = sim.addTicket({
      created_datetime: iso(220),
      messages: [
        { from_agent: false, created_datetime: iso(200) },
        { from_agent: true, created_datetime: iso(130) },
        { from_agent: true, created_datetime: iso(10) }
      ]
    })
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ours(sim, t.id)).toHaveLength(0)
    expect(run.outputs['follow-up-count']).toBe('0')
  })
})

describe('the bundle command line against every variation at once', () => {
  test('check, explain and a dry run read the account as it is', async () => {
    await start({ ...ALL, pageCap: 2 })
    const s = seed()
    const env = { GORGIAS_DOMAIN: 'acme', GORGIAS_EMAIL: sim.email, GORGIAS_API_KEY: sim.apiKey }
    const api = ['--api-url', sim.baseUrl]
    const check = await runCli(['check', ...api, '--follow-up-macro', '12'], env)
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)
    expect(check.stdout).toContain('follow-ups are sent as "Alex Agent" (user 1)')
    expect(check.stdout).toMatch(/Result: 0 problems/)
    const id = s.dueFollowUp[0]!
    const explain = await runCli(['explain', String(id), ...api], env)
    expect(explain.code).toBe(0)
    expect(explain.stdout).toMatch(/Decision: follow-up/)
    const dry = await runCli(['--dry-run', ...api], env)
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain(
      `${s.dueFollowUp.length} would be followed up, ${s.dueClose.length} would be closed, 0 failed`
    )
    expect(sim.writes()).toHaveLength(0)
  })
})

/**
 * A server may answer fewer tags per page than asked; gorgias-api.md: "Follow `next_cursor` until
 * null". The tag check pages the search (the run itself decides on the ticket's tags).
 */
describe('a tag past a short first page of search results', () => {
  test('is not reported missing', async () => {
    await start({ pageCap: 30 })
    for (let i = 0; i < 40; i++) sim.addTag(`vip-${i}`)
    sim.addTag('vip')
    const guarded = dueTicket(sim, 50, { tags: [{ name: 'vip' }] })
    const run = await runAction(simInputs(sim, { 'exclude-tags': 'vip' }))
    expect(run.code).toBe(0)
    expect(ours(sim, guarded.id)).toHaveLength(0)
    expect(run.summary).not.toContain('no tag named "vip" on the account')
  })
})

/**
 * gorgias-api.md: "Tag names may contain spaces and are case-sensitive" (and "case-sensitive on the
 * server"): a team's `Auto-Closed` is not the action's `auto-closed`. Only exclude-tags and
 * only-tags are documented to match in any case (README, docs/how-it-decides.md).
 */
describe('tag names are case-sensitive on the server', () => {
  const iso = (h: number): string => new Date(Date.now() - h * H).toISOString()
  const names = (id: number): string[] => (sim.ticket(id)!.tags ?? []).map(t => t.name).sort()

  async function account() {
    await start({ caseSensitiveTags: true })
    sim.addTag('auto-closed')
    sim.addTag('auto-close-sent')
    // The team's own tags, which differ from the action's in case only.
    const theirs = sim.addTicket({
      created_datetime: iso(20),
      tags: [{ name: 'Auto-Closed' }, { name: 'Auto-Close-Sent' }],
      messages: [{ from_agent: false, created_datetime: iso(10) }]
    })
    const closeDue = sim.addTicket({
      created_datetime: iso(220),
      tags: [{ name: 'auto-close-sent' }],
      messages: [
        { from_agent: false, created_datetime: iso(200) },
        { from_agent: true, created_datetime: iso(180) },
        {
          from_agent: true,
          created_datetime: iso(100),
          external_id: 'gorgias-auto-close:follow-up:1'
        }
      ]
    })
    const followUpDue = dueTicket(sim)
    const run = await runAction(simInputs(sim))
    expect(run.code).toBe(0)
    expect(ids(run.outputs.closed)).toEqual([closeDue.id])
    expect(ids(run.outputs['followed-up'])).toEqual([followUpDue.id])
    return { run, theirs, closeDue, followUpDue }
  }

  test('with no look-alike tag on the account, the run is the usual one', async () => {
    await start({ caseSensitiveTags: true })
    const s = seed()
    const run = await runAction(simInputs(sim))
    expectRightRun(run, s)
    for (const id of s.dueClose) expect(names(id)).toContain('auto-closed')
    for (const id of s.dueFollowUp) expect(names(id)).toContain('auto-close-sent')
  })

  test("a team's tags that differ from the action's in case only are not removed", async () => {
    const { run, theirs } = await account()
    expect(names(theirs.id)).toEqual(['Auto-Close-Sent', 'Auto-Closed'])
    expect(run.summary).not.toContain('Reopened after an automatic close')
  })

  test("the tickets acted on get the action's own tags, by their exact names", async () => {
    const { closeDue, followUpDue } = await account()
    expect(names(closeDue.id)).toEqual(['auto-close-sent', 'auto-closed'])
    expect(names(followUpDue.id)).toEqual(['auto-close-sent'])
  })
})

describe('messages embedded without ticket_id (gorgias-api.md lists the field; an API might leave it out inside the ticket)', () => {
  test('each thread is read from the messages list instead, where every message names its ticket', async () => {
    await start({ embeddedTicketId: false })
    const s = seed()
    const run = await runAction(simInputs(sim))
    expectRightRun(run, s)
    const listed = sim.log.filter(e => e.route === 'GET /api/messages').length
    expect(listed).toBeGreaterThanOrEqual(s.dueFollowUp.length + s.dueClose.length)
  })
})
