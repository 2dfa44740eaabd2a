import { beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { counts } from '../src/report.js'
import { finishGraceMs, openState, saveState } from '../src/run.js'
import { sweep } from '../src/sweep/index.js'
import type { Report } from '../src/sweep/types.js'
import { GorgiasSimulator } from '../simulator/server.js'
import {
  FakeClock,
  inMemoryClient,
  ours,
  recordingLog,
  settingsFor,
  type Inputs
} from './helpers/kit.js'

/**
 * The sweep with a state between runs (state-file), as specifications: hourly runs over one
 * simulated account on one clock; what each run reads, and that the state never changes what is
 * done, only what is read.
 */

const H = 3_600_000
let sim: GorgiasSimulator
let clock: FakeClock
let log: ReturnType<typeof recordingLog>
let path: string

beforeEach(() => {
  clock = new FakeClock(Date.parse('2026-03-02T10:00:00Z'))
  sim = new GorgiasSimulator({ bucketClock: clock.now })
  sim.setClock(clock.date)
  log = recordingLog()
  path = join(mkdtempSync(join(tmpdir(), 'state-sweep-')), 'state.json')
})

const iso = (hoursAgo: number): string =>
  new Date(clock.date().getTime() - hoursAgo * H).toISOString()
const readsOf = (id: number): number =>
  sim.log.filter(e => e.method === 'GET' && e.path === `/api/tickets/${id}`).length
const reads = (): number =>
  sim.log.filter(e => /^\/api\/tickets\/\d+$/.test(e.path) && e.method === 'GET').length

/** One run as runSweep makes it: the state read before any request, written at the end. */
async function run(inputs: Inputs = {}): Promise<Report> {
  const settings = settingsFor(sim, { 'state-file': path, ...inputs })
  const state = openState(settings, log)
  const report = await sweep({
    client: inMemoryClient(sim, {
      clock,
      deadline:
        clock.now() + settings.timeLimitMinutes * 60_000 + finishGraceMs(settings.timeLimitMinutes)
    }),
    settings,
    now: clock.date,
    deadline: clock.date().getTime() + settings.timeLimitMinutes * 60_000,
    log,
    state: state?.run ?? null
  })
  if (state) saveState(state, report, log)
  return report
}

/** Then an hour passes. */
async function hourly(inputs: Inputs = {}): Promise<Report> {
  const report = await run(inputs)
  clock.advance(H)
  return report
}

/**
 * The agent answered a customer who wrote days ago: the list item cannot tell it is not due yet
 * (the customer's message is old), so without the state it is read every hour until due.
 */
function answeredLate(replyHoursAgo: number, extra: Record<string, unknown> = {}) {
  return sim.addTicket({
    created_datetime: iso(200),
    messages: [
      { from_agent: false, created_datetime: iso(150) },
      { from_agent: true, created_datetime: iso(replyHoursAgo) }
    ],
    ...extra
  })
}

describe('reads saved', () => {
  test('run 2 reads nothing that is unchanged and not due; run 1 paid the reads once', async () => {
    const waiting = [10, 20, 30].map(h => answeredLate(h))
    const first = await hourly()
    expect(first.skipped['not-due']).toBe(3)
    expect(reads()).toBe(3)
    expect(first.state).toEqual({ readsSaved: 0, kept: 3, file: path, notice: expect.stringContaining('no state yet') }) // prettier-ignore

    sim.clearLog()
    const second = await hourly()
    expect(reads()).toBe(0)
    expect(second.skipped['not-due']).toBe(3)
    expect(second.state).toMatchObject({ readsSaved: 3, kept: 3, notice: null })
    // The list is still read every run: one page.
    expect(sim.log.map(e => e.route)).toEqual(['PUT /api/views/{id}/items'])
    expect(waiting.map(t => ours(sim, t.id))).toEqual([[], [], []])
  })

  test('a ticket changed between runs (an internal note) is read again', async () => {
    const [a, b] = [answeredLate(10), answeredLate(20)]
    await hourly()
    sim.addMessage(a.id, { from_agent: true, channel: 'internal-note', public: false, created_datetime: iso(0) }) // prettier-ignore
    sim.clearLog()
    const report = await hourly()
    expect([readsOf(a.id), readsOf(b.id)]).toEqual([1, 0])
    expect(report.state?.readsSaved).toBe(1)
  })

  test('a customer who answered is seen on the list item, whatever the state says', async () => {
    const t = answeredLate(10, { tags: [{ name: 'auto-close-sent' }] })
    await hourly()
    sim.addMessage(t.id, { from_agent: false, created_datetime: iso(0) })
    const report = await hourly()
    expect(report.skipped['customer-replied']).toBe(1)
    expect(report.state?.kept).toBe(0)
  })

  test('exclusions are checked on every list item, every run, before the state', async () => {
    const t = answeredLate(10)
    await hourly()
    // A tag that came without moving updated_datetime (as a raw edit): the state would say "not due".
    const { updated_datetime } = sim.ticket(t.id)!
    sim.setTicket(t.id, { tags: [{ id: 99, name: 'vip' }], updated_datetime })
    const report = await hourly()
    expect(report.skipped['excluded-tag']).toBe(1)
    expect(report.skipped['not-due']).toBe(0)
    expect(report.state?.kept).toBe(0)
  })

  test('a ticket is read when it comes due, followed up once, and not read again for its own write', async () => {
    const t = answeredLate(45)
    for (let i = 0; i < 3; i++) await hourly() // 45, 46, 47 h
    expect(readsOf(t.id)).toBe(1)
    const due = await hourly() // 48 h: due
    expect(counts(due).followedUp).toEqual([t.id])
    expect(readsOf(t.id)).toBe(2)
    sim.clearLog()
    for (let i = 0; i < 23; i++) await hourly()
    // 23 hourly runs in the grace: its follow-up tag and our write did not make it read again.
    expect(readsOf(t.id)).toBe(0)
    for (let i = 0; i < 3; i++) await hourly()
    expect(sim.ticket(t.id)?.status).toBe('closed')
    expect(ours(sim, t.id)).toHaveLength(1)
  })

  /** A state file saying the ticket is not due until `hours` from now, as an edit could. */
  async function forge(ticketId: number, hours: number): Promise<void> {
    const updated = sim.ticket(ticketId)!.updated_datetime!
    const far = new Date(clock.date().getTime() + hours * H).toISOString()
    const settings = settingsFor(sim, { 'state-file': path })
    const { stateFingerprint } = await import('../src/state.js')
    writeFileSync(
      path,
      JSON.stringify({ format: 1, fingerprint: stateFingerprint(settings, null), savedAt: '', tickets: { [ticketId]: [updated, far] } }) // prettier-ignore
    )
  }

  test('a due time past any schedule (close-hours 72 and two days) is not trusted', async () => {
    const t = answeredLate(60) // due now
    await forge(t.id, 500)
    expect(counts(await hourly()).followedUp).toEqual([t.id])
  })

  test('a state that is wrong can delay a read, never cause a write', async () => {
    const t = answeredLate(60) // due now
    await forge(t.id, 100)
    const report = await hourly()
    expect(report.state?.readsSaved).toBe(1)
    expect(sim.writes()).toEqual([])
    // Edited (here: by an agent's note), it is read and decided on the read.
    sim.addMessage(t.id, { from_agent: true, channel: 'internal-note', public: false, created_datetime: iso(0) }) // prettier-ignore
    expect(counts(await hourly()).followedUp).toEqual([t.id])
    expect(ours(sim, t.id)).toHaveLength(1)
  })
})

describe('skips only a change can undo', () => {
  test('the customer spoke last, only a note after: read once, then once a day', async () => {
    const t = sim.addTicket({
      created_datetime: iso(100),
      messages: [
        { from_agent: false, created_datetime: iso(90) },
        { from_agent: true, channel: 'internal-note', public: false, created_datetime: iso(80) }
      ]
    })
    const first = await hourly()
    // The list item cannot tell (the note is its last message); the read can.
    expect(first.skipped['customer-replied']).toBe(1)
    expect(readsOf(t.id)).toBe(1)
    for (let i = 0; i < 22; i++) await hourly()
    expect(readsOf(t.id)).toBe(1)
    for (let i = 0; i < 2; i++) await hourly()
    expect(readsOf(t.id)).toBe(2)
  })
})

describe('dry runs', () => {
  test('read and write the state, never a ticket; a "would follow up" is not remembered as not due', async () => {
    const due = answeredLate(60)
    const later = answeredLate(10)
    const dry = await hourly({ 'dry-run': 'true' })
    expect(counts(dry).followedUp).toEqual([due.id])
    expect(sim.writes()).toEqual([])
    const kept = JSON.parse(readFileSync(path, 'utf8')) as { tickets: Record<string, unknown> }
    expect(Object.keys(kept.tickets)).toEqual([String(later.id)])

    sim.clearLog()
    const real = await hourly()
    expect(counts(real).followedUp).toEqual([due.id])
    expect([readsOf(due.id), readsOf(later.id)]).toEqual([1, 0])
  })
})

describe('a state of other settings', () => {
  test('is ignored with one notice, and replaced', async () => {
    answeredLate(10)
    await hourly()
    sim.clearLog()
    log.lines.length = 0
    const report = await hourly({ 'follow-up-hours': '36', 'close-hours': '60' })
    expect(reads()).toBe(1)
    expect(report.state?.notice).toContain('another account or other settings')
    expect(log.lines.filter(l => l.includes('other settings'))).toHaveLength(1)
    sim.clearLog()
    await hourly({ 'follow-up-hours': '36', 'close-hours': '60' })
    expect(reads()).toBe(0)
  })
})

describe('stopped early', () => {
  test('the time limit while listing keeps the entries of tickets not reached', async () => {
    const tickets = Array.from({ length: 150 }, (_, i) => answeredLate(10 + (i % 20)))
    await hourly()
    expect(JSON.parse(readFileSync(path, 'utf8')).tickets).toHaveProperty(String(tickets[149]!.id))
    let pages = 0
    sim.onRequest(req => {
      if (req.method === 'PUT' && req.path.startsWith('/api/views/0/items') && ++pages === 2) {
        sim.injectFault({ method: 'PUT', path: /views/, times: Infinity, fault: { kind: 'status', status: 429, retryAfter: 3600 } }) // prettier-ignore
      }
    })
    const report = await hourly({ 'time-limit-minutes': '1' })
    expect(report.stop?.kind).toBe('time-limit')
    const kept = JSON.parse(readFileSync(path, 'utf8')) as { tickets: Record<string, unknown> }
    expect(Object.keys(kept.tickets)).toHaveLength(150)
  })
})
