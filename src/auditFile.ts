import type { Settings } from './config.js'
import { counts } from './report.js'
import { writeFileAtomically } from './state.js'
import type { Outcome, Report } from './sweep/types.js'

/**
 * The audit file (`report-file`): one JSON line per ticket acted on, deferred or unreadable, then
 * one line with the run's counts. It is meant to be kept (an artifact, a log store), so it holds
 * ticket ids and what was done, never a subject or a customer's name.
 */

/**
 * What the file says about one ticket: a fixed code, never the server's or a module's words (they
 * can quote the customer): for a failure its kind (refused-by-gorgias, gorgias-unavailable, ...),
 * for a deferral why (max-actions, time-limit, credentials), for a tag repair what was done.
 */
function auditDetail(o: Outcome): string | null {
  switch (o.result) {
    case 'failed':
      return o.code ?? 'error'
    case 'deferred': {
      const detail = o.detail ?? ''
      if (detail.includes('credentials')) return 'credentials'
      if (detail.includes('time limit')) return 'time-limit'
      return 'max-actions'
    }
    case 'done':
    case 'would-do':
      if (o.action === 'untag') return 'tags-removed'
      if (o.action === 'tag-follow-up') return 'tag-added'
      return null
    case 'skipped':
      return o.skipReason ?? null
  }
}

/** Real hours since the agent's reply, to two decimals. */
const round2 = (hours: number | null): number | null =>
  hours === null || !Number.isFinite(hours) ? null : Math.round(hours * 100) / 100

/** The audit file's lines, without newlines: the ticket lines in report order, then the totals. */
export function auditLines(report: Report, settings: Pick<Settings, 'domain'>): string[] {
  const store = settings.domain
  const run = {
    dryRun: report.dryRun,
    startedAt: report.startedAt.toISOString(),
    finishedAt: report.finishedAt.toISOString()
  }
  const ticketLine = (o: Outcome, section: 'action' | 'housekeeping' | 'read-failure') => ({
    type: 'ticket',
    store,
    ticketId: o.ticketId,
    section,
    action: o.action,
    // follow-ups: which reminder of how many
    reminder: o.reminder ?? null,
    reminders: o.reminders ?? null,
    result: o.result,
    detail: auditDetail(o),
    // a failure that came after some writes landed
    wrote: o.wrote === true,
    language: o.language,
    idleHours: round2(o.idleHours),
    ...run
  })
  const c = counts(report)
  const totals = {
    type: 'totals',
    store,
    ...run,
    listing: report.listing.kind,
    ticketsSeen: report.ticketsSeen,
    candidates: report.candidates,
    followedUp: c.followedUp.length,
    closed: c.closed.length,
    failed: c.failed,
    deferred: c.deferred,
    skipped: c.skipped,
    reopened: report.reopened.length,
    reopenedTicketIds: [...report.reopened],
    // why the run ended early: credentials or time-limit; null when it went through
    stop: report.stop?.kind ?? null
  }
  return [
    ...report.actions.map(o => ticketLine(o, 'action')),
    ...report.housekeeping.map(o => ticketLine(o, 'housekeeping')),
    ...report.readFailures.map(o => ticketLine(o, 'read-failure')),
    totals
  ].map(line => JSON.stringify(line))
}

/** Writes the lines to `path`, atomically (see writeFileAtomically). */
export function writeAuditFile(path: string, lines: string[]): void {
  writeFileAtomically(
    path,
    lines.map(line => `${line}\n`).join(''),
    reason => `report-file ${path}: the audit file could not be written: ${reason}`
  )
}
