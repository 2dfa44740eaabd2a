import { auditLines, writeAuditFile } from './auditFile.js'
import { parseSettings, type InputReader, type ParseContext, type Settings } from './config.js'
import { GorgiasClient, type ClientStats } from './gorgias/client.js'
import { loadMessageCatalog } from './messages.js'
import { loadPolicyModule } from './policyModule.js'
import { requestLine } from './report.js'
import { redact, secretForms } from './gorgias/redact.js'
import { loadState, policyModuleContent, RunState, stateFingerprint, writeState } from './state.js'
import { sweep, type Outcome, type Report, type SweepLog } from './sweep/index.js'

/**
 * Time an in-flight ticket may take past time-limit-minutes to finish its writes (a quarter of the
 * limit, at most 90 s); past it, a request still waiting (a storm of 429s) gives up unsent and the
 * summary is written.
 */
export function finishGraceMs(timeLimitMinutes: number): number {
  return Math.min(90_000, timeLimitMinutes * 60_000 * 0.25)
}

/**
 * The settings, with the messages file read and checked: every error in them is raised here,
 * before any request.
 */
export function loadSettings(read: InputReader, ctx: ParseContext): Settings {
  const settings = parseSettings(read, ctx)
  if (settings.messagesFile === null) return settings
  return { ...settings, messages: loadMessageCatalog(settings.messagesFile) }
}

export interface SweepRun {
  report: Report
  stats: ClientStats
  /** the audit file written, or null (not asked for, or it could not be written: see warnings) */
  auditFile: string | null
  /** the state file written, or null (not asked for, or it could not be written: see warnings) */
  stateFile: string | null
}

/**
 * One sweep with everything wired: the policy module (loaded, and so checked, before any request),
 * a paced client, and progress lines that show requests used and rate-limit waits. Shared by the
 * action and the CLI, which differ only in where the lines go and how the process ends.
 */
export async function runSweep(settings: Settings, log: SweepLog): Promise<SweepRun> {
  const veto = settings.policyModule ? await loadPolicyModule(settings, log) : null
  const state = openState(settings, log)
  const client = new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    rateLimitShare: settings.rateLimitShare,
    deadline:
      performance.now() +
      settings.timeLimitMinutes * 60_000 +
      finishGraceMs(settings.timeLimitMinutes),
    onEvent: e => {
      // Short pacing waits are the normal rhythm of a sweep (progress lines count them);
      // long ones and retries are worth a line of their own.
      if (e.type === 'wait' && e.ms >= 1000) {
        log.info(`waiting ${(e.ms / 1000).toFixed(1)} s (${e.reason})`)
      } else if (e.type === 'retry') {
        log.info(`retrying ${e.kind} (attempt ${e.attempt}): ${e.cause}`)
      }
    }
  })
  const swept = await sweep({
    client,
    settings,
    now: () => new Date(),
    veto: veto ? veto.bind(null, client) : null,
    usage: () => requestLine(client.stats()),
    log,
    state: state?.run ?? null
  })
  const report = withoutSecrets(swept, secretForms(settings.email, settings.apiKey))
  const stateFile = state ? saveState(state, report, log) : null
  return {
    report,
    stats: client.stats(),
    auditFile: writeAudit(report, settings, log),
    stateFile
  }
}

export interface OpenState {
  path: string
  fingerprint: string
  run: RunState
  notice: string | null
}

/**
 * The state between runs, read before any request; null when state-file is not set, and in a
 * ticket-ids run (it lists nothing, so it could keep nothing of the others').
 */
export function openState(settings: Settings, log: SweepLog): OpenState | null {
  const path = settings.stateFile
  if (path === null) return null
  if (settings.ticketIds !== null) {
    log.info(`state-file ${path}: not used by a ticket-ids run (left as it is)`)
    return null
  }
  const fingerprint = stateFingerprint(settings, policyModuleContent(settings))
  const { entries, notice } = loadState(path, fingerprint)
  if (notice !== null) (log.notice ?? log.info)(notice)
  else log.info(`state-file ${path}: ${entries.size} tickets remembered from the last run`)
  return { path, fingerprint, run: new RunState(entries), notice }
}

/** Written at the end of every run that got a report, dry runs and runs stopped early too. */
export function saveState(state: OpenState, report: Report, log: SweepLog): string | null {
  const kept = state.run.toSave()
  let file: string | null = state.path
  try {
    writeState(state.path, state.fingerprint, kept, report.finishedAt)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    report.warnings.push(message)
    log.warning(message)
    file = null
  }
  report.state = { readsSaved: state.run.saved, kept: kept.size, file, notice: state.notice }
  return file
}

/**
 * The report's free texts (errors, policy-module reasons, warnings) without the key in any form,
 * before anything cuts them to length: a policy module can read the environment, and an error
 * may echo what it was given.
 */
function withoutSecrets(report: Report, forms: string[]): Report {
  const clean = (o: Outcome): Outcome =>
    o.detail === undefined ? o : { ...o, detail: redact(o.detail, forms) }
  return {
    ...report,
    actions: report.actions.map(clean),
    housekeeping: report.housekeeping.map(clean),
    readFailures: report.readFailures.map(clean),
    notableSkips: report.notableSkips.map(clean),
    warnings: report.warnings.map(w => redact(w, forms))
  }
}

/** An audit file that cannot be written is said loudly, but what was done stays reported. */
function writeAudit(report: Report, settings: Settings, log: SweepLog): string | null {
  if (settings.reportFile === null) return null
  try {
    writeAuditFile(settings.reportFile, auditLines(report, settings))
    return settings.reportFile
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    report.warnings.push(message)
    log.warning(message)
    return null
  }
}
