import type { Settings } from './config.js'
import { credentialsHelp } from './stop.js'
import type { ClientStats } from './gorgias/transport.js'
import { explanationText } from './explain.js'
import { SKIP_LABELS, SKIP_REASONS } from './policy/types.js'
import type { Listing, Outcome, Report } from './sweep/types.js'
import { previewsTerminal } from './preview.js'
import { graphemeLength, oneLine, plural, terminalCell } from './text.js'

/**
 * A run's Report in words: counts, step outputs, the terminal text and JSON, and the words the job
 * summary (summary.ts) shares with them. Pure. In the terminal, texts lose every control character.
 */

/** The customer got the follow-up, or the ticket was closed, even if a later step failed. */
const succeeded = (o: Outcome): boolean =>
  o.result === 'done' || o.result === 'would-do' || o.wrote === true

/** Every failed outcome: actions, tag repairs, then reads (a read failure is always `failed`). */
const failures = ({ actions, housekeeping, readFailures }: Report): Outcome[] =>
  [...actions, ...housekeeping, ...readFailures].filter(o => o.result === 'failed')

export function counts(report: Report) {
  const ids = (kind: Outcome['action']): number[] =>
    report.actions.filter(o => o.action === kind && succeeded(o)).map(o => o.ticketId)
  return {
    followedUp: ids('follow-up'),
    closed: ids('close'),
    failed: failures(report).length,
    deferred: report.actions.filter(o => o.result === 'deferred').length,
    skipped: SKIP_REASONS.reduce((sum, r) => sum + report.skipped[r], 0)
  }
}

/** Step outputs (`report-file` is set by the caller, which wrote the file). */
export function outputs(report: Report): Record<string, string> {
  const c = counts(report)
  return {
    'followed-up': JSON.stringify(c.followedUp),
    closed: JSON.stringify(c.closed),
    'follow-up-count': String(c.followedUp.length),
    'closed-count': String(c.closed.length),
    'skipped-count': String(c.skipped),
    'failed-count': String(c.failed),
    'deferred-count': String(c.deferred),
    'reopened-count': String(report.reopened.length)
  }
}

export const hours = (h: number | null): string => (h === null ? '' : h.toFixed(1))

export function requestLine(stats: ClientStats | null): string {
  if (!stats) return ''
  const byKind = Object.entries(stats.requests)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  return (
    `${stats.total} requests (${byKind || 'none'}); ` +
    // waitedMs also holds Retry-After and retry backoff: not all of it is pacing.
    `paced ${stats.rateLimitWaits} times, ${(stats.waitedMs / 1000).toFixed(1)} s waited in all (pacing, 429s and retries), ` +
    `${stats.throttled} answered 429, ${stats.retries} retried`
  )
}

/** A ticket id as the medium shows it: a Markdown link to the helpdesk, or `#id`. */
export type LinkTo = (id: number) => string

/** The first `max` ids, and how many more there are. */
export const idList = (ids: readonly number[], max: number, link: LinkTo): string =>
  ids.slice(0, max).map(link).join(', ') + (ids.length > max ? ` and ${ids.length - max} more` : '')

/** Which tickets the run looked at, in words; `shown` renders a text of the server's. */
export function listingLine(
  listing: Listing,
  link: LinkTo,
  shown: (text: string) => string
): string {
  switch (listing.kind) {
    case 'open-view':
      return listing.checked
        ? 'Listed the open tickets: no open tickets, checked (the view answered none, and so did the list of every ticket not in the trash).'
        : 'Listed the open tickets (a view of open tickets, filtered by Gorgias).'
    case 'saved-view':
      return `Listed the tickets of saved view ${listing.viewId} (view-id).`
    case 'all-tickets':
      return `Listed every ticket not in the trash (${shown(listing.why)}).`
    case 'ticket-ids':
      return `Read only the tickets asked for (ticket-ids): ${idList(listing.ids, 30, link)}.`
  }
}

export function headline(report: Report): string {
  const c = counts(report)
  const verb = report.dryRun ? 'would be ' : ''
  // ticket-ids lists nothing: the ids asked for, of which those reached were read.
  const seen =
    report.listing.kind === 'ticket-ids'
      ? `${plural(report.ticketsSeen, 'ticket', 'tickets')} asked for (ticket-ids); ${report.candidates} read. `
      : `Read ${plural(report.ticketsSeen, 'ticket', 'tickets')} on ${plural(report.pages, 'page', 'pages')}; ${report.candidates} might be due. `
  return (
    seen +
    `**${c.followedUp.length} ${verb}followed up, ${c.closed.length} ${verb}closed**, ` +
    `${c.failed} failed, ${c.deferred} deferred, ${c.skipped} skipped.`
  )
}

/** A terminal table row: ticket, subject, customer, idle hours, action, result. */
function terminalRow(...cells: [string, string, string, string, string, string]): string {
  const pad = (text: string, width: number): string => {
    const t = terminalCell(text, width)
    return t + ' '.repeat(Math.max(0, width - graphemeLength(t)))
  }
  const [ticket, subject, customer, idle, action, result] = cells
  return `${pad(ticket, 9)} ${pad(subject, 36)} ${pad(customer, 12)} ${idle.padStart(7)}  ${pad(action, 20)} ${result}`
}

/** The same report for a terminal: a plain table, then the counts. No control character gets through. */
export function terminalReport(
  report: Report,
  settings: Settings,
  stats: ClientStats | null
): string {
  const [stopped, timeLimit] = [stopLine(report, settings), timeLimitLine(report)]
  const lines = [
    ...(stopped ? [`Stopped: ${terminalCell(stopped)}`] : []),
    ...(timeLimit ? [`Stopped early: ${timeLimit}`] : []),
    ...report.warnings.map(warning => `Warning: ${terminalCell(warning)}`),
    listingLine(report.listing, id => `#${id}`, terminalCell)
  ]
  const rows = [...report.actions, ...report.readFailures, ...report.housekeeping]
  if (rows.length > 0) {
    lines.push(terminalRow('TICKET', 'SUBJECT', 'CUSTOMER', 'IDLE H', 'ACTION', 'RESULT'))
    for (const o of rows) {
      const [id, customer, idle] = [String(o.ticketId), o.firstName || '-', hours(o.idleHours)]
      const result = terminalCell(resultLabel(o, report.dryRun, o.detail))
      lines.push(terminalRow(id, o.subject, customer, idle, actionLabel(o), result))
    }
    lines.push('')
  }
  lines.push(headline(report).replace(/\*\*/g, ''))
  const reasons = SKIP_REASONS.filter(r => report.skipped[r] > 0)
  if (reasons.length > 0) {
    lines.push(`Skipped: ${reasons.map(r => `${r} ${report.skipped[r]}`).join(', ')}`)
  }
  for (const o of report.notableSkips) {
    const detail = terminalCell(o.detail ?? '')
    lines.push(
      o.skipReason
        ? `  ticket ${o.ticketId} needs a person: ${SKIP_LABELS[o.skipReason]}${detail ? ` (${detail})` : ''}`
        : `  ticket ${o.ticketId}: ${actionLabel(o)} skipped: ${detail}`
    )
  }
  lines.push(...previewsTerminal(report, settings))
  if (report.reopened.length > 0) {
    lines.push(
      `Reopened after an automatic close: ${report.reopened.length} (${report.reopened.map(id => `#${id}`).join(', ')})`
    )
  }
  for (const e of report.explanations) {
    lines.push('', explanationText(e, settings.summaryCustomerDetails))
  }
  if (report.explanations.length > 0) lines.push('')
  if (stats) lines.push(requestLine(stats))
  if (report.dryRun) lines.push('Dry run: nothing was changed in Gorgias.')
  lines.push(`Tickets: https://${settings.domain}.gorgias.com/app/ticket/<id>`)
  return lines.join('\n')
}

/** Why the run stopped before the end, in words for the person who must fix it; null if it did not. */
export function stopLine(
  report: Report,
  settings: Pick<Settings, 'email' | 'domain' | 'apiUrl'>
): string | null {
  return report.stop?.kind === 'credentials'
    ? `${credentialsHelp(report.stop.error, settings)}. The run stopped there: what was done before is listed, due tickets not reached are deferred.`
    : null
}

/** A run that reached time-limit-minutes: not a failure, the next run goes on. Null otherwise. */
export function timeLimitLine(report: Report): string | null {
  return report.stop?.kind === 'time-limit'
    ? `time-limit-minutes (${report.stop.minutes}) reached: no new ticket was started after it; the rest is deferred to the next run.`
    : null
}

/**
 * One-line cause for a failed step; its detail quotes the customer only as the summary may.
 * `listed`: where the reader finds every failure (the CLI has no job summary).
 */
export function failureLine(
  report: Report,
  settings: Settings,
  listed = 'the job summary'
): string | null {
  const failed = failures(report)
  const first = failed[0]
  if (!first) return null
  const example = `ticket ${first.ticketId}: ${oneLine(shownDetail(first, settings) ?? 'error')}`
  return `${failed.length} ticket(s) failed; the others were handled, see ${listed} (first: ${example})`
}

export function reportJson(report: Report, stats: ClientStats | null): string {
  const stop = report.stop?.kind === 'credentials' ? report.stop.error.message : report.stop
  // The counts first, as they read; `skipped` is the total (as skipped-count), not the report's
  // record by reason, which is `skippedByReason`.
  const c = counts(report)
  const json = { ...c, ...report, skipped: c.skipped, stop, skippedByReason: report.skipped }
  return JSON.stringify({ ...json, requests: stats }, null, 2)
}

const ACTION_LABELS: Record<Exclude<Outcome['action'], 'follow-up'>, string> = {
  close: 'close',
  'tag-follow-up': 'add follow-up tag',
  untag: 'remove stale tags',
  check: 'read'
}

/** One ticket's action in words: "follow-up 1/2", "close", "add follow-up tag"... */
export function actionLabel(o: Outcome): string {
  if (o.action !== 'follow-up') return ACTION_LABELS[o.action]
  return o.reminders && o.reminders > 1 ? `follow-up ${o.reminder}/${o.reminders}` : 'follow-up'
}

/** The result in words; `detail` is whatever the sweep, the API or a policy module said. */
export function resultLabel(o: Outcome, dryRun: boolean, detail: string | undefined): string {
  switch (o.result) {
    case 'done':
      return o.action === 'follow-up' ? 'sent' : o.action === 'close' ? 'closed' : 'done'
    case 'would-do':
      return dryRun ? 'would do (dry run)' : 'would do'
    case 'failed':
      return `failed: ${detail ?? 'unknown error'}`
    case 'deferred':
      return `deferred: ${detail ?? 'max-actions reached'}`
    case 'skipped':
      return `skipped: ${detail ?? ''}`
  }
}

const EMAIL_LIKE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+/g

/**
 * A detail (an error, a module's reason) as the summary may show it: with summary-customer-details
 * off, the customer's subject, names and any email address in it are replaced by what they stand for.
 */
export function shownDetail(o: Outcome, settings: Settings): string | undefined {
  if (o.detail === undefined || settings.summaryCustomerDetails) return o.detail
  // Any run of whitespace stands for any other: a server quoting a subject may collapse its line breaks.
  const pattern = (what: string): RegExp =>
    new RegExp(
      what
        .split(/\s+/)
        .map(word => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('\\s+'),
      'gi'
    )
  const replaceAll = (text: string, what: string, by: string): string =>
    what.length < 2 ? text : text.split(pattern(what)).join(by)
  const subject = o.subject.trim()
  let detail = subject.length >= 3 ? replaceAll(o.detail, subject, '[subject]') : o.detail
  detail = detail.replace(EMAIL_LIKE, '[address]')
  // The full name before its parts; 'there' is the greeting's stand-in for no name, not a name.
  const first = o.firstName.trim()
  const names = [...(o.customerNames ?? []), ...(first === 'there' ? [] : [first])]
  for (const name of names.sort((a, b) => b.length - a.length)) {
    detail = replaceAll(detail, name.trim(), '[customer]')
  }
  return detail
}

/**
 * The report as the job log may show it (a summary that could not be written is logged instead):
 * with summary-customer-details false, no subject or name, and details as the summary shows them.
 */
export function forTheLog(report: Report, settings: Settings): Report {
  if (settings.summaryCustomerDetails) return report
  const hide = (o: Outcome): Outcome => ({
    ...o,
    subject: '',
    firstName: '',
    detail: shownDetail(o, settings)
  })
  const { actions, housekeeping, readFailures, notableSkips } = report
  return {
    ...report,
    actions: actions.map(hide),
    housekeeping: housekeeping.map(hide),
    readFailures: readFailures.map(hide),
    notableSkips: notableSkips.map(hide)
  }
}
