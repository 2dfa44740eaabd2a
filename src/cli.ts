import { parseArgs } from 'node:util'
import { checklistJson, checklistText, checkVerdict, type Checklist } from './check.js'
import { reportText, runEntry, sweepFailure } from './entry.js'
import { explanationText } from './explain.js'
import { DEFAULTS, type InputName } from './inputs.js'
import { reportJson } from './report.js'
import type { SweepRun } from './run.js'
import { terminalCell } from './text.js'

/**
 * The same sweep from a terminal, cron or an AI agent (docs/cli.md): `node dist/cli.js --dry-run`.
 * Settings come from flags, else from the environment (GORGIAS_ names), else the action's defaults.
 */

const INPUTS = Object.keys(DEFAULTS) as InputName[]

const upperSnake = (input: string): string => input.toUpperCase().replace(/-/g, '_')

/**
 * Every input is read from one GORGIAS_ name, so that a `DRY_RUN`, `TIMEZONE` or `API_URL` another
 * tool left in the shell cannot change what this action does, nor where the credentials go.
 */
const ENV_NAMES: Partial<Record<InputName, string>> = {
  'gorgias-domain': 'GORGIAS_DOMAIN',
  'gorgias-email': 'GORGIAS_EMAIL',
  'gorgias-api-key': 'GORGIAS_API_KEY',
  'api-url': 'GORGIAS_API_URL'
}
const envName = (input: InputName): string =>
  ENV_NAMES[input] ?? `GORGIAS_AUTO_CLOSE_${upperSnake(input)}`

/** Also read under their bare names, as the original Python skill's cron lines set them. */
const ALIASED: readonly InputName[] = ['follow-up-hours', 'close-hours']
const alias = (input: InputName): string | null =>
  ALIASED.includes(input) ? upperSnake(input) : null

/** The flags; an input that is false by default is a switch (`--dry-run`, `--check-only`). */
const SWITCHES: readonly string[] = ['json', 'help', ...INPUTS.filter(i => DEFAULTS[i] === 'false')]
const OPTIONS = Object.fromEntries(
  [...INPUTS, 'json', 'help'].map(name => [
    name,
    { type: SWITCHES.includes(name) ? ('boolean' as const) : ('string' as const) }
  ])
)

const HELP = `Usage: node dist/cli.js [--dry-run] [--json] [--<input> <value> ...]
       node dist/cli.js explain <ticket id> [--<input> <value> ...]
       node dist/cli.js check [--json] [--<input> <value> ...]

Follows up on, then closes, Gorgias tickets where the customer went silent.
Always try --dry-run first: it reads everything and changes nothing.
explain <id> reads one ticket and prints why it would (not) be followed up or closed, and when it
becomes due; it never changes anything.
check makes a few read-only requests (about 5, plus one per configured tag and per macro) and
prints a checklist of the account and the settings: credentials and the API user, the rate-limit
header, the open-tickets listing, one ticket's read, the tags, the channels, an email
integration, and the macros and business hours (business-hours: gorgias) the settings read from
the account. Each line is ok, info, warning or PROBLEM, with what to do. Exit 0 when nothing is a problem, 1 when
something is. A dry run prints the same checklist first.

Credentials (environment, never flags in shared shells): GORGIAS_DOMAIN, GORGIAS_EMAIL, GORGIAS_API_KEY

Inputs, as flags or environment variables (defaults in parentheses). Only these environment
names are read (FOLLOW_UP_HOURS and CLOSE_HOURS also work; the GORGIAS_AUTO_CLOSE_ name wins):
${INPUTS.filter(i => i !== 'gorgias-api-key')
  .map(i => {
    const [first, more] = DEFAULTS[i].split('\n')
    const shown = first === '' ? '' : ` (${first}${more === undefined ? '' : ' ...'})`
    return `  --${i.padEnd(24)} ${envName(i)}${shown}`
  })
  .join('\n')}
  --json                     print the report as JSON on stdout
  --help                     this text

Exit codes: 0 done, 1 some tickets failed or the run stopped, 2 bad settings or credentials.`

const out = (text: string): void => void process.stdout.write(text)
const err = (text: string): void => void process.stderr.write(text)

/** The CLI's entry: returns the exit code. */
async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let command: ReturnType<typeof parseCommand>
  try {
    command = parseCommand(argv)
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\n\n${HELP}\n`)
    return 2
  }
  const { values, explainId } = command
  if (values.help) {
    out(`${HELP}\n`)
    return 0
  }
  if (typeof values['gorgias-api-key'] === 'string') {
    err(
      'Pass the API key in the GORGIAS_API_KEY environment variable, not as a flag (flags end up in shell history and process lists).\n'
    )
    return 2
  }
  warnIgnoredEnvNames(env)
  const json = values.json === true
  // explain reads one ticket and never writes: the sweep's progress lines would only confuse.
  const quiet = explainId !== null
  const progress = (m: string): void => err(`${m}\n`)
  return runEntry({
    // An input's value: its flag, else its one environment name (or alias), else empty.
    read: name => {
      const flag = values[name]
      if (typeof flag === 'boolean') return String(flag)
      const bare = alias(name)
      return flag ?? (env[envName(name)] || (bare && env[bare]) || '')
    },
    env,
    check: command.check,
    log: {
      info: m => (quiet ? undefined : progress(m)),
      warning: m => progress(`warning: ${m}`),
      notice: m => progress(`notice: ${m}`),
      startGroup: n => (quiet ? undefined : progress(`== ${n}`)),
      endGroup: () => undefined
    },
    checked: checklist => checkOutcome(checklist, json),
    dryRun: () => {
      const how =
        values['dry-run'] === true ? 'run without --dry-run' : `unset ${envName('dry-run')}`
      if (!quiet) progress(`Dry run: nothing will be changed in Gorgias. To go live, ${how}.`)
    },
    preflight: quiet ? 'none' : undefined,
    swept: run => (explainId === null ? sweepOutcome(run, json) : explainOutcome(run, json)),
    stopped: ({ message, exitCode }) => {
      err(`${exitCode === 1 ? 'Stopped: ' : ''}${message}\n`)
      return exitCode
    }
  })
}

/** Earlier unprefixed names that are no longer read, said with the name to use instead. */
function warnIgnoredEnvNames(env: Record<string, string | undefined>): void {
  const ignored = INPUTS.map(input => [upperSnake(input), envName(input), input] as const)
    .filter(([old, now, input]) => old !== now && old !== alias(input) && (env[old] ?? '') !== '')
    .map(([old, now]) => `${old} (use ${now})`)
  if (ignored.length > 0) {
    err(
      `warning: ignored environment variable(s) ${ignored.join(', ')}: the CLI reads only GORGIAS_ and GORGIAS_AUTO_CLOSE_ names, so another tool's settings cannot change it.\n`
    )
  }
}

type Flags = Record<string, string | boolean | undefined>

/** The flags and the command (`explain <id>`, `check` or none); a usage error throws. */
function parseCommand(argv: string[]): { values: Flags; explainId: string | null; check: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true
  })
  const [command, id, ...rest] = positionals
  if (command === undefined) return { values, explainId: null, check: false }
  if (command === 'check' && id === undefined) return { values, explainId: null, check: true }
  if (command !== 'explain' || id === undefined || rest.length > 0 || !/^#?0*[1-9]\d*$/.test(id)) {
    throw new Error(
      `unexpected arguments: ${positionals.join(' ')} (the commands are "explain <ticket id>" and "check")`
    )
  }
  const explainId = id.replace(/^#/, '')
  // explain is read-only whatever the flags say, about one ticket only, and not a check.
  return {
    values: { ...values, 'dry-run': true, 'check-only': false, 'ticket-ids': explainId },
    explainId,
    check: false
  }
}

/** A sweep's report on stdout (the checklist first in a dry run) and its exit code. */
function sweepOutcome(run: SweepRun, json: boolean): number {
  if (run.checklist?.scope === 'full') {
    // Before the table on stdout; beside the JSON (on stderr) so that stdout stays one document.
    const show = json ? err : out
    show(`${checklistText(run.checklist)}\n\n`)
  }
  out(`${json ? reportJson(run.report, run.stats) : reportText(run)}\n`)
  const failure = sweepFailure(run, json ? 'the JSON report' : 'the table above')
  // A stop (exit 2) is in the table already; a script reading --json gets it on stderr.
  if (failure && (failure.exitCode === 1 || json)) err(`${failure.message}\n`)
  return failure?.exitCode ?? 0
}

/** `check`: the checklist on stdout (text or JSON); exit 1 when an item is a problem. */
function checkOutcome(checklist: Checklist, json: boolean): number {
  const { failure } = checkVerdict(checklist)
  out(`${json ? JSON.stringify(checklistJson(checklist), null, 2) : checklistText(checklist)}\n`)
  if (failure !== null && json) err(`${terminalCell(failure)}\n`)
  return failure === null ? 0 : 1
}

/**
 * Prints the reasoning for the one ticket asked about, then what the policy module said of it (it
 * runs after the reasoning, in dry runs too); exit 1 when the ticket could not be read or the
 * module failed on it.
 */
function explainOutcome({ report, settings }: SweepRun, json: boolean): number {
  const explanation = report.explanations[0]
  const details = settings.summaryCustomerDetails
  if (explanation) {
    const policy = policyVerdict(report)
    if (json) {
      const answer = policy ? { ...explanation, policyModule: policy } : explanation
      out(`${JSON.stringify(answer, null, 2)}\n`)
    } else {
      out(`${explanationText(explanation, details)}${policyLine(policy)}\n`)
    }
    return policy !== null && 'failed' in policy ? 1 : 0
  }
  const failure = report.readFailures[0]?.detail ?? report.actions[0]?.detail
  const gone = report.skipped['not-found'] > 0 ? 'no such ticket (deleted or merged?)' : null
  err(`could not read the ticket: ${terminalCell(gone ?? failure ?? 'unknown error')}\n`)
  return 1
}

type PolicyVerdict = { skip: string } | { failed: string } | null

/** The policy module's veto or failure on the one ticket of a ticket-ids run; null: it let it be. */
function policyVerdict(report: SweepRun['report']): PolicyVerdict {
  const failed = report.actions.find(o => o.code === 'policy-module' && o.result === 'failed')
  if (failed) return { failed: failed.detail ?? '' }
  // A veto is the one noted skip that is not a person's to handle (those name their reason).
  const veto = report.notableSkips.find(o => o.skipReason === undefined)
  return report.skipped['policy-module'] > 0 && veto ? { skip: veto.detail ?? '' } : null
}

function policyLine(policy: PolicyVerdict): string {
  if (policy === null) return ''
  return 'skip' in policy
    ? `\n  Policy module: skip (nothing would be sent): ${terminalCell(policy.skip)}`
    : `\n  Policy module: failed (the ticket would fail, nothing sent): ${terminalCell(policy.failed)}`
}

process.exitCode = await runCli(process.argv.slice(2), process.env)
// A policy module's open timer or connection (a CRM client, a database pool) would keep the
// process running after the report; stdout and stderr are written by then.
setTimeout(() => process.exit(), 1000).unref()
