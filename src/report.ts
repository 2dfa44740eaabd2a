import type { Settings } from './config.js'
import { describeSettings } from './settingsTable.js'
import { plural } from './text.js'
import { actionLabel, resultLabel, shownDetail } from './outcomeText.js'
import { credentialsHelp } from './stop.js'
import type { ClientStats } from './gorgias/client.js'
import { explanationMarkdown, explanationText } from './explain.js'
import { SKIP_LABELS, SKIP_REASONS } from './policy/types.js'
import type { Listing, Outcome, Report } from './sweep/types.js'
import {
  escapeMarkdown,
  graphemeLength,
  markdownText,
  oneLine,
  NO_NAME,
  terminalCell,
  ticketLink
} from './text.js'
import { previewsMarkdown, previewsTerminal } from './previews.js'

/**
 * Report -> job summary (Markdown), step outputs, terminal text and JSON. Pure.
 *
 * Subjects, names and error texts come from customers and servers: in the summary they are
 * escaped so that GitHub shows them as text (never a link, an image or formatting), in the
 * terminal they lose every control character. The summary stays under GitHub's 1 MiB limit
 * whatever the run did: each per-ticket list is capped, and a last guard cuts the whole.
 */

/** Rows listed one by one in the summary, per list; the rest are counted in an "…and N more" line. */
const SUMMARY_ROWS = {
  actions: 300,
  readFailures: 50,
  deferred: 25,
  tagRepairs: 100,
  notableSkips: 100,
  reopened: 100,
  ticketIds: 30,
  explanations: 100,
  needsAPerson: 100
} as const

/**
 * GitHub drops a job summary over 1 MiB (1,048,576 bytes) with only an error in the log; this
 * leaves room for the run link the action appends.
 */
const SUMMARY_MAX_BYTES = 1_000_000

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
  const listed =
    report.listing.kind === 'ticket-ids'
      ? `Read ${plural(report.ticketsSeen, 'ticket', 'tickets')}`
      : `Read ${plural(report.ticketsSeen, 'ticket', 'tickets')} on ${plural(report.pages, 'page', 'pages')}`
  return (
    `${listed}; ${report.candidates} might be due. ` +
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
  stats: ClientStats | null,
  /** Markdown shown right after the dry-run line (a dry run's account checklist) */
  preface = ''
): string {
  const link: LinkTo = id => ticketLink(settings.domain, id)
  return withinSummaryLimit([
    ...summaryHead(report, settings, link, preface),
    ...needsAPerson(report, settings, link),
    ...previewsMarkdown(report, settings, link),
    ...ticketTables(report, settings, link),
    ...tagRepairsSection(report, settings, link),
    ...skippedByReason(report, settings, link),
    ...reopenedSection(report, settings, link),
    ...explanations(report, settings),
    ...settingsInEffect(settings),
    `Finished in ${seconds(report).toFixed(1)} s. ${requestLine(stats)}`,
    ''
  ])
}

/** The title, why the run stopped (if it did), its warnings, what it listed, and the counts. */
function summaryHead(report: Report, settings: Settings, link: LinkTo, preface: string): string[] {
  const lines: string[] = []
  if (report.dryRun) lines.push(DRY_RUN_LINE, '')
  if (preface !== '') lines.push(preface.trimEnd(), '')
  const title = report.dryRun ? ' (dry run)' : ''
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
    '',
    `<sub>${LEGEND}</sub>`,
    ''
  )
  return lines
}

/** The first line of a dry run's summary: what it was, and how to go live. */
const DRY_RUN_LINE =
  '**Dry run: nothing was changed in Gorgias.** To go live, set the repository variable `GORGIAS_AUTO_CLOSE_LIVE` to `true` (the starter workflows stay dry runs until then).'

/** The summary's own words, once. */
const LEGEND =
  '<em>Might be due</em>: an agent replied long enough ago, so the ticket was read with its messages. ' +
  '<em>Deferred</em>: due, left for the next run (max-actions or time-limit-minutes reached). ' +
  "<em>Tag repairs</em>: this action's own tags put right; nothing sent."

/** Skips no later run resolves by itself: a person has to look. */
const PERSON_SKIPS: ReadonlySet<string> = new Set([
  'no-customer-address',
  'reply-failed',
  'unreadable'
])

const needsPersonSkip = (o: Outcome): boolean =>
  o.skipReason !== undefined && PERSON_SKIPS.has(o.skipReason)

/**
 * Tickets a person has to look at, with links: a follow-up or close that failed, a ticket that
 * could not be read, a tag repair that failed, a policy-module error, no address to write to.
 */
function needsAPerson(report: Report, settings: Settings, link: LinkTo): string[] {
  const items: string[] = []
  const why = (o: Outcome, words: string): string => {
    const detail = shownDetail(o, settings)
    return `- ${link(o.ticketId)}: ${words}${detail ? `: ${markdownText(detail, 200)}` : ''}`
  }
  for (const o of report.actions) {
    if (o.result !== 'failed') continue
    if (o.code === 'policy-module') items.push(why(o, 'the policy module failed, nothing was sent'))
    else if (o.wrote) items.push(why(o, `${actionLabel(o)} done, a later step failed`))
    else items.push(why(o, `${actionLabel(o)} failed`))
  }
  for (const o of report.readFailures) items.push(why(o, 'could not be read'))
  for (const o of report.housekeeping) {
    if (o.result === 'failed') items.push(why(o, `tag repair (${actionLabel(o)}) failed`))
  }
  for (const o of report.notableSkips.filter(needsPersonSkip)) {
    items.push(`- ${link(o.ticketId)}: ${SKIP_LABELS[o.skipReason!]}`)
  }
  if (items.length === 0) return []
  const shown = capped(items, SUMMARY_ROWS.needsAPerson)
  return [
    `### Needs a person: ${items.length}`,
    '',
    ...shown.shown,
    '',
    ...moreLine(shown.more, 'tickets to look at')
  ]
}

/**
 * Follow-ups, closes and the tickets deferred to the next run: a table each, oldest reply first
 * (the order the sweep takes them in). The customer's subject and name only when
 * summary-customer-details allows.
 */
function ticketTables(report: Report, settings: Settings, link: LinkTo): string[] {
  const details = settings.summaryCustomerDetails
  const withLanguage =
    settings.messagesFile !== null || Object.keys(settings.messages.byLanguage).length > 1
  // Texts from macros: which macro (name, id, language) each customer got.
  const withSource = (settings.messages.macros ?? []).length > 0
  const customerColumns = (o: Outcome): string[] =>
    details ? [markdownText(o.subject), markdownText(o.firstName || NO_NAME, 30)] : []
  const header = [
    'Ticket',
    ...(details ? ['Subject', 'Customer'] : []),
    ...(withLanguage ? ['Language'] : []),
    ...(withSource ? ['Text'] : []),
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
      ...(withSource ? [markdownText(o.textSource ?? '', 60)] : []),
      hours(o.idleHours),
      actionLabel(o),
      markdownText(resultLabel(o, report.dryRun, shownDetail(o, settings)), 120)
    ].join(' | ')} |`
  const table = (title: string, outcomes: Outcome[], max: number, more: string): string[] => {
    if (outcomes.length === 0) return []
    const rows = capped(outcomes, max)
    return [
      `### ${title}: ${outcomes.length}`,
      '',
      `| ${header.join(' | ')} |`,
      `| ${align.join(' | ')} |`,
      ...rows.shown.map(row),
      '',
      ...moreLine(rows.more, more)
    ]
  }
  // Oldest first by the hours the reader sees (the sweep's order is close to it, not equal).
  const oldestFirst = (a: Outcome, b: Outcome): number => (b.idleHours ?? -1) - (a.idleHours ?? -1)
  const settled = report.actions.filter(o => o.result !== 'deferred').sort(oldestFirst)
  const followUps = settled.filter(o => o.action === 'follow-up')
  const closes = settled.filter(o => o.action === 'close')
  const deferred = report.actions.filter(o => o.result === 'deferred')
  if (settled.length + deferred.length === 0) {
    return ['No ticket was due for a follow-up or a close.', '']
  }
  const verb = report.dryRun ? ' (would be sent)' : ''
  return [
    ...table(
      `Follow-ups${verb}`,
      followUps,
      SUMMARY_ROWS.actions,
      'follow-ups (see the counts above)'
    ),
    ...table(
      `Closes${report.dryRun ? ' (would be closed)' : ''}`,
      closes,
      SUMMARY_ROWS.actions,
      'closes (see the counts above)'
    ),
    ...table(
      'Deferred to the next run',
      deferred,
      SUMMARY_ROWS.deferred,
      'deferred to the next run'
    )
  ]
}

/** Tag repairs (a follow-up tag added, stale tags removed), ticket by ticket. */
function tagRepairsSection(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.housekeeping.length === 0) return []
  const repairs = capped(report.housekeeping, SUMMARY_ROWS.tagRepairs)
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
  const notableSkips = report.notableSkips.filter(o => !needsPersonSkip(o))
  if (notableSkips.length > 0) {
    const notable = capped(notableSkips, SUMMARY_ROWS.notableSkips)
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
  const t = terminalCell(text, width)
  return t + ' '.repeat(Math.max(0, width - graphemeLength(t)))
}

/** The same report for a terminal: a plain table, then the counts. No control character gets through. */
export function terminalReport(
  report: Report,
  settings: Settings,
  stats: ClientStats | null
): string {
  const lines: string[] = []
  const stopped = stopLine(report, settings)
  if (stopped) lines.push(`Stopped: ${terminalCell(stopped)}`)
  const timeLimit = timeLimitLine(report)
  if (timeLimit) lines.push(`Stopped early: ${timeLimit}`)
  for (const warning of report.warnings) lines.push(`Warning: ${terminalCell(warning)}`)
  lines.push(listingLine(report.listing, id => `#${id}`, terminalCell))
  const rows = [...report.actions, ...report.readFailures, ...report.housekeeping]
  if (rows.length > 0) {
    lines.push(
      `${pad('TICKET', 9)} ${pad('SUBJECT', 36)} ${pad('CUSTOMER', 12)} ${'IDLE H'.padStart(7)}  ${pad('ACTION', 20)} RESULT`
    )
    for (const o of rows) {
      lines.push(
        `${pad(String(o.ticketId), 9)} ${pad(o.subject, 36)} ${pad(o.firstName || '-', 12)} ${hours(o.idleHours).padStart(7)}  ${pad(actionLabel(o), 20)} ${terminalCell(resultLabel(o, report.dryRun, o.detail))}`
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

/** One-line cause for a failed step; its detail quotes the customer only as the summary may. */
export function failureLine(report: Report, settings: Settings): string | null {
  const c = counts(report)
  if (c.failed === 0) return null
  const first = [...report.actions, ...report.housekeeping, ...report.readFailures].find(
    o => o.result === 'failed'
  )
  const example = first
    ? ` (first: ticket ${first.ticketId}: ${oneLine(shownDetail(first, settings) ?? 'error')})`
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
