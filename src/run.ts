import { checkAccount, checkRunTags, tagWarnings, type Checklist } from './check.js'
import type { Settings } from './config.js'
import { resolveMessages } from './macros.js'
import { accountBusinessHours } from './accountHours.js'
import {
  AuthError,
  DeadlineError,
  NotFoundError,
  redact,
  secretForms,
  ValidationError
} from './gorgias/errors.js'
import { GorgiasClient, getAccount } from './gorgias/client.js'
import { isLoopback, type ClientStats } from './gorgias/transport.js'
import { SettingsError } from './inputs.js'
import { loadPolicyModule } from './policyModule.js'
import { requestLine } from './report.js'
import {
  auditLines,
  loadState,
  policyModuleContent,
  RunState,
  stateFingerprint,
  writeAuditFile,
  writeState
} from './state.js'
import { stoppedBeforeListing, sweep, type SweepLog } from './sweep/index.js'
import type { Outcome, Report } from './sweep/types.js'
import { errorText } from './sweep/writes.js'

/** Time an in-flight ticket may take past the limit to finish its writes; then requests give up. */
export function finishGraceMs(timeLimitMinutes: number): number {
  return Math.min(90_000, timeLimitMinutes * 60_000 * 0.25)
}

/** Said before any request: the credentials go wherever api-url points. */
export function apiUrlWarning(settings: Pick<Settings, 'apiUrl' | 'domain'>): string | null {
  const host = new URL(settings.apiUrl).hostname.toLowerCase()
  const domain = settings.domain
  if (host === `${domain}.gorgias.com` || isLoopback(host)) return null
  return `api-url points at ${host}, not ${domain}.gorgias.com: the Gorgias credentials are sent there. If that is a typo, fix api-url (or leave it empty).`
}

export interface SweepRun {
  /** the settings in effect: the macros' texts and the account's business hours read in */
  settings: Settings
  report: Report
  stats: ClientStats
  /** the check before the sweep (the whole checklist in a dry run), or null */
  checklist: Checklist | null
  /** the files written, or null (not asked for, or could not be written: see warnings) */
  auditFile: string | null
  stateFile: string | null
}

export type Preflight = 'full' | 'tags' | 'none'

/**
 * One sweep with everything wired, for the action and the CLI: the policy module (checked before
 * any request), a paced client, the check (`full`: the whole account; `tags`: that exclude-tags and
 * only-tags exist; `none`: `explain`), the account's texts and hours, the state, the audit file.
 */
export async function runSweep(
  given: Settings,
  log: SweepLog,
  preflight: Preflight = given.dryRun ? 'full' : 'tags'
): Promise<SweepRun> {
  const veto = given.policyModule ? await loadPolicyModule(given, log) : null
  // The run's one deadline, from its start: the check and the macros count toward the limit.
  const deadline = Date.now() + given.timeLimitMinutes * 60_000
  const client = paceClient(given, log, deadline)
  const checks = { full: checkAccount, tags: checkRunTags, none: null }[preflight]
  const checklist = checks && (await checks(client, given))
  // Refused credentials: the sweep's own first request would say so, as a stop.
  if (checklist?.refused) throw checklist.refused
  // The whole checklist is the caller's to show; a tag warning is said now.
  const warnings = checklist?.scope === 'tags' ? tagWarnings(checklist) : []
  for (const warning of warnings) log.warning(warning)
  // The time limit reached here ends the run as it does while listing: stopped early, green.
  const account = await fromAccount(client, given).catch((err: unknown) => {
    if (err instanceof DeadlineError) return null
    throw err
  })
  const settings = account ?? given
  // After the account's texts and hours are read in: the state's fingerprint covers them.
  const state = account ? openState(settings, log) : null
  const now = () => new Date()
  const swept = account
    ? await sweep({
        client,
        settings,
        now,
        deadline,
        veto: veto ? veto.bind(null, client) : null,
        usage: () => requestLine(client.stats()),
        log,
        state: state?.run ?? null
      })
    : stoppedBeforeListing({ settings, now, log })
  if (swept.stop?.kind === 'credentials' && rejectedAtStart(swept)) throw swept.stop.error
  swept.warnings.unshift(...warnings)
  const report = withoutSecrets(swept, secretForms(settings.email, settings.apiKey))
  const stateFile = state ? saveState(state, report, log) : null
  const { reportFile } = settings
  const audited =
    reportFile !== null &&
    written(report, log, () => writeAuditFile(reportFile, auditLines(report, settings)))
  return {
    settings,
    report,
    stats: client.stats(),
    checklist,
    auditFile: audited ? reportFile : null,
    stateFile
  }
}

/**
 * What the settings take from the account, read once before any write: the macros named for the
 * texts (and the API user), the business hours for `business-hours: gorgias`. A problem stops it.
 */
async function fromAccount(
  client: Pick<GorgiasClient, 'getJson' | 'list'>,
  settings: Settings
): Promise<Settings> {
  let businessHours = settings.businessHours
  if (settings.accountBusinessHours) {
    const account = await getAccount(client).catch((err: unknown) => {
      if (err instanceof AuthError || err instanceof DeadlineError) throw err
      const message = `business-hours: gorgias: the account (GET /api/account) could not be read: ${errorText(err)}`
      // A refusal is the setting's to fix (exit 2); a server error or junk is an error (exit 1).
      const refused = err instanceof NotFoundError || err instanceof ValidationError
      throw refused ? new SettingsError('business-hours', message) : new Error(message)
    })
    businessHours = accountBusinessHours(account, settings.accountBusinessHours)
  }
  const messages = await resolveMessages(client, settings.messages, settings.email)
  return { ...settings, businessHours, messages }
}

/** The account check alone (`check`, `check-only`): read-only, a few requests. */
export async function runCheck(settings: Settings, log: SweepLog): Promise<Checklist> {
  const deadline = Date.now() + settings.timeLimitMinutes * 60_000
  return checkAccount(paceClient(settings, log, deadline), settings)
}

/** A client on the wall clock that sends nothing past the deadline and grace; long waits logged. */
function paceClient(settings: Settings, log: SweepLog, deadline: number): GorgiasClient {
  return new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    rateLimitShare: settings.rateLimitShare,
    now: Date.now,
    deadline: deadline + finishGraceMs(settings.timeLimitMinutes),
    onEvent: e => {
      if (e.type === 'wait' && e.ms >= 1000) {
        log.info(`waiting ${(e.ms / 1000).toFixed(1)} s (${e.reason})`)
      } else if (e.type === 'retry') {
        log.info(`retrying ${e.kind} (attempt ${e.attempt}): ${e.cause}`)
      }
    }
  })
}

/** Credentials refused before anything was read: shown as a run that never started (exit 2). */
function rejectedAtStart(report: Report): boolean {
  const skipped = Object.values(report.skipped).reduce((sum, n) => sum + n, 0)
  const lines = [report.housekeeping, report.readFailures, report.explanations]
  return (
    report.pages === 0 &&
    skipped === 0 &&
    report.actions.every(o => o.result === 'deferred') &&
    lines.every(l => l.length === 0)
  )
}

type OpenState = { path: string; fingerprint: string; run: RunState; notice: string | null }

/** The state between runs; null without state-file, and in a ticket-ids run (it lists nothing). */
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
  return { path, fingerprint, run: new RunState(entries, settings), notice }
}

/** Written at the end of every run that got a report, dry runs and runs stopped early too. */
export function saveState(state: OpenState, report: Report, log: SweepLog): string | null {
  const kept = state.run.toSave()
  const save = () => writeState(state.path, state.fingerprint, kept, report.finishedAt)
  const file = written(report, log, save) ? state.path : null
  report.state = { readsSaved: state.run.saved, kept: kept.size, file, notice: state.notice }
  return file
}

/** A file that cannot be written is said loudly, but what was done stays reported. */
function written(report: Report, log: SweepLog, write: () => void): boolean {
  try {
    write()
    return true
  } catch (err) {
    report.warnings.push(errorText(err))
    log.warning(errorText(err))
    return false
  }
}

/**
 * The report's free texts without the key in any form, before anything cuts them to length: a
 * policy module can read the environment, and an error may echo what it was given.
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
