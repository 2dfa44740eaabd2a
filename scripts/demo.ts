/**
 * `npm run demo`: see the action work in under a minute, without a Gorgias account or a network.
 *
 * Starts the Gorgias simulator on 127.0.0.1 with a seeded online-shop account (the documented
 * leaky-bucket rate limit, scaled down in time), then runs the committed bundle `dist/index.js`
 * exactly as the GitHub runner does (every input as an INPUT_* variable, action.yml defaults filled
 * in, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files) three times: a dry run, the real run, and a run
 * "three days later" that closes the tickets followed up by the real run. After each run it prints
 * the job summary as plain text, the step outputs and how many writes the simulator received.
 *
 *   npm run demo                 the demo
 *   npm run demo -- --docs       also writes docs/job-summary.md (then: npm run docs:screenshot)
 *
 * Exits non-zero when a run fails or does something the demo does not expect.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as prettier from 'prettier'
import { GorgiasSimulator } from '../simulator/server.js'
import { runAction, type ActionRun } from '../simulator/runner.js'
import { seedAccount } from '../simulator/seed.js'

/** Repository root: this file runs as build/scripts/demo.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const DOCS_SUMMARY = join(ROOT, 'docs', 'job-summary.md')
/** What the scrubbed summary shows instead of the simulator's http://127.0.0.1:PORT/api. */
const PUBLIC_API_URL = 'https://acme.gorgias.com/api'

const SEED = {
  tickets: 400,
  dueFollowUp: 15,
  dueClose: 8,
  followUpHours: 48,
  closeHours: 72,
  views: 2,
  seed: 7
}
/** Gorgias's bucket is 40 requests per 20 s; the same shape, ten times faster. */
const RATE_LIMIT = { limit: 40, windowMs: 2000 }

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

// ------------------------------------------------------------------ Markdown -> terminal text

const MAX_CELL = 60

/** Inline Markdown and the few HTML entities the summary uses, as plain text. */
function inline(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]*)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(?<!\\)<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
}

/** Splits `| a | b \| c |` on the unescaped pipes. */
function cells(row: string): string[] {
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '')
  return body.split(/(?<!\\)\|/).map(c => c.trim())
}

function table(rows: string[]): string[] {
  const [head, rule, ...body] = rows.map(cells)
  if (!head || !rule) return rows
  const right = rule.map(c => /^:?-+:$/.test(c))
  const grid = [head, ...body].map(r =>
    head.map((_, i) => {
      const text = inline(r[i] ?? '')
      return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text
    })
  )
  const widths = head.map((_, i) => Math.max(...grid.map(r => (r[i] ?? '').length)))
  const line = (r: string[]): string =>
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const [first = [], ...rest] = grid
  return [line(first), widths.map(w => '-'.repeat(w)).join('  '), ...rest.map(line)]
}

/** The job summary as a terminal shows it: headings underlined, tables aligned, links as text. */
function renderSummary(markdown: string): string {
  const out: string[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.trimStart().startsWith('|')) {
      const rows: string[] = []
      while (i < lines.length && (lines[i] ?? '').trimStart().startsWith('|'))
        rows.push(lines[i++] ?? '')
      i--
      out.push(...table(rows).map(r => `  ${r}`))
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading) {
      const text = inline(heading[2] ?? '')
      out.push(text, (heading[1] === '##' ? '=' : '-').repeat(text.length))
      continue
    }
    const summary = /<summary>(.*?)<\/summary>/.exec(line)
    if (summary) {
      out.push(`${inline(summary[1] ?? '')}:`)
      continue
    }
    if (/^\s*<\/?details>\s*$/.test(line)) continue
    if (line.trim() === '' && (out.at(-1) ?? '') === '') continue
    out.push(inline(line))
  }
  return out.join('\n').trim()
}

// ------------------------------------------------------------------ the demo

const bar = (title: string): string => `\n${'━'.repeat(100)}\n${title}\n${'━'.repeat(100)}`

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { docs: { type: 'boolean' } }, strict: true })
  const started = performance.now()
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('dist/index.js is missing: run `npm run bundle` first.')
    return 1
  }

  const sim = new GorgiasSimulator({ rateLimit: RATE_LIMIT })
  const seeded = seedAccount(sim, { now: new Date(), ...SEED })
  await sim.start()
  try {
    console.log(
      [
        'gorgias-auto-close demo: the bundled action (dist/index.js) against a simulated Gorgias account.',
        '',
        `Simulator: ${sim.baseUrl} (no network, no Gorgias account)`,
        `  ${seeded.all.length} tickets: ${seeded.open.length} open, ${seeded.closed.length} closed; ` +
          `views: ${seeded.views.map(v => `"${v.name}"`).join(', ')}`,
        `  due for a follow-up (agent replied > ${SEED.followUpHours} h ago, customer silent): ${seeded.dueFollowUp.length}`,
        `  due for closing (follow-up sent, still no answer after ${SEED.closeHours} h): ${seeded.dueClose.length}`,
        `  and the traps a sweep must leave alone: customer spoke last (${seeded.customerSpokeLast.length}), ` +
          `recent replies (${seeded.agentRepliedRecently.length}), vip/escalated (${seeded.vip.length + seeded.escalated.length}), ` +
          `snoozed, spam, trash, chat/SMS, failed sends...`,
        `  rate limit: ${RATE_LIMIT.limit} requests per ${RATE_LIMIT.windowMs / 1000} s ` +
          '(Gorgias: 40 per 20 s; same leaky bucket, 10x faster so the demo is quick)'
      ].join('\n')
    )

    const inputs = {
      'gorgias-domain': 'acme',
      'gorgias-email': sim.email,
      'gorgias-api-key': sim.apiKey,
      'api-url': sim.baseUrl,
      'follow-up-hours': String(SEED.followUpHours),
      'close-hours': String(SEED.closeHours)
    }
    const problems: string[] = []
    const step = async (title: string, extra: Record<string, string>): Promise<ActionRun> => {
      console.log(bar(title))
      const writesBefore = sim.writes().length
      const run = await runAction({ ...inputs, ...extra }, { root: ROOT })
      const writes = sim.writes().length - writesBefore
      console.log(`\n${renderSummary(run.summary) || '(no job summary written)'}\n`)
      console.log('Step outputs:')
      const width = Math.max(0, ...Object.keys(run.outputs).map(k => k.length))
      for (const [name, value] of Object.entries(run.outputs)) {
        console.log(`  ${name.padEnd(width)}  ${value}`)
      }
      if (Object.keys(run.outputs).length === 0) console.log('  (none)')
      console.log(
        `\nWrite requests received by the simulator: ${writes}` +
          `   (exit code ${run.code}, ${(run.ms / 1000).toFixed(1)} s)`
      )
      if (run.code !== 0) {
        problems.push(`${title}: the action exited with code ${run.code}`)
        console.log(`\nThe action failed; the end of its log:\n${tail(run.stdout + run.stderr)}`)
      }
      return run
    }

    const dry = await step('1/3  Dry run (dry-run: true): reads everything, changes nothing', {
      'dry-run': 'true'
    })
    if (sim.writes().length !== 0) problems.push('the dry run sent write requests')

    const real = await step('2/3  The real run (dry-run: false): follow-ups and closes', {
      'dry-run': 'false'
    })
    const planned = dry.outputs['followed-up']
    if (planned !== real.outputs['followed-up']) {
      problems.push(`the real run followed up ${real.outputs['followed-up']}, the dry run planned ${planned}`) // prettier-ignore
    }
    if (values.docs && real.code === 0) await writeDocsSummary(real.summary, sim.baseUrl)

    sim.age(72)
    const later = await step(
      '3/3  Three days later (the simulator moved every timestamp 72 h into the past)',
      { 'dry-run': 'false' }
    )
    const followedUp = ids(real.outputs['followed-up'])
    const closedLater = new Set(ids(later.outputs.closed))
    const notClosed = followedUp.filter(id => !closedLater.has(id))
    if (notClosed.length > 0) {
      problems.push(`tickets followed up in run 2 but not closed in run 3: ${notClosed.join(', ')}`)
    } else if (followedUp.length > 0) {
      console.log(
        `\nAll ${followedUp.length} tickets followed up in run 2 went unanswered, so run 3 closed them.`
      )
    }

    await macroDemo(problems)

    const stats = sim.stats()
    console.log(bar('Try it on your own account'))
    console.log(
      [
        `The demo made ${stats.requests} requests (${stats.writes} writes; ${stats.throttled} answered 429) ` +
          `and took ${((performance.now() - started) / 1000).toFixed(1)} s.`,
        '',
        'On your own account, from a terminal: check it, then dry-run (reads everything, changes nothing):',
        '',
        '  export GORGIAS_DOMAIN=acme GORGIAS_EMAIL=you@acme.com GORGIAS_API_KEY=...',
        '  node dist/cli.js check',
        '  node dist/cli.js --dry-run',
        '',
        'In GitHub Actions, the starter workflow (README.md, "Roll it out on your helpdesk"). It is safe',
        'to commit as it is: every run is a dry run until the repository variable',
        'GORGIAS_AUTO_CLOSE_LIVE is true. <owner> is the account of the gorgias-auto-close repository',
        'you use (or your fork), <commit sha> the commit of the release you pin:',
        '',
        ...starterWorkflow().map(line => (line === '' ? '' : `  ${line}`))
      ].join('\n')
    )
    if (values.docs) console.log(`\nWrote ${DOCS_SUMMARY}; render it with: npm run docs:screenshot`)

    if (problems.length > 0) {
      console.error(
        `\nThe demo did not go as expected:\n${problems.map(p => `  - ${p}`).join('\n')}`
      )
      return 1
    }
    return 0
  } finally {
    await sim.stop()
  }
}

/**
 * The follow-up text the team keeps in Gorgias: the account's macro "Follow-up" (English and
 * French, with Gorgias's variables), on a small account of its own, an English and a French
 * ticket due. Prints what each customer got and which macro it came from.
 */
async function macroDemo(problems: string[]): Promise<void> {
  console.log(bar('Bonus: the follow-up from a Gorgias macro (follow-up-macro: Follow-up)'))
  const sim = new GorgiasSimulator()
  try {
    await sim.start()
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString()
    const due = (language: string, firstname: string, subject: string) =>
      sim.addTicket({
        language,
        subject,
        customer: { firstname, email: `${firstname.toLowerCase()}@example.com` },
        messages: [
          { from_agent: false, created_datetime: at(60) },
          { from_agent: true, created_datetime: at(50) }
        ]
      })
    const tickets = [due('en', 'Ana', 'Return label'), due('fr', 'Zoé', 'Taille du pull')]
    const run = await runAction(
      {
        'gorgias-domain': 'acme',
        'gorgias-email': sim.email,
        'gorgias-api-key': sim.apiKey,
        'api-url': sim.baseUrl,
        'follow-up-macro': 'Follow-up'
      },
      { root: ROOT }
    )
    const macroRow = /\| follow-up-macro \| (.*) \|/.exec(run.summary)?.[1] ?? '(not shown)'
    console.log(`\nMacro in use: ${inline(macroRow.replace(/\\(.)/g, '$1'))}`)
    for (const t of tickets) {
      const sent = sim.messages(t.id).find(m => m.external_id?.startsWith('gorgias-auto-close:'))
      console.log(`\n#${t.id} (${t.language}) got:\n${sent?.body_text ?? '(nothing)'}`)
      if (!sent || sent.body_text?.includes('{{')) problems.push(`macro run: #${t.id} got no filled macro text`) // prettier-ignore
    }
    if (run.code !== 0) problems.push(`macro run: the action exited with code ${run.code}`)
  } finally {
    await sim.stop()
  }
}

function ids(json: string | undefined): number[] {
  try {
    const value = JSON.parse(json ?? '[]') as unknown
    return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : []
  } catch {
    return []
  }
}

/** The README's starter workflow (dry until GORGIAS_AUTO_CLOSE_LIVE), so the demo never drifts from it. */
function starterWorkflow(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map(m => m[1] ?? '')
  const workflow = blocks.find(b => b.includes('GORGIAS_AUTO_CLOSE_LIVE') && /^jobs:/m.test(b))
  return (workflow ?? 'See .github/workflows/auto-close.yml.\n').trimEnd().split('\n')
}

/** The real run's summary for docs/: nothing of this machine in it, formatted like the repo. */
async function writeDocsSummary(summary: string, apiUrl: string): Promise<void> {
  // The summary shows the URL Markdown-escaped (http\://127\.0...): any character may be escaped.
  const anyEscape = apiUrl
    .split('')
    .map(c => `\\\\?${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
    .join('')
  const scrubbed = summary.replace(new RegExp(anyEscape, 'g'), PUBLIC_API_URL)
  const options = (await prettier.resolveConfig(DOCS_SUMMARY)) ?? {}
  mkdirSync(dirname(DOCS_SUMMARY), { recursive: true })
  writeFileSync(
    DOCS_SUMMARY,
    await prettier.format(scrubbed, { ...options, filepath: DOCS_SUMMARY })
  )
}

main().then(
  code => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err))
    process.exitCode = 1
  }
)
