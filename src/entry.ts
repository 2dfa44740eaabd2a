import type { Checklist } from './check.js'
import { parseSettings, type Settings } from './config.js'
import type { InputName } from './inputs.js'
import { failureLine, stopLine, terminalReport } from './report.js'
import { apiUrlWarning, runCheck, runSweep, type Preflight, type SweepRun } from './run.js'
import { stateLine } from './state.js'
import { stopNotice, type StopNotice } from './stop.js'
import type { SweepLog } from './sweep/index.js'

/**
 * What the action (main.ts) and the CLI (cliMain.ts) do alike: settings -> check or sweep -> its
 * end. They differ only in where the lines go and how the process ends: their `Shell`.
 */
export interface Shell<T> {
  log: SweepLog
  /** `check`, or `check-only: true`: the checklist alone, no sweep */
  checked: (checklist: Checklist) => T | Promise<T>
  /** said before a dry run's sweep */
  dryRun: () => void
  preflight?: Preflight
  swept: (run: SweepRun) => T | Promise<T>
  /** `settings`: null when they were the problem */
  stopped: (stop: StopNotice, settings: Settings | null) => T | Promise<T>
}

export async function runEntry<T>(
  read: (name: InputName) => string,
  context: { env: Record<string, string | undefined>; workspace: string; check?: boolean },
  shell: Shell<T>
): Promise<T> {
  let settings: Settings | null = null
  try {
    settings = parseSettings(read, context)
    const warning = apiUrlWarning(settings)
    if (warning) shell.log.warning(warning)
    if (context.check || settings.checkOnly) {
      return await shell.checked(await runCheck(settings, shell.log))
    }
    if (settings.dryRun) shell.dryRun()
    return await shell.swept(await runSweep(settings, shell.log, shell.preflight))
  } catch (err) {
    return await shell.stopped(stopNotice(err, settings), settings)
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
