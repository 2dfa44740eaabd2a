/**
 * `npm run bench`: one sweep over a realistic account against the simulator enforcing Gorgias's
 * rate-limit shape (40 requests per window, leaky bucket) with the window scaled down from 20 s to
 * 500 ms, so the run takes seconds instead of hours. Measured in the same process and run: the
 * project's sweep, and a naive baseline (sequential, one messages fetch per ticket, no triage).
 * It prints numbers; it asserts nothing (shared machines are noisy): the targets are printed next
 * to the measurements.
 */
import { performance } from 'node:perf_hooks'
import { parseSettings, type InputName, type Settings } from '../src/config.js'
import { GorgiasClient, type ClientStats } from '../src/gorgias/client.js'
import { followUpBody } from '../src/compose.js'
import { templatesFor } from '../src/messages.js'
import { decide } from '../src/policy.js'
import { counts } from '../src/report.js'
import { sweep } from '../src/sweep/index.js'
import { GorgiasSimulator } from '../simulator/server.js'
import { seedAccount } from '../simulator/seed.js'

const LIMIT = 40
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 500)
const TICKETS = Number(process.env.BENCH_TICKETS ?? 5000)
const OPEN_SHARE = 0.4
const DUE_FOLLOW_UP = 300
const DUE_CLOSE = 150
const PER_MS = LIMIT / WINDOW_MS

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
  peakRssMb: number
  heapGrowthMb: number
}

async function account(): Promise<{ sim: GorgiasSimulator; settings: Settings }> {
  const sim = new GorgiasSimulator({ rateLimit: { limit: LIMIT, windowMs: WINDOW_MS } })
  seedAccount(sim, {
    now: new Date(),
    tickets: TICKETS,
    openShare: OPEN_SHARE,
    dueFollowUp: DUE_FOLLOW_UP,
    dueClose: DUE_CLOSE,
    followUpHours: 48,
    closeHours: 72,
    views: 4,
    seed: 7
  })
  await sim.start()
  const inputs: Partial<Record<InputName, string>> = {
    'gorgias-domain': 'acme',
    'gorgias-email': sim.email,
    'gorgias-api-key': sim.apiKey,
    'api-url': sim.baseUrl,
    'max-actions': String(DUE_FOLLOW_UP + DUE_CLOSE)
  }
  return { sim, settings: parseSettings(name => inputs[name] ?? '') }
}

function client(settings: Settings, concurrency: number): GorgiasClient {
  return new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
    concurrency
  })
}

async function measure(
  name: string,
  run: (settings: Settings) => Promise<{
    stats: ClientStats
    followUps: number
    closes: number
    pages: number
    candidates: number
  }>
): Promise<Measure> {
  const { sim, settings } = await account()
  global.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  let peakRss = process.memoryUsage().rss
  let peakHeap = heapBefore
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peakRss = Math.max(peakRss, m.rss)
    peakHeap = Math.max(peakHeap, m.heapUsed)
  }, 20)
  const started = performance.now()
  const result = await run(settings)
  const wallMs = performance.now() - started
  clearInterval(sampler)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  const heapGrowth = peakHeap - heapBefore
  const throttled = sim.stats().throttled
  const peakBucket = sim.peakRateLimitLevel()
  await sim.stop()
  return {
    name,
    wallMs,
    throttledBySimulator: throttled,
    peakBucket,
    peakRssMb: peakRss / 2 ** 20,
    heapGrowthMb: heapGrowth / 2 ** 20,
    ...result
  }
}

const quiet = { info() {}, warning() {}, startGroup() {}, endGroup() {} }

async function projectSweep(settings: Settings) {
  const c = client(settings, 4)
  const report = await sweep({ client: c, settings, now: () => new Date(), log: quiet })
  const k = counts(report)
  return {
    stats: c.stats(),
    followUps: k.followedUp.length,
    closes: k.closed.length,
    pages: report.pages,
    candidates: report.candidates
  }
}

/** The obvious loop: every ticket's messages, one request at a time, then act. */
async function naiveSweep(settings: Settings) {
  const c = client(settings, 1)
  let followUps = 0
  let closes = 0
  let pages = 0
  let tickets = 0
  for await (const page of c.listTickets()) {
    pages++
    for (const ticket of page) {
      tickets++
      const messages = await c.listMessages(ticket.id)
      const d = decide(ticket, messages, settings, new Date())
      if (d.kind === 'follow-up') {
        await c.createMessage(
          ticket.id,
          followUpBody(
            ticket,
            d.route,
            d.reminder,
            d.reminders,
            d.marker,
            settings,
            templatesFor(settings.messages, ticket.language).templates
          )
        )
        await c.addTags(ticket.id, { names: [settings.followUpTag] })
        followUps++
      } else if (d.kind === 'close') {
        await c.addTags(ticket.id, { names: [settings.closedTag] })
        await c.closeTicket(ticket.id)
        closes++
      }
    }
  }
  return { stats: c.stats(), followUps, closes, pages, candidates: tickets }
}

function row(m: Measure): string[] {
  const floorMs = m.stats.total / PER_MS
  const byKind = Object.entries(m.stats.requests)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  return [
    `${m.name}`,
    `  requests:        ${m.stats.total} (${byKind})`,
    `  429s seen:       ${m.stats.throttled} by the client, ${m.throttledBySimulator} by the simulator`,
    `  wall time:       ${(m.wallMs / 1000).toFixed(2)} s`,
    `  floor:           ${(floorMs / 1000).toFixed(2)} s (${m.stats.total} requests / ${PER_MS * 1000} per s)`,
    `  wall / floor:    ${(m.wallMs / floorMs).toFixed(3)} (${(m.wallMs / (Math.max(0, m.stats.total - LIMIT) / PER_MS)).toFixed(3)} counting the free initial burst of ${LIMIT})`,
    `  actions:         ${m.followUps} follow-ups, ${m.closes} closes`,
    `  paced:           ${m.stats.rateLimitWaits} waits, ${(m.stats.waitedMs / 1000).toFixed(1)} s`,
    `  peak bucket:     ${m.peakBucket.toFixed(1)}/${LIMIT} (what the account's other apps had left: ${(LIMIT - m.peakBucket).toFixed(1)})`,
    `  memory:          peak RSS ${m.peakRssMb.toFixed(0)} MB (simulator included), peak heap growth ${m.heapGrowthMb.toFixed(1)} MB`
  ]
}

async function main(): Promise<void> {
  console.log(
    `Account: ${TICKETS} tickets (${Math.round(TICKETS * OPEN_SHARE)} open), ${DUE_FOLLOW_UP} due for follow-up, ${DUE_CLOSE} due for close, 4 views.`
  )
  console.log(
    `Rate limit: ${LIMIT} requests per ${WINDOW_MS} ms (Gorgias: ${LIMIT} per 20000 ms, ${20000 / WINDOW_MS}x slower in real life).\n`
  )
  const ours = await measure('project sweep (triage, 4 in flight, header pacing)', projectSweep)
  console.log(row(ours).join('\n'))
  const writesOn = ours.stats.requests['get-ticket'] // one re-check read per ticket written to
  const budget = ours.pages + ours.candidates + 3 * writesOn
  console.log(
    `  request budget:  pages ${ours.pages} + candidates ${ours.candidates} + 3 x ${writesOn} tickets written (${ours.followUps + ours.closes} follow-ups/closes, ${writesOn - ours.followUps - ours.closes} tag repairs) = ${budget}; used ${ours.stats.total} (${ours.stats.total <= budget ? 'within' : 'OVER'})\n`
  )
  const naive = await measure('naive baseline (sequential, messages of every ticket)', naiveSweep)
  console.log(row(naive).join('\n'))
  console.log('')
  console.log(
    `Same run: the sweep used ${(naive.stats.total / ours.stats.total).toFixed(1)}x fewer requests and ${(naive.wallMs / ours.wallMs).toFixed(1)}x less wall time than the baseline.`
  )
  console.log(
    `At Gorgias's real rate (2 requests/s) that is about ${(ours.stats.total / 2 / 60).toFixed(0)} min instead of ${(naive.stats.total / 2 / 60).toFixed(0)} min.`
  )
  console.log(
    `Targets: wall/floor <= 1.15 (${(ours.wallMs / (ours.stats.total / PER_MS)).toFixed(3)}), zero 429s (${ours.stats.throttled}), peak memory < 200 MB (${ours.peakRssMb.toFixed(0)} MB).`
  )
}

await main()
