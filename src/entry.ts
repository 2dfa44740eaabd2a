import type { Checklist } from './check.js'
import { parseSettings, type ParseContext, type Settings } from './config.js'
import type { InputReader } from './inputs.js'
import { failureLine, stopLine, terminalReport } from './report.js'
import { apiUrlWarning, runCheck, runSweep, type Preflight, type SweepRun } from './run.js'
import { stopNotice, type StopNotice } from './stop.js'
import type { SweepLog } from './sweep/index.js'
import type { StateReport } from './sweep/types.js'
import { plural } from './text.js'

/**
 * What the action (main.ts) and the CLI (cli.ts) do alike: settings -> check or sweep -> its
 * end. They differ only in where the lines go and how the process ends.
 */
export interface Entry<T> extends ParseContext {
  read: InputReader
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

/**
 * Why a finished sweep fails: 2 when credentials stopped it, 1 when tickets failed; else null.
 * `listed`: where the failures are listed, as failureLine() says it.
 */
export function sweepFailure({ report, settings }: SweepRun, listed?: string): StopNotice | null {
  const stopped = stopLine(report, settings)
  if (stopped) return { message: stopped, exitCode: 2 }
  const failure = failureLine(report, settings, listed)
  return failure ? { message: failure, exitCode: 1 } : null
}

/** The summary's (and the terminal's) last line: what the state saved this run. */
export function stateLine(state: StateReport | undefined): string | null {
  if (!state) return null
  const saved = `State file: ${plural(state.readsSaved, 'ticket read', 'ticket reads')} saved`
  const why =
    state.notice === null ? '' : ' (the file read at the start was not used: see the notice)'
  const kept =
    state.file === null
      ? 'the file could not be written (see the warning)'
      : `${plural(state.kept, 'ticket', 'tickets')} remembered for the next run`
  return `${saved}${why}; ${kept}.`
}
