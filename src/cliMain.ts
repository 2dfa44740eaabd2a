import { parseArgs } from 'node:util'
import { DEFAULTS, type InputName, type Settings } from './config.js'
import { loadSettings, runSweep } from './run.js'
import { failureLine, reportJson, stopLine, terminalText } from './report.js'
import { stateLine } from './state.js'
import { stopNotice } from './stop.js'
import { explanationText } from './explain.js'
import type { Report } from './sweep/types.js'
import { terminalText as terminalLine } from './text.js'

/**
 * The same sweep from a terminal, cron or an AI agent: `node dist/cli.js --dry-run`.
 * Settings come from flags (`--follow-up-hours 48`), else from the environment in upper snake
 * case (`FOLLOW_UP_HOURS=48`, `GORGIAS_API_KEY=...`), else the action's defaults.
 * Exit codes: 0 done, 1 some tickets failed or the run stopped, 2 bad settings or credentials.
 */

const INPUTS = Object.keys(DEFAULTS) as InputName[]

export function envName(input: InputName): string {
  return input.toUpperCase().replace(/-/g, '_')
}

const HELP = `Usage: node dist/cli.js [--dry-run] [--json] [--<input> <value> ...]
       node dist/cli.js explain <ticket id> [--<input> <value> ...]

Follows up on, then closes, Gorgias tickets where the customer went silent.
Always try --dry-run first: it reads everything and changes nothing.
explain <id> reads one ticket and prints why it would (not) be followed up or closed, and when it
becomes due; it never changes anything.

Credentials (environment, never flags in shared shells): GORGIAS_DOMAIN, GORGIAS_EMAIL, GORGIAS_API_KEY

Inputs, as flags or environment variables (defaults in parentheses):
${INPUTS.filter(i => i !== 'gorgias-api-key')
  .map(i => {
    const d = DEFAULTS[i].split('\n')[0]
    const def = d === '' ? '' : ` (${d}${DEFAULTS[i].includes('\n') ? ' ...' : ''})`
    return `  --${i.padEnd(24)} ${envName(i)}${def}`
  })
  .join('\n')}
  --json                     print the report as JSON on stdout
  --help                     this text

Exit codes: 0 done, 1 some tickets failed or the run stopped, 2 bad settings or credentials.`

interface Io {
  out: (text: string) => void
  err: (text: string) => void
}

/** The CLI's entry: returns the exit code. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Io = { out: t => process.stdout.write(t), err: t => process.stderr.write(t) }
): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    json: { type: 'boolean' },
    help: { type: 'boolean' }
  }
  for (const input of INPUTS) options[input] = { type: input === 'dry-run' ? 'boolean' : 'string' }
  let values: Record<string, string | boolean | undefined>
  let explainId: string | null = null
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    values = parsed.values
    explainId = explainTarget(parsed.positionals)
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}\n`)
    return 2
  }
  if (values.help) {
    io.out(`${HELP}\n`)
    return 0
  }
  if (typeof values['gorgias-api-key'] === 'string') {
    io.err(
      'Pass the API key in the GORGIAS_API_KEY environment variable, not as a flag (flags end up in shell history and process lists).\n'
    )
    return 2
  }

  const read = (name: InputName): string => {
    // explain is read-only whatever the flags say, and about one ticket only.
    if (explainId !== null && name === 'dry-run') return 'true'
    if (explainId !== null && name === 'ticket-ids') return explainId
    const flag = values[name]
    if (typeof flag === 'boolean') return flag ? 'true' : 'false'
    if (typeof flag === 'string') return flag
    return env[envName(name)] ?? ''
  }
  let settings: Settings | null = null
  try {
    settings = loadSettings(read, { env, workspace: process.cwd() })
    if (settings.apiUrlWarning) io.err(`warning: ${settings.apiUrlWarning}\n`)
    const progress = (m: string): void => io.err(`${m}\n`)
    if (settings.dryRun) progress('Dry run: nothing will be changed in Gorgias.')
    const { report, stats } = await runSweep(settings, {
      info: progress,
      warning: m => progress(`warning: ${m}`),
      notice: m => progress(`notice: ${m}`),
      startGroup: n => progress(`== ${n}`),
      endGroup: () => undefined
    })
    if (explainId !== null) return explainOutcome(report, io, values.json === true)
    const saved = stateLine(report.state)
    io.out(
      values.json
        ? `${reportJson(report, stats)}\n`
        : `${terminalText(report, settings, stats)}\n${saved ? `${saved}\n` : ''}`
    )
    const stopped = stopLine(report, settings)
    if (stopped) {
      // The table says it already; a script reading --json gets it on stderr.
      if (values.json) io.err(`${stopped}\n`)
      return 2
    }
    const failure = failureLine(report)
    if (failure) {
      io.err(`${failure}\n`)
      return 1
    }
    return 0
  } catch (err) {
    const { message, exitCode } = stopNotice(err, settings)
    io.err(`${exitCode === 1 ? 'Stopped: ' : ''}${message}\n`)
    return exitCode
  }
}

/** `explain <id>`: the ticket id, or null for a sweep; anything else is a usage error. */
function explainTarget(positionals: string[]): string | null {
  if (positionals.length === 0) return null
  const [command, id, ...rest] = positionals
  if (command !== 'explain' || id === undefined || rest.length > 0 || !/^#?\d+$/.test(id)) {
    throw new Error(
      `unexpected arguments: ${positionals.join(' ')} (the only command is "explain <ticket id>")`
    )
  }
  return id.replace(/^#/, '')
}

/** Prints the reasoning for the one ticket asked about; exit 1 when it could not be read. */
function explainOutcome(report: Report, io: Io, json: boolean): number {
  const explanation = report.explanations[0]
  if (explanation) {
    io.out(`${json ? JSON.stringify(explanation, null, 2) : explanationText(explanation)}\n`)
    return 0
  }
  const failure = report.readFailures[0]?.detail ?? report.actions[0]?.detail
  const gone = report.skipped['not-found'] > 0 ? 'no such ticket (deleted or merged?)' : null
  io.err(`could not read the ticket: ${terminalLine(gone ?? failure ?? 'unknown error')}\n`)
  return 1
}
