import type { Checklist } from './check.js'
import { parseSettings, type Settings } from './config.js'
import type { InputName } from './inputs.js'
import { failureLine, stopLine, terminalReport } from './report.js'
import { apiUrlWarning, runCheck, runSweep, type Preflight, type SweepRun } from './run.js'
import { stateLine } from './state.js'
import { stopNotice, type StopNotice } from './stop.js'
import type { SweepLog } from './sweep/index.js'

/**
 * What the action (main.ts) and the CLI (cli.ts) do alike: settings -> check or sweep -> its
 * end. They differ only in where the lines go and how the process ends.
 */
export interface Entry<T> {
  read: (name: InputName) => string
  env: Record<string, string | undefined>
  workspace: string
  log: SweepLog
  /** `check` (else `check-only: true`): the checklist alone, no sweep */
  check?: boolean
  checked: (checklist: Checklist) => T | Promise<T>
  /** said before a dry run's sweep */
  dryRun: () => void
  preflight?: Preflight
  swept: (run: SweepRun) => T | Promise<T>
  /** `settings`: null when they were the problem */
  stopped: (stop: StopNotice, settings: Settings | null) => T | Promise<T>
}

export async function runEntry<T>(entry: Entry<T>): Promise<T> {
  let settings: Settings | null = null
  try {
    settings = parseSettings(entry.read, entry)
    const warning = apiUrlWarning(settings)
    if (warning) entry.log.warning(warning)
    if (entry.check || settings.checkOnly) {
      return await entry.checked(await runCheck(settings, entry.log))
    }
    if (settings.dryRun) entry.dryRun()
    return await entry.swept(await runSweep(settings, entry.log, entry.preflight))
  } catch (err) {
    return await entry.stopped(stopNotice(err, settings), settings)
  }
}

/** A sweep's report as text, with what the state file saved. */
export function reportText({ report, settings, stats }: SweepRun): string {
  const saved = stateLine(report.state)
  return terminalReport(report, settings, stats) + (saved ? `\n${saved}` : '')
}

/** Why a finished sweep fails: 2 when credentials stopped it, 1 when tickets failed; else null. */
export function sweepFailure({ report, settings }: SweepRun): StopNotice | null {
  const stopped = stopLine(report, settings)
  if (stopped) return { message: stopped, exitCode: 2 }
  const failure = failureLine(report, settings)
  return failure ? { message: failure, exitCode: 1 } : null
}
