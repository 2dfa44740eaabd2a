import { parseArgs } from 'node:util'
import { DEFAULTS, type InputName, type Settings } from './config.js'
import { loadSettings, runSweep } from './run.js'
import { failureLine, reportJson, stopLine, terminalText } from './report.js'
import { stopNotice } from './stop.js'

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

Follows up on, then closes, Gorgias tickets where the customer went silent.
Always try --dry-run first: it reads everything and changes nothing.

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
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values
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
      startGroup: n => progress(`== ${n}`),
      endGroup: () => undefined
    })
    io.out(
      values.json ? `${reportJson(report, stats)}\n` : `${terminalText(report, settings, stats)}\n`
    )
    const stopped = stopLine(report, settings)
    if (stopped) {
      io.err(`${stopped}\n`)
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
