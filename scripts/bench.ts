/**
 * `npm run bench` (about a minute): a store living through its days with the action run every
 * hour, with and without state-file (requests per run against the floor of the work), then one
 * sweep of a 2,000-ticket account against the simulator enforcing Gorgias's rate-limit shape (a
 * leaky bucket of 40 per window, the window scaled down from 20 s to 500 ms).
 *
 * `npm run bench -- --large` (minutes, about 1 GB) adds the large accounts:
 * - today's world: 5,000 tickets, 40% open; the project's sweep beside a naive baseline;
 * - a long history: 100,000 tickets, 2% open, 5% trashed, 100 follow-ups and 40 closes due;
 *   the open-tickets view, the view refused (the fallback), and the default rate-limit-share.
 * It prints numbers and asserts nothing (shared machines are noisy): the targets are printed next
 * to the measurements.
 */
import { performance } from 'node:perf_hooks'
import { parseSettings, type Settings } from '../src/config.js'
import type { InputName } from '../src/inputs.js'
import { composeFollowUp } from '../src/compose.js'
import { GorgiasClient } from '../src/gorgias/client.js'
import type { ClientStats } from '../src/gorgias/transport.js'
import { decide } from '../src/policy/decide.js'
import { templatesFor } from '../src/policy/thread.js'
import { counts } from '../src/report.js'
import { sweep } from '../src/sweep/index.js'
import { GorgiasSimulator, type SimulatorOptions } from '../simulator/server.js'
import { seedAccount, type SeedOptions } from '../simulator/seed.js'
import { liveStore, type HourlyRun, type StoreShape } from './steadyStore.js'

const LARGE = process.argv.includes('--large')

const LIMIT = 40
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 500)
const PER_MS = LIMIT / WINDOW_MS
const SCALE = 20_000 / WINDOW_MS
const WRITE_KINDS = ['create-message', 'close-ticket', 'add-tags', 'remove-tags', 'tags'] as const

interface World {
  name: string
  seed: Omit<SeedOptions, 'now'>
  simulator?: SimulatorOptions
}

const TODAY: World = {
  name: "today's world",
  seed: {
    tickets: Number(process.env.BENCH_TICKETS ?? (LARGE ? 5000 : 2000)),
    openShare: 0.4,
    dueFollowUp: LARGE ? 300 : 120,
    dueClose: LARGE ? 150 : 60,
    followUpHours: 48,
    closeHours: 72,
    views: 4,
    seed: 7
  }
}

const LONG_HISTORY: World = {
  name: 'long history',
  seed: {
    tickets: Number(process.env.BENCH_HISTORY_TICKETS ?? 100_000),
    openShare: 0.02,
    trashedShare: 0.05,
    dueFollowUp: 100,
    dueClose: 40,
    followUpHours: 48,
    closeHours: 72,
    seed: 11
  }
}

interface Measure {
  name: string
  wallMs: number
  stats: ClientStats
  throttledBySimulator: number
  /** Highest level the simulator's bucket reached during the run, of LIMIT. */
  peakBucket: number
  followUps: number
  closes: number
  pages: number
  candidates: number
  listed: number
  peakRssMb: number
}

type Sweeper = (
  settings: Settings,
  share: number
) => Promise<Omit<Measure, 'name' | 'wallMs' | 'throttledBySimulator' | 'peakBucket' | 'peakRssMb'>>

async function measure(
  name: string,
  world: World,
  share: number,
  run: Sweeper,
  simulator: SimulatorOptions = {}
): Promise<Measure> {
  const sim = new GorgiasSimulator({
    ...world.simulator,
    ...simulator,
    rateLimit: { limit: LIMIT, windowMs: WINDOW_MS }
  })
  const seeded = performance.now()
  seedAccount(sim, { now: new Date(), ...world.seed })
  const seedMs = performance.now() - seeded
  await sim.start()
  const inputs: Partial<Record<InputName, string>> = {
    'gorgias-domain': 'acme',
    'gorgias-email': sim.email,
    'gorgias-api-key': sim.apiKey,
    'api-url': sim.baseUrl,
    'max-actions': String(world.seed.dueFollowUp + world.seed.dueClose),
    'rate-limit-share': String(share),
    'time-limit-minutes': '360'
  }
  const settings = parseSettings(name => inputs[name] ?? '')
  global.gc?.()
  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 20)
  sim.clearLog()
  const started = performance.now()
  const result = await run(settings, share)
  const wallMs = performance.now() - started
  clearInterval(sampler)
  const measured: Measure = {
    name: `${name} (seeded in ${(seedMs / 1000).toFixed(1)} s)`,
    wallMs,
    throttledBySimulator: sim.stats().throttled,
    peakBucket: sim.peakRateLimitLevel(),
    peakRssMb: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
    ...result
  }
  await sim.stop()
  return measured
}

function client(settings: Settings, concurrency: number, share: number): GorgiasClient {
  return new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
    rateLimitShare: share,
    concurrency
  })
}

const quiet = { info() {}, warning() {}, startGroup() {}, endGroup() {} }

const projectSweep: Sweeper = async (settings, share) => {
  const c = client(settings, 4, share)
  const deadline = Date.now() + settings.timeLimitMinutes * 60_000
  const report = await sweep({ client: c, settings, now: () => new Date(), deadline, log: quiet })
  const k = counts(report)
  return {
    stats: c.stats(),
    followUps: k.followedUp.length,
    closes: k.closed.length,
    pages: report.pages,
    candidates: report.candidates,
    listed: report.ticketsSeen
  }
}

/** The obvious loop: every ticket listed (trashed ones too), its messages, one at a time. */
const naiveSweep: Sweeper = async (settings, share) => {
  const c = client(settings, 1, share)
  let followUps = 0
  let closes = 0
  let pages = 0
  let tickets = 0
  for await (const page of c.listTickets({ trashed: true })) {
    pages++
    for (const ticket of page) {
      tickets++
      const messages = await c.listMessages(ticket.id)
      const d = decide(ticket, messages, settings, new Date())
      if (d.kind === 'follow-up') {
        const { templates } = templatesFor(settings.messages, ticket.language)
        await c.createMessage(
          ticket.id,
          composeFollowUp(ticket, d.route, d.reminder, d.reminders, d.marker, settings, templates)
            .body
        )
        await c.addTags(ticket.id, { names: [settings.followUpTag] })
        followUps++
      } else if (d.kind === 'close') {
        await c.closeTicket(ticket.id)
        await c.addTags(ticket.id, { names: [settings.closedTag] })
        closes++
      }
    }
  }
  return { stats: c.stats(), followUps, closes, pages, candidates: tickets, listed: tickets }
}

function writes(stats: ClientStats): number {
  return WRITE_KINDS.reduce((sum, kind) => sum + stats.requests[kind], 0)
}

/** What the work needs at the least: the pages of what is listed, one read per candidate, the writes. */
function plan(m: Measure): number {
  return m.pages + m.candidates + writes(m.stats)
}

function row(m: Measure): string[] {
  const floorMs = m.stats.total / PER_MS
  const burstFreeMs = Math.max(0, m.stats.total - LIMIT) / PER_MS
  const byKind = Object.entries(m.stats.requests)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  return [
    `${m.name}`,
    `  requests:        ${m.stats.total} (${byKind})`,
    `  plan:            ${m.pages} pages of ${m.listed} tickets listed + ${m.candidates} read + ${writes(m.stats)} writes = ${plan(m)}; requests / plan ${(m.stats.total / plan(m)).toFixed(3)}`,
    `  actions:         ${m.followUps} follow-ups, ${m.closes} closes`,
    `  429s:            ${m.stats.throttled} seen by the client, ${m.throttledBySimulator} answered by the simulator`,
    `  wall time:       ${(m.wallMs / 1000).toFixed(2)} s; at Gorgias's real rate about ${((m.wallMs * SCALE) / 60_000).toFixed(1)} min`,
    `  wall / floor:    ${(m.wallMs / floorMs).toFixed(3)} (floor ${(floorMs / 1000).toFixed(2)} s = ${m.stats.total} requests at ${PER_MS * 1000}/s); ${(m.wallMs / burstFreeMs).toFixed(3)} with the bucket's free first ${LIMIT} taken out`,
    `  peak bucket:     ${m.peakBucket.toFixed(1)}/${LIMIT} = ${((100 * m.peakBucket) / LIMIT).toFixed(0)}% (left to the store's other apps: ${(LIMIT - m.peakBucket).toFixed(1)})`,
    `  memory:          peak RSS ${m.peakRssMb.toFixed(0)} MB (simulator and its seeded account included)`
  ]
}

function print(m: Measure): void {
  console.log(`${row(m).join('\n')}\n`)
}

const STORE: StoreShape = {
  arrivalsPerHour: Number(process.env.BENCH_ARRIVALS ?? 15),
  warmUpHours: Number(process.env.BENCH_WARM_UP_HOURS ?? 24 * 7),
  measuredHours: Number(process.env.BENCH_HOURS ?? 48),
  seed: 17
}

const pad = (v: string | number, n: number): string => String(v).padStart(n)

function printRuns(runs: HourlyRun[]): void {
  console.log(
    `  ${pad('hour', 5)} ${pad('open', 5)} ${pad('requests', 8)} ${pad('pages', 5)} ${pad('reads', 5)} ${pad('writes', 6)} ${pad('actions', 7)} ${pad('floor', 5)} ${pad('ratio', 5)} ${pad('saved', 5)}`
  )
  for (const r of runs) {
    console.log(
      `  ${pad(r.hour, 5)} ${pad(r.open, 5)} ${pad(r.requests, 8)} ${pad(r.pages, 5)} ${pad(r.reads, 5)} ${pad(r.writes, 6)} ${pad(r.actions, 7)} ${pad(r.floor, 5)} ${pad((r.requests / r.floor).toFixed(2), 5)} ${pad(r.readsSaved, 5)}`
    )
  }
}

interface Steady {
  requests: number
  floor: number
  pages: number
  reads: number
  writes: number
  actions: number
  open: number
  pagesOver: number
}

/** Means per run over the measured runs but the first (which starts from no state). */
function steady(runs: HourlyRun[]): Steady {
  const rest = runs.slice(1)
  const mean = (f: (r: HourlyRun) => number): number =>
    rest.reduce((sum, r) => sum + f(r), 0) / Math.max(1, rest.length)
  return {
    requests: mean(r => r.requests),
    floor: mean(r => r.floor),
    pages: mean(r => r.pages),
    reads: mean(r => r.reads),
    writes: mean(r => r.writes),
    actions: mean(r => r.actions),
    open: mean(r => r.open),
    pagesOver: runs.filter(r => r.pages > Math.ceil(r.open / 100) + 1).length
  }
}

/**
 * What a run costs the store: API minutes an hour at Gorgias's 2 requests/s, and billed Actions
 * minutes a month (a run a hour; each run rounded up to the minute, about 20 s of job set-up,
 * requests paced at rate-limit-share 0.5 of 2/s after the bucket's free first 20).
 */
function cost(requests: number): string {
  const apiMinutes = requests / 2 / 60
  const runSeconds = 20 + Math.max(0, requests - 20) / 1
  const billed = Math.ceil(runSeconds / 60) * 24 * 30
  return `${apiMinutes.toFixed(2)} API minutes an hour (${((100 * apiMinutes) / 60).toFixed(1)}% of the account's budget); a run of about ${Math.round(runSeconds)} s, ${billed} billed Actions minutes a month`
}

async function storeLife(): Promise<void> {
  console.log(
    `== a store's life: ${STORE.arrivalsPerHour} new tickets an hour; agents answer (10% after a day or more), half the customers answer, 30% answer the follow-up, 5% come back after the close; 3 internal notes an hour; 20% of tickets closed by agents. The action runs every hour; ${STORE.warmUpHours} hours of warm-up, then ${STORE.measuredHours} hourly runs measured (the first from no state).\n`
  )
  const started = performance.now()
  const without = await liveStore(STORE, false)
  const withState = await liveStore(STORE, true)
  console.log('-- without state-file')
  printRuns(without)
  console.log('\n-- with state-file')
  printRuns(withState)
  const a = steady(without)
  const b = steady(withState)
  const same = without.every((r, i) => r.acted === withState[i]?.acted)
  console.log(
    `\n  (simulated in ${((performance.now() - started) / 1000).toFixed(1)} s; floor = pages of open tickets + one read per ticket acted on + writes)`
  )
  for (const [name, s] of [
    ['without state-file', a],
    ['with state-file', b]
  ] as const) {
    console.log(
      `  ${name.padEnd(19)} per run: ${s.requests.toFixed(1)} requests (${s.pages.toFixed(1)} pages, ${s.reads.toFixed(1)} reads, ${s.writes.toFixed(1)} writes) for ${s.actions.toFixed(1)} actions on ${s.open.toFixed(0)} open tickets; floor ${s.floor.toFixed(1)}; ${(s.requests / s.floor).toFixed(2)}x the floor`
    )
    console.log(`  ${''.padEnd(19)} ${cost(s.requests)}`)
  }
  const first = [without[0]!, withState[0]!]
  console.log('\nTargets (issue #17), this run:')
  console.log(`  with state-file:  ${(b.requests / b.floor).toFixed(2)}x the floor (<= 1.3)`)
  console.log(
    `  without:          ${(a.requests / a.floor).toFixed(2)}x the floor (no worse than the 5.3x measured before)`
  )
  console.log(`  pages per run:    ${a.pagesOver + b.pagesOver} runs over ceil(open / 100) + 1 (0)`)
  console.log(
    `  first run, no state: ${first[1]!.requests} requests with state-file vs ${first[0]!.requests} without (equal)`
  )
  console.log(
    `  same follow-ups and closes, run by run, with and without the state: ${same ? 'yes' : 'NO'}\n`
  )
}

async function main(): Promise<void> {
  await storeLife()
  console.log(
    `Rate limit: a leaky bucket of ${LIMIT} per ${WINDOW_MS} ms (Gorgias: ${LIMIT} per 20 s per account, ${SCALE}x slower).\n`
  )
  const t = TODAY.seed
  console.log(
    `== ${TODAY.name}: ${t.tickets} tickets (${Math.round(t.tickets * t.openShare!)} open), ${t.dueFollowUp} follow-ups and ${t.dueClose} closes due\n`
  )
  const ours = await measure('project sweep, share 1', TODAY, 1, projectSweep)
  print(ours)
  if (!LARGE) {
    console.log(
      'The large accounts (5,000 and 100,000 tickets, a naive baseline): npm run bench -- --large'
    )
    return
  }
  const naive = await measure(
    'naive baseline (every ticket, its messages, one at a time)',
    TODAY,
    1,
    naiveSweep
  )
  print(naive)
  console.log(
    `  same run: the sweep used ${(naive.stats.total / ours.stats.total).toFixed(1)}x fewer requests and ${(naive.wallMs / ours.wallMs).toFixed(1)}x less wall time than the baseline.\n`
  )

  const h = LONG_HISTORY.seed
  console.log(
    `== ${LONG_HISTORY.name}: ${h.tickets} tickets (${Math.round(h.tickets * h.openShare!)} open, ${Math.round(h.tickets * h.trashedShare!)} trashed), ${h.dueFollowUp} follow-ups and ${h.dueClose} closes due\n`
  )
  const views = await measure('open-tickets view, share 1', LONG_HISTORY, 1, projectSweep)
  print(views)
  const refused = await measure(
    'view refused (404): every untrashed ticket, share 1',
    LONG_HISTORY,
    1,
    projectSweep,
    { views: false }
  )
  print(refused)
  const polite = await measure(
    'open-tickets view, default share 0.5',
    LONG_HISTORY,
    0.5,
    projectSweep
  )
  print(polite)

  console.log('Targets (issue #9), this run:')
  const ratio = (m: Measure) => (m.stats.total / plan(m)).toFixed(3)
  console.log(
    `  views, share 1:   requests / plan ${ratio(views)} (<= 1.1), wall / floor ${(views.wallMs / (views.stats.total / PER_MS)).toFixed(3)} (<= 1.15), 429s ${views.stats.throttled} (0)`
  )
  console.log(`  views refused:    requests / plan ${ratio(refused)} (<= 1.1)`)
  console.log(
    `  share 0.5:        peak bucket ${((100 * polite.peakBucket) / LIMIT).toFixed(0)}% of the limit (<= 55%)`
  )
  console.log(
    `  views vs refused: ${(refused.stats.total / views.stats.total).toFixed(1)}x fewer requests with the view`
  )
}

await main()
