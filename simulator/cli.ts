/**
 * Starts a seeded Gorgias simulator for manual testing and waits until Ctrl-C.
 *
 *   npm run build:scripts && node build/simulator/cli.js --port 4010 --tickets 200 --rate-limit 40/20000
 *
 * Flags: --port (0 = any free port; default 4010), --tickets, --due-follow-up, --due-close,
 * --follow-up-hours, --close-hours, --views, --seed, --rate-limit LIMIT/WINDOW_MS or "off",
 * --latency MS, --email, --api-key.
 */
import { parseArgs } from 'node:util'
import { GorgiasSimulator } from './server.js'
import { seedAccount } from './seed.js'

function wholeNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number, got "${raw}"`)
  return Number(raw)
}

function rateLimit(raw: string | undefined): { limit: number; windowMs: number } | false {
  if (raw === undefined || raw === 'off') return false
  const m = /^(\d+)\/(\d+)$/.exec(raw)
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
    throw new Error(`--rate-limit must look like 40/20000 (requests/window in ms) or "off", got "${raw}"`) // prettier-ignore
  }
  return { limit: Number(m[1]), windowMs: Number(m[2]) }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      tickets: { type: 'string' },
      'due-follow-up': { type: 'string' },
      'due-close': { type: 'string' },
      'follow-up-hours': { type: 'string' },
      'close-hours': { type: 'string' },
      views: { type: 'string' },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
      latency: { type: 'string' },
      email: { type: 'string' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  })
  if (values.help) {
    console.log(
      'Usage: node build/simulator/cli.js [--port 4010] [--tickets 200] [--due-follow-up 5]\n' +
        '  [--due-close 3] [--follow-up-hours 48] [--close-hours 72] [--views 4] [--seed 1]\n' +
        '  [--rate-limit 40/20000|off] [--latency 0] [--email agent@acme.test] [--api-key KEY]'
    )
    return
  }
  const sim = new GorgiasSimulator({
    email: values.email,
    apiKey: values['api-key'],
    rateLimit: rateLimit(values['rate-limit']),
    latencyMs: wholeNumber('latency', values.latency, 0)
  })
  const summary = seedAccount(sim, {
    now: new Date(),
    tickets: wholeNumber('tickets', values.tickets, 200),
    dueFollowUp: wholeNumber('due-follow-up', values['due-follow-up'], 5),
    dueClose: wholeNumber('due-close', values['due-close'], 3),
    followUpHours: wholeNumber('follow-up-hours', values['follow-up-hours'], 48),
    closeHours: wholeNumber('close-hours', values['close-hours'], 72),
    views: wholeNumber('views', values.views, 4),
    seed: wholeNumber('seed', values.seed, 1)
  })
  const url = await sim.start(wholeNumber('port', values.port, 4010))

  const lines = [
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
  ]
  console.log(lines.join('\n'))

  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await sim.stop()
  const stats = sim.stats()
  console.log(
    `\nStopped after ${stats.requests} requests (${stats.writes} writes, ${stats.throttled} throttled).`
  )
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
})
