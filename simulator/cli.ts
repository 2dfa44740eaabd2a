/**
 * Starts a seeded Gorgias simulator for manual testing, `npm run local-action` and CI's self-test,
 * and waits until Ctrl-C (SIGINT) or SIGTERM.
 *
 *   npm run simulator -- --port 4010 --tickets 200 --rate-limit 40/20000
 *   (or: npm run build:scripts && node build/simulator/cli.js ...)
 *
 * Run with --help for the flags. --write-env writes the URL, the credentials and the seeded
 * due tickets as KEY=value lines once the simulator listens, for a script to wait for and read
 * (not --env-file: Node 20 takes that flag for itself even after the script name).
 */
import { renameSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { GorgiasSimulator, type SimulatorOptions } from './server.js'
import { seedAccount, type SeedSummary } from './seed.js'

const USAGE = `Usage: node build/simulator/cli.js [flags]

Account
  --tickets 200            tickets to seed
  --due-follow-up 5        tickets due for a follow-up
  --due-close 3            tickets due for closing
  --follow-up-hours 48     --close-hours 72   the thresholds the due tickets are built around
  --open-share 0.3         share of open tickets
  --trashed-share S        share of tickets in the trash (default: a few open ones only)
  --views 4                saved views to create
  --seed 1                 PRNG seed: same seed and flags, same account

API
  --port 4010              0 = any free port
  --rate-limit 40/20000    requests/window in ms, or "off" (default)
  --latency 0              ms added to every request
  --email agent@acme.test  --api-key KEY
  --embed-messages all     what GET /api/tickets/{id} embeds: all, none, or a number
  --view-paging next_items how view items link pages: next_items or next_cursor
  --no-views               every /api/views endpoint answers 404
  --vary A,B               documented variations (simulator/README.md): next-items-url,
                           retry-after-date, no-messages-count, timestamps-python,
                           timestamps-varied, timestamps-zoned, changing-users-macros,
                           api-user-last, case-sensitive-tags, no-embedded-ticket-id
  --page-cap N             every list answers at most N items a page

Output
  --write-env PATH         write SIM_API_URL, SIM_EMAIL, SIM_API_KEY, SIM_DUE_FOLLOW_UP and
                           SIM_DUE_CLOSE (ids, comma-separated) there once listening
  --verbose                print every request`

const FLAGS = {
  port: { type: 'string' },
  tickets: { type: 'string' },
  'due-follow-up': { type: 'string' },
  'due-close': { type: 'string' },
  'follow-up-hours': { type: 'string' },
  'close-hours': { type: 'string' },
  'open-share': { type: 'string' },
  'trashed-share': { type: 'string' },
  views: { type: 'string' },
  seed: { type: 'string' },
  'rate-limit': { type: 'string' },
  latency: { type: 'string' },
  email: { type: 'string' },
  'api-key': { type: 'string' },
  'embed-messages': { type: 'string' },
  'view-paging': { type: 'string' },
  'no-views': { type: 'boolean' },
  vary: { type: 'string' },
  'page-cap': { type: 'string' },
  'write-env': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

function wholeNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number, got "${raw}"`)
  return Number(raw)
}

function share(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = /^(0|1|0?\.\d+)$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 0 && n <= 1)) throw new Error(`--${name} must be a number from 0 to 1, got "${raw}"`)
  return n
}

function rateLimit(raw: string | undefined): SimulatorOptions['rateLimit'] {
  if (raw === undefined || raw === 'off') return false
  const m = /^(\d+)\/(\d+)$/.exec(raw)
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
    throw new Error(`--rate-limit must look like 40/20000 (requests/window in ms) or "off", got "${raw}"`) // prettier-ignore
  }
  return { limit: Number(m[1]), windowMs: Number(m[2]) }
}

function embedMessages(raw: string | undefined): boolean | number {
  if (raw === undefined || raw === 'all') return true
  if (raw === 'none') return false
  return wholeNumber('embed-messages', raw, 0)
}

function viewPaging(raw: string | undefined): SimulatorOptions['viewPaging'] {
  if (raw === undefined || raw === 'next_items' || raw === 'next_cursor') return raw
  throw new Error(`--view-paging must be next_items or next_cursor, got "${raw}"`)
}

const VARIATIONS: Record<string, SimulatorOptions> = {
  'next-items-url': { nextItemsLink: 'url' },
  'retry-after-date': { retryAfter: 'http-date' },
  'no-messages-count': { messagesCount: false },
  'timestamps-python': { timestamps: 'python' },
  'timestamps-varied': { timestamps: 'varied' },
  'timestamps-zoned': { timestamps: 'zoned' },
  'changing-users-macros': { changingUsersAndMacros: true },
  'api-user-last': { apiUserLast: true },
  'case-sensitive-tags': { caseSensitiveTags: true },
  'no-embedded-ticket-id': { embeddedTicketId: false }
}

function variations(raw: string | undefined, cap: string | undefined): SimulatorOptions {
  const opts: SimulatorOptions = {}
  for (const name of (raw ?? '')
    .split(',')
    .map(v => v.trim())
    .filter(v => v !== '')) {
    const variation = VARIATIONS[name]
    if (!variation) throw new Error(`--vary takes ${Object.keys(VARIATIONS).join(', ')}; got "${name}"`) // prettier-ignore
    Object.assign(opts, variation)
  }
  if (cap !== undefined) opts.pageCap = wholeNumber('page-cap', cap, 0)
  return opts
}

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values']

function simulator(values: Values): GorgiasSimulator {
  return new GorgiasSimulator({
    email: values.email,
    apiKey: values['api-key'],
    rateLimit: rateLimit(values['rate-limit']),
    latencyMs: wholeNumber('latency', values.latency, 0),
    embedMessages: embedMessages(values['embed-messages']),
    viewPaging: viewPaging(values['view-paging']),
    views: !values['no-views'],
    ...variations(values.vary, values['page-cap'])
  })
}

function seed(sim: GorgiasSimulator, values: Values): SeedSummary {
  return seedAccount(sim, {
    now: new Date(),
    tickets: wholeNumber('tickets', values.tickets, 200),
    dueFollowUp: wholeNumber('due-follow-up', values['due-follow-up'], 5),
    dueClose: wholeNumber('due-close', values['due-close'], 3),
    followUpHours: wholeNumber('follow-up-hours', values['follow-up-hours'], 48),
    closeHours: wholeNumber('close-hours', values['close-hours'], 72),
    openShare: share('open-share', values['open-share']),
    trashedShare: share('trashed-share', values['trashed-share']),
    views: wholeNumber('views', values.views, 4),
    seed: wholeNumber('seed', values.seed, 1)
  })
}

function banner(sim: GorgiasSimulator, summary: SeedSummary, url: string): string {
  return [
    `Gorgias simulator listening on ${url}`,
    `  email:   ${sim.email}`,
    `  api key: ${sim.apiKey}`,
    `  tickets: ${summary.all.length} (${summary.open.length} open, ${summary.closed.length} closed)`,
    `  due for follow-up: ${summary.dueFollowUp.join(', ') || '-'}`,
    `  due for close:     ${summary.dueClose.join(', ') || '-'}`,
    `  views: ${summary.views.map(v => `${v.id} "${v.name}" (${v.ticketIds.length})`).join(', ') || '-'}`,
    '',
    `Try: curl -u '${sim.email}:${sim.apiKey}' '${url}/tickets?limit=5'`,
    'Ctrl-C to stop.'
  ].join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: FLAGS, strict: true })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const sim = simulator(values)
  const summary = seed(sim, values)
  if (values.verbose) {
    sim.onRequest(req => console.log(`${req.method} ${req.path}${req.query.size > 0 ? `?${req.query.toString()}` : ''}`)) // prettier-ignore
  }
  const url = await sim.start(wholeNumber('port', values.port, 4010))
  if (values['write-env']) {
    const env = {
      SIM_API_URL: url,
      SIM_EMAIL: sim.email,
      SIM_API_KEY: sim.apiKey,
      SIM_DUE_FOLLOW_UP: summary.dueFollowUp.join(','),
      SIM_DUE_CLOSE: summary.dueClose.join(',')
    }
    const text = Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join('') // prettier-ignore
    // Written whole, then renamed: a script waiting for the file never reads half of it.
    writeFileSync(`${values['write-env']}.tmp`, text)
    renameSync(`${values['write-env']}.tmp`, values['write-env'])
  }
  console.log(banner(sim, summary, url))

  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await sim.stop()
  const stats = sim.stats()
  console.log(
    `\nStopped after ${stats.requests} requests (${stats.writes} writes, ${stats.throttled} throttled, peak bucket ${stats.peakLevel}).`
  )
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
})
