/**
 * `npm run bench`: sweeps of simulated accounts against the simulator enforcing Gorgias's
 * rate-limit shape (a leaky bucket of 40 per window), with the window scaled down from 20 s to
 * 500 ms so a run takes seconds instead of hours. Measured in one process and one run:
 * - today's world: 5,000 tickets, 40% open; the project's sweep beside a naive baseline;
 * - a long history: 100,000 tickets, 2% open, 5% trashed, 100 follow-ups and 40 closes due;
 *   the open-tickets view, the view refused (the fallback), and the default rate-limit-share.
 * It prints numbers and asserts nothing (shared machines are noisy): the targets are printed next
 * to the measurements.
 */
import { performance } from 'node:perf_hooks'
import { parseSettings, type InputName, type Settings } from '../src/config.js'
import { followUpBody } from '../src/compose.js'
import { GorgiasClient, type ClientStats } from '../src/gorgias/client.js'
import { templatesFor } from '../src/messages.js'
import { decide } from '../src/policy.js'
import { counts } from '../src/report.js'
import { sweep } from '../src/sweep/index.js'
import { GorgiasSimulator, type SimulatorOptions } from '../simulator/server.js'
import { seedAccount, type SeedOptions } from '../simulator/seed.js'

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
    tickets: Number(process.env.BENCH_TICKETS ?? 5000),
    openShare: 0.4,
    dueFollowUp: 300,
    dueClose: 150,
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
  const report = await sweep({ client: c, settings, now: () => new Date(), log: quiet })
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
          followUpBody(ticket, d.route, d.reminder, d.reminders, d.marker, settings, templates)
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

async function main(): Promise<void> {
  console.log(
    `Rate limit: a leaky bucket of ${LIMIT} per ${WINDOW_MS} ms (Gorgias: ${LIMIT} per 20 s per account, ${SCALE}x slower).\n`
  )
  const t = TODAY.seed
  console.log(
    `== ${TODAY.name}: ${t.tickets} tickets (${Math.round(t.tickets * t.openShare!)} open), ${t.dueFollowUp} follow-ups and ${t.dueClose} closes due\n`
  )
  const ours = await measure('project sweep, share 1', TODAY, 1, projectSweep)
  print(ours)
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
