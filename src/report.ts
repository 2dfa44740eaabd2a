import { describeSettings, type Settings } from './config.js'
import { credentialsHelp } from './secrets.js'
import type { ClientStats } from './gorgias/client.js'
import { explanationMarkdown, explanationText } from './explain.js'
import { SKIP_LABELS, SKIP_REASONS } from './policy.js'
import type { Listing, Outcome, Report } from './sweep/types.js'
import {
  escapeMarkdown,
  graphemeLength,
  markdownText,
  oneLine,
  terminalText as plain,
  ticketLink
} from './text.js'

/**
 * Report -> job summary (Markdown), step outputs, terminal text and JSON. Pure.
 *
 * Subjects, names and error texts come from customers and servers: in the summary they are
 * escaped so that GitHub shows them as text (never a link, an image or formatting), in the
 * terminal they lose every control character. The summary stays under GitHub's 1 MiB limit
 * whatever the run did: each per-ticket list is capped, and a last guard cuts the whole.
 */

/** Rows listed one by one in the summary, per list; the rest are counted in an "…and N more" line. */
export const SUMMARY_ROWS = {
  actions: 300,
  readFailures: 50,
  deferred: 25,
  housekeeping: 100,
  notableSkips: 100,
  reopened: 100,
  ticketIds: 30,
  explanations: 100
} as const

/**
 * GitHub drops a job summary over 1 MiB (1,048,576 bytes) with only an error in the log; this
 * leaves room for the run link the action appends.
 */
export const SUMMARY_MAX_BYTES = 1_000_000

export interface Counts {
  followedUp: number[]
  closed: number[]
  failed: number
  deferred: number
  skipped: number
}

/** The customer got the follow-up, or the ticket was closed, even if a later step failed. */
const succeeded = (o: Outcome): boolean =>
  o.result === 'done' || o.result === 'would-do' || o.wrote === true

export function counts(report: Report): Counts {
  const ids = (kind: Outcome['action']): number[] =>
    report.actions.filter(o => o.action === kind && succeeded(o)).map(o => o.ticketId)
  return {
    followedUp: ids('follow-up'),
    closed: ids('close'),
    failed:
      report.actions.filter(o => o.result === 'failed').length +
      report.housekeeping.filter(o => o.result === 'failed').length +
      report.readFailures.length,
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

function actionLabel(o: Outcome): string {
  switch (o.action) {
    case 'follow-up':
      return o.reminders && o.reminders > 1 ? `follow-up ${o.reminder}/${o.reminders}` : 'follow-up'
    case 'close':
      return 'close'
    case 'tag-follow-up':
      return 'add follow-up tag'
    case 'untag':
      return 'remove stale tags'
    case 'check':
      return 'read'
  }
}

/** The result in words; `detail` is whatever the sweep, the API or a policy module said. */
function resultLabel(o: Outcome, dryRun: boolean, detail: string | undefined): string {
  switch (o.result) {
    case 'done':
      return o.action === 'follow-up' ? 'sent' : o.action === 'close' ? 'closed' : 'done'
    case 'would-do':
      return dryRun ? 'would do (dry run)' : 'would do'
    case 'failed':
      return `failed: ${detail ?? 'unknown error'}`
    case 'deferred':
      // max-actions reached, time limit reached, or not read: ...
      return `deferred: ${detail ?? 'max-actions reached'}`
    case 'skipped':
      return `skipped: ${detail ?? ''}`
  }
}

const EMAIL_LIKE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+/g

/**
 * A detail (an error, a module's reason) as the summary may show it. With summary-customer-details
 * off it must not quote the customer either: their subject, name and any email address in it
 * are replaced by what they stand for.
 */
function shownDetail(o: Outcome, settings: Settings): string | undefined {
  if (o.detail === undefined || settings.summaryCustomerDetails) return o.detail
  let detail = o.detail
  const replaceAll = (text: string, what: string, by: string): string =>
    what.length < 2 ? text : text.split(new RegExp(escapeRegExp(what), 'gi')).join(by)
  const subject = o.subject.trim()
  if (subject.length >= 3) detail = replaceAll(detail, subject, '[subject]')
  // 'there' is the greeting's stand-in for an unknown name, not a name.
  const name = o.firstName.trim()
  if (name !== 'there') detail = replaceAll(detail, name, '[customer]')
  return detail.replace(EMAIL_LIKE, '[address]')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function hours(h: number | null): string {
  return h === null ? '' : h.toFixed(1)
}

export function requestLine(stats: ClientStats | null): string {
  if (!stats) return ''
  const byKind = Object.entries(stats.requests)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  return (
    `${stats.total} requests (${byKind || 'none'}); ` +
    `paced ${stats.rateLimitWaits} times (${(stats.waitedMs / 1000).toFixed(1)} s), ` +
    `${stats.throttled} answered 429, ${stats.retries} retried`
  )
}

/** A ticket id as a Markdown link to the ticket in the helpdesk (see ticketLink). */
type LinkTo = (id: number) => string

/** Which tickets the run looked at, in words; `linkTo` renders a ticket id, `shown` a text. */
function listingLine(listing: Listing, linkTo: LinkTo, shown: (text: string) => string): string {
  switch (listing.kind) {
    case 'open-view':
      return listing.checked
        ? 'Listed the open tickets: no open tickets, checked (the view answered none, and so did the list of every ticket not in the trash).'
        : 'Listed the open tickets (a view of open tickets, filtered by Gorgias).'
    case 'saved-view':
      return `Listed the tickets of saved view ${listing.viewId} (view-id).`
    case 'all-tickets':
      return `Listed every ticket not in the trash (${shown(listing.why)}).`
    case 'ticket-ids': {
      const shown = listing.ids.slice(0, SUMMARY_ROWS.ticketIds).map(linkTo).join(', ')
      const more = listing.ids.length - SUMMARY_ROWS.ticketIds
      return `Read only the tickets asked for (ticket-ids): ${shown}${more > 0 ? ` and ${more} more` : ''}.`
    }
  }
}

function headline(report: Report): string {
  const c = counts(report)
  const verb = report.dryRun ? 'would be ' : ''
  return (
    `Read ${report.ticketsSeen} tickets on ${report.pages} pages; ${report.candidates} might be due. ` +
    `**${c.followedUp.length} ${verb}followed up, ${c.closed.length} ${verb}closed**, ` +
    `${c.failed} failed, ${c.deferred} deferred, ${c.skipped} skipped.`
  )
}

/** The first `max` items, and how many were left out. */
function capped<T>(items: readonly T[], max: number): { shown: readonly T[]; more: number } {
  return { shown: items.slice(0, max), more: Math.max(0, items.length - max) }
}

const moreLine = (more: number, what: string): string[] =>
  more > 0 ? [`…and ${more} more ${what}.`, ''] : []

/**
 * The job summary: the run's outcome on top, then each per-ticket list, the explanations asked
 * for, the settings in effect and the requests made; always within GitHub's size limit.
 */
export function summaryMarkdown(
  report: Report,
  settings: Settings,
  stats: ClientStats | null
): string {
  const link: LinkTo = id => ticketLink(settings.domain, id)
  return withinSummaryLimit([
    ...summaryHead(report, settings, link),
    ...ticketTable(report, settings, link),
    ...tagRepairs(report, settings, link),
    ...skippedByReason(report, settings, link),
    ...reopenedSection(report, settings, link),
    ...explanations(report, settings),
    ...settingsInEffect(settings),
    `Finished in ${seconds(report).toFixed(1)} s. ${requestLine(stats)}`,
    ''
  ])
}

/** The title, why the run stopped (if it did), its warnings, what it listed, and the counts. */
function summaryHead(report: Report, settings: Settings, link: LinkTo): string[] {
  const lines: string[] = []
  const title = report.dryRun ? ' (dry run: nothing was changed)' : ''
  lines.push(`## Gorgias auto-close: ${settings.domain}${title}`, '')
  const stopped = stopLine(report, settings)
  if (stopped) lines.push(`**Stopped:** ${escapeMarkdown(oneLine(stopped))}`, '')
  const timeLimit = timeLimitLine(report)
  if (timeLimit) lines.push(`**Stopped early:** ${escapeMarkdown(timeLimit)}`, '')
  for (const warning of report.warnings) {
    lines.push(`> **Warning:** ${markdownText(warning, 1000)}`, '')
  }
  lines.push(
    listingLine(report.listing, link, t => markdownText(t, 300)),
    '',
    headline(report),
    ''
  )
  return lines
}

/**
 * Follow-ups and closes, then tickets that could not be read, then those deferred: one table.
 * The customer's subject and name only when summary-customer-details allows.
 */
function ticketTable(report: Report, settings: Settings, link: LinkTo): string[] {
  const details = settings.summaryCustomerDetails
  const withLanguage = settings.messagesFile !== null
  const customerColumns = (o: Outcome): string[] =>
    details ? [markdownText(o.subject), markdownText(o.firstName, 30)] : []
  const header = [
    'Ticket',
    ...(details ? ['Subject', 'Customer'] : []),
    ...(withLanguage ? ['Language'] : []),
    'Hours idle',
    'Action',
    'Result'
  ]
  const align = header.map(h => (h === 'Hours idle' ? '---:' : '---'))
  const row = (o: Outcome): string =>
    `| ${[
      link(o.ticketId),
      ...customerColumns(o),
      ...(withLanguage ? [markdownText(o.language ?? '', 20)] : []),
      hours(o.idleHours),
      actionLabel(o),
      markdownText(resultLabel(o, report.dryRun, shownDetail(o, settings)), 120)
    ].join(' | ')} |`

  const acted = capped(
    report.actions.filter(o => o.result !== 'deferred'),
    SUMMARY_ROWS.actions
  )
  const readFailures = capped(report.readFailures, SUMMARY_ROWS.readFailures)
  const deferred = capped(
    report.actions.filter(o => o.result === 'deferred'),
    SUMMARY_ROWS.deferred
  )
  const rows = [...acted.shown, ...readFailures.shown, ...deferred.shown]
  if (rows.length === 0) return ['No ticket was due for a follow-up or a close.', '']
  return [
    `| ${header.join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...rows.map(row),
    '',
    ...moreLine(acted.more, 'follow-ups and closes (see the counts above)'),
    ...moreLine(readFailures.more, 'tickets that could not be read'),
    ...moreLine(deferred.more, 'deferred to the next run')
  ]
}

/** Tag repairs (a follow-up tag added, stale tags removed), ticket by ticket. */
function tagRepairs(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.housekeeping.length === 0) return []
  const repairs = capped(report.housekeeping, SUMMARY_ROWS.housekeeping)
  const lines = ['### Tag repairs', '', '| Ticket | Change | Result |', '| --- | --- | --- |']
  for (const o of repairs.shown) {
    const detail = shownDetail(o, settings)
    const failed = o.result === 'failed'
    const result = failed
      ? `failed: ${markdownText(detail ?? '', 120)}`
      : markdownText(resultLabel(o, report.dryRun, detail), 120)
    const change = failed ? actionLabel(o) : markdownText(detail ?? actionLabel(o))
    lines.push(`| ${link(o.ticketId)} | ${change} | ${result} |`)
  }
  lines.push('', ...moreLine(repairs.more, 'tag repairs'))
  return lines
}

/** The skips counted by reason, then the notable ones ticket by ticket. */
function skippedByReason(report: Report, settings: Settings, link: LinkTo): string[] {
  const lines: string[] = []
  const reasons = SKIP_REASONS.filter(r => report.skipped[r] > 0)
  if (reasons.length > 0) {
    lines.push('### Skipped, by reason', '', '| Reason | Tickets |', '| --- | ---: |')
    for (const r of reasons) lines.push(`| \`${r}\`: ${SKIP_LABELS[r]} | ${report.skipped[r]} |`)
    lines.push('')
  }
  if (report.notableSkips.length > 0) {
    const notable = capped(report.notableSkips, SUMMARY_ROWS.notableSkips)
    lines.push('| Ticket | Planned | Skipped because |', '| --- | --- | --- |')
    for (const o of notable.shown) {
      lines.push(
        `| ${link(o.ticketId)} | ${actionLabel(o)} | ${markdownText(shownDetail(o, settings) ?? '', 120)} |`
      )
    }
    lines.push('', ...moreLine(notable.more, 'skipped tickets'))
  }
  return lines
}

/** Open tickets that carry the closed-tag: someone came back after an automatic close. */
function reopenedSection(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.reopened.length === 0) return []
  const reopened = capped(report.reopened, SUMMARY_ROWS.reopened)
  return [
    `### Reopened after an automatic close: ${report.reopened.length}`,
    '',
    `Open tickets that carry ${markdownText(settings.closedTag, 100)}: the customer (or an agent) came back. ` +
      reopened.shown.map(link).join(', ') +
      (reopened.more > 0 ? ` and ${reopened.more} more.` : '.'),
    ''
  ]
}

/** The tickets asked about (ticket-ids), each explained step by step. */
function explanations(report: Report, settings: Settings): string[] {
  const shown = capped(report.explanations, SUMMARY_ROWS.explanations)
  return [
    ...shown.shown.map(e => explanationMarkdown(e, settings)),
    ...moreLine(shown.more, 'tickets asked about')
  ]
}

/** Every setting in effect, folded away. */
function settingsInEffect(settings: Settings): string[] {
  return [
    '<details><summary>Settings in effect</summary>',
    '',
    '| Input | Value |',
    '| --- | --- |',
    ...describeSettings(settings).map(
      ([name, value]) => `| ${markdownText(name, 60)} | ${markdownText(value, 120)} |`
    ),
    '',
    '</details>',
    ''
  ]
}

const seconds = (report: Report): number =>
  (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000

/**
 * The last guard of the size limit: cuts at a line when the whole would not fit, closes a
 * `<details>` left open, and says so. The counts at the top are complete either way.
 */
export function withinSummaryLimit(lines: string[], maxBytes = SUMMARY_MAX_BYTES): string {
  const whole = lines.join('\n')
  if (Buffer.byteLength(whole) <= maxBytes) return whole
  const note = [
    '',
    `…the rest of this summary is left out: it would pass GitHub's size limit for a job summary. The counts above are complete; the CLI's --json output, or report-file, lists every ticket.`,
    ''
  ]
  const budget = maxBytes - Buffer.byteLength(`${note.join('\n')}\n</details>\n`)
  const kept: string[] = []
  let bytes = 0
  let openDetails = false
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1
    if (bytes + size > budget) break
    kept.push(line)
    bytes += size
    if (line.startsWith('<details>')) openDetails = true
    if (line.startsWith('</details>')) openDetails = false
  }
  if (openDetails) kept.push('', '</details>')
  return [...kept, ...note].join('\n')
}

/**
 * The job summary of a run that could not start or stopped before it had a report (bad settings,
 * rejected credentials, a listing that failed): the reason, as text.
 */
export function stoppedSummary(message: string, settings: Pick<Settings, 'domain'> | null): string {
  const reason = message
    .split(/\r?\n/)
    .map(line => escapeMarkdown(oneLine(line)))
    .filter(line => line !== '')
    .join('  \n')
  return withinSummaryLimit([
    settings ? `## Gorgias auto-close: ${settings.domain}` : '## Gorgias auto-close',
    '',
    `**Stopped:** ${reason}`,
    ''
  ])
}

function pad(text: string, width: number): string {
  const t = plain(text, width)
  return t + ' '.repeat(Math.max(0, width - graphemeLength(t)))
}

/** The same report for a terminal: a plain table, then the counts. No control character gets through. */
export function terminalText(
  report: Report,
  settings: Settings,
  stats: ClientStats | null
): string {
  const lines: string[] = []
  const stopped = stopLine(report, settings)
  if (stopped) lines.push(`Stopped: ${plain(stopped)}`)
  const timeLimit = timeLimitLine(report)
  if (timeLimit) lines.push(`Stopped early: ${timeLimit}`)
  for (const warning of report.warnings) lines.push(`Warning: ${plain(warning)}`)
  lines.push(listingLine(report.listing, id => `#${id}`, plain))
  const rows = [...report.actions, ...report.readFailures, ...report.housekeeping]
  if (rows.length > 0) {
    lines.push(
      `${pad('TICKET', 9)} ${pad('SUBJECT', 36)} ${pad('CUSTOMER', 12)} ${'IDLE H'.padStart(7)}  ${pad('ACTION', 20)} RESULT`
    )
    for (const o of rows) {
      lines.push(
        `${pad(String(o.ticketId), 9)} ${pad(o.subject, 36)} ${pad(o.firstName, 12)} ${hours(o.idleHours).padStart(7)}  ${pad(actionLabel(o), 20)} ${plain(resultLabel(o, report.dryRun, o.detail))}`
      )
    }
    lines.push('')
  }
  lines.push(headline(report).replace(/\*\*/g, ''))
  const reasons = SKIP_REASONS.filter(r => report.skipped[r] > 0)
  if (reasons.length > 0) {
    lines.push(`Skipped: ${reasons.map(r => `${r} ${report.skipped[r]}`).join(', ')}`)
  }
  for (const o of report.notableSkips) {
    lines.push(`  ticket ${o.ticketId}: ${actionLabel(o)} skipped: ${plain(o.detail ?? '')}`)
  }
  if (report.reopened.length > 0) {
    lines.push(
      `Reopened after an automatic close: ${report.reopened.length} (${report.reopened.map(id => `#${id}`).join(', ')})`
    )
  }
  for (const e of report.explanations) lines.push('', explanationText(e))
  if (report.explanations.length > 0) lines.push('')
  if (stats) lines.push(requestLine(stats))
  if (report.dryRun) lines.push('Dry run: nothing was changed in Gorgias.')
  lines.push(`Tickets: https://${settings.domain}.gorgias.com/app/ticket/<id>`)
  return lines.join('\n')
}

/** Why the run stopped before the end, in words for the person who must fix it; null if it did not. */
export function stopLine(
  report: Report,
  settings: Pick<Settings, 'email' | 'domain'>
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

/** One-line cause for a failed step. */
export function failureLine(report: Report): string | null {
  const c = counts(report)
  if (c.failed === 0) return null
  const first = [...report.actions, ...report.housekeeping, ...report.readFailures].find(
    o => o.result === 'failed'
  )
  const example = first
    ? ` (first: ticket ${first.ticketId}: ${oneLine(first.detail ?? 'error')})`
    : ''
  return `${c.failed} ticket(s) failed; the others were handled, see the job summary${example}`
}

export function reportJson(report: Report, stats: ClientStats | null): string {
  return JSON.stringify(
    {
      ...counts(report),
      ...report,
      stop: report.stop?.kind === 'credentials' ? report.stop.error.message : report.stop,
      skippedByReason: report.skipped,
      requests: stats
    },
    null,
    2
  )
}
