/**
 * A store living through its days, for `npm run bench`: tickets arrive, agents answer (some
 * slowly), customers answer or go silent (some answer the follow-up, a few come back after the
 * close), agents leave internal notes and close what is solved; the action runs once an hour. In
 * process, on a simulated clock: the simulator answers the real client, and every request the
 * client sends is counted, but no time is waited for.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSettings, type Settings } from '../src/config.js'
import type { InputName } from '../src/inputs.js'
import { GorgiasClient } from '../src/gorgias/client.js'
import type { ClientStats } from '../src/gorgias/transport.js'
import { counts } from '../src/report.js'
import { openState, saveState } from '../src/run.js'
import { sweep } from '../src/sweep/index.js'
import type { Report } from '../src/sweep/types.js'
import { GorgiasSimulator } from '../simulator/server.js'
import { inProcessSend } from '../simulator/inProcess.js'
import { prng } from '../simulator/seed.js'

const H = 3_600_000
const WRITE_KINDS = ['create-message', 'close-ticket', 'add-tags', 'remove-tags', 'tags'] as const

export interface StoreShape {
  /** new tickets an hour */
  arrivalsPerHour: number
  /** hours of the store's life before the measured ones (the backlog builds up) */
  warmUpHours: number
  /** hourly runs measured */
  measuredHours: number
  seed: number
}

export interface HourlyRun {
  hour: number
  open: number
  requests: number
  pages: number
  reads: number
  writes: number
  actions: number
  /** pages of open tickets + one read per ticket acted on + writes */
  floor: number
  readsSaved: number
  /** reads the state did not save: no entry, changed since, its time came */
  missed: { 'no-entry': number; changed: number; due: number }
  /** follow-ups and closes, by ticket, to compare runs with and without the state */
  acted: string
}

type Event =
  | { at: number; kind: 'customer'; ticketId: number; reopen: boolean }
  | { at: number; kind: 'agent-reply' | 'agent-close' | 'note'; ticketId: number }

/** The client's requests go to the simulator in process; no pacing, no waiting. */
function inProcessClient(sim: GorgiasSimulator, settings: Settings): GorgiasClient {
  const send = inProcessSend(sim)
  return new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    rateLimit: { limit: 1_000_000, windowMs: 1000 },
    sleep: () => Promise.resolve(),
    now: () => 0,
    random: () => 0.5,
    send
  })
}

const writesOf = (stats: ClientStats): number =>
  WRITE_KINDS.reduce((sum, kind) => sum + stats.requests[kind], 0)

/**
 * The store's life, hour by hour, with the action run at the top of each hour; returns the
 * measured runs. `withState`: the runs keep a state-file between them.
 */
export async function liveStore(shape: StoreShape, withState: boolean): Promise<HourlyRun[]> {
  const rand = prng(shape.seed)
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rand()
  const start = Date.parse('2026-03-02T00:00:00Z')
  let now = start
  const sim = new GorgiasSimulator()
  sim.setClock(() => new Date(now))
  const dir = mkdtempSync(join(tmpdir(), 'bench-state-'))
  const inputs: Partial<Record<InputName, string>> = {
    'gorgias-domain': 'acme',
    'gorgias-email': sim.email,
    'gorgias-api-key': sim.apiKey,
    'api-url': 'https://acme.gorgias.com/api',
    'max-actions': '1000',
    'state-file': withState ? join(dir, 'state.json') : ''
  }
  const settings = parseSettings(name => inputs[name] ?? '')
  const quiet = { info() {}, warning() {}, notice() {}, startGroup() {}, endGroup() {} }

  const events: Event[] = []
  const schedule = (e: Event): void => {
    events.push(e)
  }
  const iso = (at: number): string => new Date(at).toISOString()
  /** Agents answer most tickets within hours, some within the day, a few after days. */
  const agentDelay = (): number => {
    const p = rand()
    return (p < 0.7 ? between(0.5, 4) : p < 0.9 ? between(4, 24) : between(24, 72)) * H
  }
  const onCustomer = (ticketId: number, at: number): void => {
    if (rand() < 0.2) schedule({ at: at + agentDelay(), kind: 'agent-close', ticketId })
    else schedule({ at: at + agentDelay(), kind: 'agent-reply', ticketId })
  }
  const open = (id: number): boolean => sim.ticket(id)?.status === 'open'

  const apply = (e: Event): void => {
    const t = sim.ticket(e.ticketId)
    if (!t) return
    switch (e.kind) {
      case 'customer':
        if (!e.reopen && t.status !== 'open') return
        sim.addMessage(e.ticketId, { from_agent: false, created_datetime: iso(e.at) })
        onCustomer(e.ticketId, e.at)
        return
      case 'agent-reply': {
        if (!open(e.ticketId)) return
        const last = sim
          .messages(e.ticketId)
          .filter(m => m.channel !== 'internal-note')
          .at(-1)
        if (last?.from_agent) return // already answered
        sim.addMessage(e.ticketId, { from_agent: true, created_datetime: iso(e.at) })
        // Half the customers answer the agent; the others go silent.
        if (rand() < 0.5) {
          schedule({ at: e.at + between(1, 40) * H, kind: 'customer', ticketId: e.ticketId, reopen: false }) // prettier-ignore
        }
        return
      }
      case 'agent-close':
        if (!open(e.ticketId)) return
        sim.setTicket(e.ticketId, {
          status: 'closed',
          closed_datetime: iso(e.at),
          updated_datetime: iso(e.at)
        })
        return
      case 'note':
        if (!open(e.ticketId)) return
        sim.addMessage(e.ticketId, {
          from_agent: true,
          channel: 'internal-note',
          public: false,
          created_datetime: iso(e.at)
        })
        return
    }
  }

  const runs: HourlyRun[] = []
  const hours = shape.warmUpHours + shape.measuredHours
  for (let hour = 1; hour <= hours; hour++) {
    const end = start + hour * H
    // Arrivals and notes of the hour, then everything due by its end, in time order.
    const arrivals = Math.round(shape.arrivalsPerHour * between(0.6, 1.4))
    for (let i = 0; i < arrivals; i++) {
      const at = end - H + rand() * H
      now = at
      const t = sim.addTicket({
        created_datetime: iso(at),
        messages: [{ from_agent: false, created_datetime: iso(at) }]
      })
      onCustomer(t.id, at)
    }
    const openIds = sim
      .tickets()
      .filter(t => t.status === 'open')
      .map(t => t.id)
    for (let i = 0; i < 3 && openIds.length > 0; i++) {
      const ticketId = openIds[Math.floor(rand() * openIds.length)]!
      schedule({ at: end - H + rand() * H, kind: 'note', ticketId })
    }
    events.sort((a, b) => a.at - b.at)
    while (events.length > 0 && events[0]!.at <= end) {
      const e = events.shift()!
      now = e.at
      apply(e)
    }
    now = end
    // The first measured run starts from no state (a cache miss): it must cost what a run without
    // the state costs, not a request more.
    if (withState && hour === shape.warmUpHours + 1) rmSync(inputs['state-file']!, { force: true })
    const client = inProcessClient(sim, settings)
    const state = openState(settings, quiet)
    const report: Report = await sweep({
      client,
      settings,
      now: () => new Date(now),
      deadline: now + settings.timeLimitMinutes * 60_000,
      log: quiet,
      state: state?.run ?? null
    })
    if (state) saveState(state, report, quiet)
    const k = counts(report)
    // Customers who answer the follow-up, and a few who come back after the close.
    for (const id of k.followedUp) {
      if (rand() < 0.3) schedule({ at: now + between(1, 20) * H, kind: 'customer', ticketId: id, reopen: false }) // prettier-ignore
    }
    for (const id of k.closed) {
      if (rand() < 0.05) schedule({ at: now + between(1, 48) * H, kind: 'customer', ticketId: id, reopen: true }) // prettier-ignore
    }
    if (hour <= shape.warmUpHours) continue
    const stats = client.stats()
    const writes = writesOf(stats)
    const repaired = report.housekeeping.filter(o => o.result === 'done').length
    const actions = k.followedUp.length + k.closed.length
    const actedOn = new Set([...k.followedUp, ...k.closed, ...report.housekeeping.filter(o => o.result === 'done').map(o => o.ticketId)]).size // prettier-ignore
    runs.push({
      hour,
      open: report.ticketsSeen,
      requests: stats.total,
      pages: report.pages,
      reads: stats.requests['get-ticket'] + stats.requests['list-messages'],
      writes,
      actions: actions + repaired,
      floor: report.pages + actedOn + writes,
      readsSaved: report.state?.readsSaved ?? 0,
      missed: { ...(state?.run.missed ?? { 'no-entry': 0, changed: 0, due: 0 }) },
      acted: [...k.followedUp.map(id => `f${id}`), ...k.closed.map(id => `c${id}`)].sort().join(',')
    })
  }
  rmSync(dir, { recursive: true, force: true })
  return runs
}
