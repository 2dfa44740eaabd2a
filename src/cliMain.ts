import { parseArgs } from 'node:util'
import { parseSettings, type Settings } from './config.js'
import { DEFAULTS, type InputName } from './inputs.js'
import { apiUrlWarning, runCheck, runSweep, type SweepRun } from './run.js'
import { checklistJson, checklistText, checkVerdict } from './checkReport.js'
import type { Checklist } from './check.js'
import { failureLine, reportJson, stopLine, terminalReport } from './report.js'
import { stateLine } from './state.js'
import { stopNotice } from './stop.js'
import { explanationText } from './explain.js'
import type { Report } from './sweep/types.js'
import { terminalCell } from './text.js'

/**
 * The same sweep from a terminal, cron or an AI agent: `node dist/cli.js --dry-run`.
 * Settings come from flags (`--follow-up-hours 48`), else from the environment under names no
 * other tool uses (`GORGIAS_AUTO_CLOSE_FOLLOW_UP_HOURS=48`, `GORGIAS_API_KEY=...`), else the
 * action's defaults.
 * Exit codes: 0 done, 1 some tickets failed or the run stopped, 2 bad settings or credentials.
 */

const INPUTS = Object.keys(DEFAULTS) as InputName[]

/** Upper snake case: `follow-up-hours` -> `FOLLOW_UP_HOURS`. */
const upperSnake = (input: string): string => input.toUpperCase().replace(/-/g, '_')

/**
 * The one environment variable an input is read from. The credentials keep their names; every
 * other input is prefixed, so that a `DRY_RUN`, `TIMEZONE` or `API_URL` another tool left in the
 * shell cannot change what this action does, nor where the credentials go.
 */
function envName(input: InputName): string {
  if (input === 'gorgias-domain' || input === 'gorgias-email' || input === 'gorgias-api-key') {
    return upperSnake(input)
  }
  if (input === 'api-url') return 'GORGIAS_API_URL'
  return `GORGIAS_AUTO_CLOSE_${upperSnake(input)}`
}

/**
 * The names the original Python skill documented (`FOLLOW_UP_HOURS=24 CLOSE_HOURS=48 ...`), still
 * read so that its cron lines keep working; the prefixed name wins when both are set.
 */
const ALIASES: Partial<Record<InputName, string>> = {
  'follow-up-hours': 'FOLLOW_UP_HOURS',
  'close-hours': 'CLOSE_HOURS'
}

/** Earlier unprefixed names that are no longer read, with the name to use instead. */
function ignoredEnvNames(env: Record<string, string | undefined>): Array<[string, string]> {
  const ignored: Array<[string, string]> = []
  for (const input of INPUTS) {
    const old = upperSnake(input)
    if (old === envName(input) || old === ALIASES[input]) continue
    if ((env[old] ?? '') !== '') ignored.push([old, envName(input)])
  }
  return ignored
}

const HELP = `Usage: node dist/cli.js [--dry-run] [--json] [--<input> <value> ...]
       node dist/cli.js explain <ticket id> [--<input> <value> ...]
       node dist/cli.js check [--json] [--<input> <value> ...]

Follows up on, then closes, Gorgias tickets where the customer went silent.
Always try --dry-run first: it reads everything and changes nothing.
explain <id> reads one ticket and prints why it would (not) be followed up or closed, and when it
becomes due; it never changes anything.
check makes a few read-only requests (about 5, plus one per configured tag) and prints a
checklist of the account and the settings: credentials and the API user, the rate-limit header,
the open-tickets listing, one ticket's read, the tags, the channels, an email integration. Each
line is ok, info, warning or PROBLEM, with what to do. Exit 0 when nothing is a problem, 1 when
something is. A dry run prints the same checklist first.

Credentials (environment, never flags in shared shells): GORGIAS_DOMAIN, GORGIAS_EMAIL, GORGIAS_API_KEY

Inputs, as flags or environment variables (defaults in parentheses). Only these environment
names are read (FOLLOW_UP_HOURS and CLOSE_HOURS also work; the GORGIAS_AUTO_CLOSE_ name wins):
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
  let command: Command
  try {
    command = parseCommand(argv)
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}\n`)
    return 2
  }
  const { values, explainId, check } = command
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
  const ignored = ignoredEnvNames(env)
  if (ignored.length > 0) {
    io.err(
      `warning: ignored environment variable(s) ${ignored.map(([old, now]) => `${old} (use ${now})`).join(', ')}: the CLI reads only GORGIAS_ and GORGIAS_AUTO_CLOSE_ names, so another tool's settings cannot change it.\n`
    )
  }
  let settings: Settings | null = null
  try {
    settings = parseSettings(inputReader(command, env), { env, workspace: process.cwd() })
    const warning = apiUrlWarning(settings)
    if (warning) io.err(`warning: ${warning}\n`)
    const progress = (m: string): void => io.err(`${m}\n`)
    // explain reads one ticket and never writes: the sweep's progress lines would only confuse.
    const quiet = explainId !== null
    const log = {
      info: (m: string) => (quiet ? undefined : progress(m)),
      warning: (m: string) => progress(`warning: ${m}`),
      notice: (m: string) => progress(`notice: ${m}`),
      startGroup: (n: string) => (quiet ? undefined : progress(`== ${n}`)),
      endGroup: () => undefined
    }
    if (check || settings.checkOnly) {
      return checkOutcome(await runCheck(settings, log), io, values.json === true)
    }
    if (settings.dryRun && !quiet) {
      const how =
        values['dry-run'] === true ? 'run without --dry-run' : `unset ${envName('dry-run')}`
      progress(`Dry run: nothing will be changed in Gorgias. To go live, ${how}.`)
    }
    const run = await runSweep(settings, log, quiet ? 'none' : undefined)
    settings = run.settings
    if (explainId !== null) {
      return explainOutcome(run.report, io, values.json === true, settings.summaryCustomerDetails)
    }
    return sweepOutcome(run, io, values.json === true)
  } catch (err) {
    const { message, exitCode } = stopNotice(err, settings)
    io.err(`${exitCode === 1 ? 'Stopped: ' : ''}${message}\n`)
    return exitCode
  }
}

interface Command {
  values: Record<string, string | boolean | undefined>
  /** `explain <id>`: the ticket id; null otherwise */
  explainId: string | null
  /** `check` */
  check: boolean
}

/** The flags and the command; a usage error throws. */
function parseCommand(argv: string[]): Command {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    json: { type: 'boolean' },
    help: { type: 'boolean' }
  }
  // Switches that are off by default are flags: `--dry-run`, `--check-only`.
  const flags: readonly string[] = ['dry-run', 'check-only']
  for (const input of INPUTS)
    options[input] = { type: flags.includes(input) ? 'boolean' : 'string' }
  const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  const check = parsed.positionals.length === 1 && parsed.positionals[0] === 'check'
  return {
    values: parsed.values,
    check,
    explainId: check ? null : explainTarget(parsed.positionals)
  }
}

/** An input's value: its flag, else its one environment name (or alias), else empty. */
function inputReader(
  { values, explainId }: Command,
  env: Record<string, string | undefined>
): (name: InputName) => string {
  return name => {
    // explain is read-only whatever the flags say, and about one ticket only.
    if (explainId !== null && name === 'dry-run') return 'true'
    if (explainId !== null && name === 'ticket-ids') return explainId
    const flag = values[name]
    if (typeof flag === 'boolean') return flag ? 'true' : 'false'
    if (typeof flag === 'string') return flag
    const value = env[envName(name)] ?? ''
    const alias = ALIASES[name]
    return value === '' && alias !== undefined ? (env[alias] ?? '') : value
  }
}

/** A sweep's report on stdout (the checklist first in a dry run) and its exit code. */
function sweepOutcome(run: SweepRun, io: Io, json: boolean): number {
  const { report, stats, checklist, settings } = run
  if (checklist?.scope === 'full') {
    // Before the table on stdout; beside the JSON (on stderr) so that stdout stays one document.
    const text = `${checklistText(checklist)}\n\n`
    if (json) io.err(text)
    else io.out(text)
  }
  const saved = stateLine(report.state)
  io.out(
    json
      ? `${reportJson(report, stats)}\n`
      : `${terminalReport(report, settings, stats)}\n${saved ? `${saved}\n` : ''}`
  )
  const stopped = stopLine(report, settings)
  if (stopped) {
    // The table says it already; a script reading --json gets it on stderr.
    if (json) io.err(`${stopped}\n`)
    return 2
  }
  const failure = failureLine(report, settings)
  if (failure) {
    io.err(`${failure}\n`)
    return 1
  }
  return 0
}

/** `check`: the checklist on stdout (text or JSON); exit 1 when an item is a problem. */
function checkOutcome(checklist: Checklist, io: Io, json: boolean): number {
  io.out(
    json
      ? `${JSON.stringify(checklistJson(checklist), null, 2)}\n`
      : `${checklistText(checklist)}\n`
  )
  const { failure } = checkVerdict(checklist)
  if (failure === null) return 0
  if (json) io.err(`${terminalCell(failure)}\n`)
  return 1
}

/** `explain <id>`: the ticket id, or null for a sweep; anything else is a usage error. */
function explainTarget(positionals: string[]): string | null {
  if (positionals.length === 0) return null
  const [command, id, ...rest] = positionals
  if (command !== 'explain' || id === undefined || rest.length > 0 || !/^#?\d+$/.test(id)) {
    throw new Error(
      `unexpected arguments: ${positionals.join(' ')} (the commands are "explain <ticket id>" and "check")`
    )
  }
  return id.replace(/^#/, '')
}

/** Prints the reasoning for the one ticket asked about; exit 1 when it could not be read. */
function explainOutcome(report: Report, io: Io, json: boolean, details: boolean): number {
  const explanation = report.explanations[0]
  if (explanation) {
    io.out(
      `${json ? JSON.stringify(explanation, null, 2) : explanationText(explanation, details)}\n`
    )
    return 0
  }
  const failure = report.readFailures[0]?.detail ?? report.actions[0]?.detail
  const gone = report.skipped['not-found'] > 0 ? 'no such ticket (deleted or merged?)' : null
  io.err(`could not read the ticket: ${terminalCell(gone ?? failure ?? 'unknown error')}\n`)
  return 1
}
