import type { Settings } from './config.js'
import { describeSettings } from './settingsTable.js'
import { credentialsHelp } from './secrets.js'
import type { ClientStats } from './gorgias/client.js'
import { explanationMarkdown, explanationText } from './explain.js'
import { SKIP_LABELS, SKIP_REASONS } from './policy/types.js'
import type { Listing, Outcome, Report } from './sweep/types.js'
import { previewsMarkdown, previewsTerminal } from './preview.js'
import {
  escapeMarkdown,
  graphemeLength,
  markdownText,
  oneLine,
  NO_NAME,
  plural,
  terminalCell,
  ticketLink
} from './text.js'

/**
 * Report -> job summary (Markdown), step outputs, terminal text and JSON. Pure. Customer and
 * server texts are escaped in the summary (shown as text, never a link, an image or formatting)
 * and lose every control character in the terminal. The summary stays under GitHub's 1 MiB
 * limit whatever the run did: each per-ticket list is capped, and a last guard cuts the whole.
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

/** GitHub drops a summary over 1 MiB with only an error in the log; room for the run link. */
const SUMMARY_MAX_BYTES = 1_000_000

/** The customer got the follow-up, or the ticket was closed, even if a later step failed. */
const succeeded = (o: Outcome): boolean =>
  o.result === 'done' || o.result === 'would-do' || o.wrote === true

export function counts(report: Report) {
  const ids = (kind: Outcome['action']): number[] =>
    report.actions.filter(o => o.action === kind && succeeded(o)).map(o => o.ticketId)
  const failed = (outcomes: Outcome[]): number => outcomes.filter(o => o.result === 'failed').length
  return {
    followedUp: ids('follow-up'),
    closed: ids('close'),
    failed: failed(report.actions) + failed(report.housekeeping) + report.readFailures.length,
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

const hours = (h: number | null): string => (h === null ? '' : h.toFixed(1))

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

/** A ticket id as the medium shows it: a Markdown link to the helpdesk, or `#id`. */
type LinkTo = (id: number) => string

/** The first `max` ids, and how many more there are. */
const idList = (ids: readonly number[], max: number, link: LinkTo): string =>
  ids.slice(0, max).map(link).join(', ') + (ids.length > max ? ` and ${ids.length - max} more` : '')

/** Which tickets the run looked at, in words; `shown` renders a text of the server's. */
function listingLine(listing: Listing, link: LinkTo, shown: (text: string) => string): string {
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
      return `Read only the tickets asked for (ticket-ids): ${idList(listing.ids, SUMMARY_ROWS.ticketIds, link)}.`
  }
}

function headline(report: Report): string {
  const c = counts(report)
  const verb = report.dryRun ? 'would be ' : ''
  const pages =
    report.listing.kind === 'ticket-ids' ? '' : ` on ${plural(report.pages, 'page', 'pages')}`
  return (
    `Read ${plural(report.ticketsSeen, 'ticket', 'tickets')}${pages}; ${report.candidates} might be due. ` +
    `**${c.followedUp.length} ${verb}followed up, ${c.closed.length} ${verb}closed**, ` +
    `${c.failed} failed, ${c.deferred} deferred, ${c.skipped} skipped.`
  )
}

/** At most `max` rows, a blank line, and how many more there are (`what`) if any. */
function capped<T>(items: readonly T[], max: number, what: string, row: (item: T) => string) {
  const more = items.length - max
  return [...items.slice(0, max).map(row), '', ...(more > 0 ? [`…and ${more} more ${what}.`, ''] : [])] // prettier-ignore
}

const row = (cells: string[]): string => `| ${cells.join(' | ')} |`

/** A Markdown table's head: the titles, then their alignment (`right` ones to the right). */
const tableHead = (titles: string[], right = ''): string[] => [
  row(titles),
  row(titles.map(t => (t === right ? '---:' : '---')))
]

/**
 * The job summary: the run's outcome on top, then each per-ticket list, the explanations asked
 * for, the settings in effect and the requests made; always within GitHub's size limit.
 * `preface`: Markdown shown right after the dry-run line (a dry run's account checklist).
 */
export function summaryMarkdown(
  report: Report,
  settings: Settings,
  stats: ClientStats | null,
  preface = ''
): string {
  const link: LinkTo = id => ticketLink(settings.domain, id)
  const explained = report.explanations.slice(0, SUMMARY_ROWS.explanations)
  const moreExplained = report.explanations.length - explained.length
  return withinSummaryLimit([
    ...summaryHead(report, settings, link, preface),
    ...needsAPerson(report, settings, link),
    ...previewsMarkdown(report, settings, link),
    ...ticketTables(report, settings, link),
    ...tagRepairsSection(report, settings, link),
    ...skippedByReason(report, settings, link),
    ...reopenedSection(report, settings, link),
    ...explained.map(e => explanationMarkdown(e, settings)),
    ...(moreExplained > 0 ? [`…and ${moreExplained} more tickets asked about.`, ''] : []),
    '<details><summary>Settings in effect</summary>',
    '',
    ...tableHead(['Input', 'Value']),
    ...describeSettings(settings).map(([k, v]) => row([markdownText(k, 60), markdownText(v, 120)])),
    '',
    '</details>',
    '',
    `Finished in ${seconds(report).toFixed(1)} s. ${requestLine(stats)}`,
    ''
  ])
}

/** The first line of a dry run's summary: what it was, and how to go live. */
const DRY_RUN_LINE =
  '**Dry run: nothing was changed in Gorgias.** To go live, set the repository variable `GORGIAS_AUTO_CLOSE_LIVE` to `true` (the starter workflows stay dry runs until then).'

/** The summary's own words, once. */
const LEGEND =
  '<em>Might be due</em>: an agent replied long enough ago, so the ticket was read with its messages. ' +
  '<em>Deferred</em>: due, left for the next run (max-actions or time-limit-minutes reached). ' +
  "<em>Tag repairs</em>: this action's own tags put right; nothing sent."

/** The title, why the run stopped (if it did), its warnings, what it listed, and the counts. */
function summaryHead(report: Report, settings: Settings, link: LinkTo, preface: string): string[] {
  const lines: string[] = []
  if (report.dryRun) lines.push(DRY_RUN_LINE, '')
  if (preface !== '') lines.push(preface.trimEnd(), '')
  lines.push(`## Gorgias auto-close: ${settings.domain}${report.dryRun ? ' (dry run)' : ''}`, '')
  const stopped = stopLine(report, settings)
  if (stopped) lines.push(`**Stopped:** ${escapeMarkdown(oneLine(stopped))}`, '')
  const timeLimit = timeLimitLine(report)
  if (timeLimit) lines.push(`**Stopped early:** ${escapeMarkdown(timeLimit)}`, '')
  for (const warning of report.warnings) {
    lines.push(`> **Warning:** ${markdownText(warning, 1000)}`, '')
  }
  lines.push(
    listingLine(report.listing, link, t => markdownText(t, 300)),
    ''
  )
  lines.push(headline(report), '', `<sub>${LEGEND}</sub>`, '')
  return lines
}

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
  const item = (o: Outcome, words: string): string => {
    const detail = shownDetail(o, settings)
    return `- ${link(o.ticketId)}: ${words}${detail ? `: ${markdownText(detail, 200)}` : ''}`
  }
  const failedAction = (o: Outcome): string =>
    o.code === 'policy-module'
      ? 'the policy module failed, nothing was sent'
      : `${actionLabel(o)} ${o.wrote ? 'done, a later step failed' : 'failed'}`
  const failed = (o: Outcome): boolean => o.result === 'failed'
  const items = [
    ...report.actions.filter(failed).map(o => item(o, failedAction(o))),
    ...report.readFailures.map(o => item(o, 'could not be read')),
    ...report.housekeeping
      .filter(failed)
      .map(o => item(o, `tag repair (${actionLabel(o)}) failed`)),
    ...report.notableSkips
      .filter(needsPersonSkip)
      .map(o => `- ${link(o.ticketId)}: ${SKIP_LABELS[o.skipReason!]}`)
  ]
  if (items.length === 0) return []
  const more = 'tickets to look at'
  return [`### Needs a person: ${items.length}`, '', ...capped(items, SUMMARY_ROWS.needsAPerson, more, i => i)] // prettier-ignore
}

/**
 * Follow-ups, closes and the tickets deferred to the next run: a table each, oldest reply first.
 * The customer's subject and name only when summary-customer-details allows.
 */
function ticketTables(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.actions.length === 0) return ['No ticket was due for a follow-up or a close.', '']
  const details = settings.summaryCustomerDetails
  const languages = Object.keys(settings.messages.byLanguage).length
  // Texts from macros: which macro (name, id, language) each customer got.
  const macros = (settings.messages.macros ?? []).length > 0
  const columns: Array<[string, (o: Outcome) => string] | false> = [
    ['Ticket', o => link(o.ticketId)],
    details && ['Subject', o => markdownText(o.subject)],
    details && ['Customer', o => markdownText(o.firstName || NO_NAME, 30)],
    (settings.messagesFile !== null || languages > 1) && ['Language', o => markdownText(o.language ?? '', 20)], // prettier-ignore
    macros && ['Text', o => markdownText(o.textSource ?? '', 60)],
    ['Hours idle', o => hours(o.idleHours)],
    ['Action', actionLabel],
    ['Result', o => markdownText(resultLabel(o, report.dryRun, shownDetail(o, settings)), 120)]
  ]
  const shown = columns.filter(c => c !== false)
  const table = (title: string, outcomes: Outcome[], max: number, more: string): string[] =>
    outcomes.length === 0
      ? []
      : [
          `### ${title}: ${outcomes.length}`,
          '',
          ...tableHead(
            shown.map(([title]) => title),
            'Hours idle'
          ),
          ...capped(outcomes, max, more, o => row(shown.map(([, cell]) => cell(o))))
        ]
  // Oldest first by the hours the reader sees (the sweep's order is close to it, not equal).
  const settled = report.actions
    .filter(o => o.result !== 'deferred')
    .sort((a, b) => (b.idleHours ?? -1) - (a.idleHours ?? -1))
  const planned = (action: Outcome['action']) => settled.filter(o => o.action === action)
  const [sent, closed] = report.dryRun ? [' (would be sent)', ' (would be closed)'] : ['', '']
  return [
    ...table(`Follow-ups${sent}`, planned('follow-up'), SUMMARY_ROWS.actions, 'follow-ups (see the counts above)'), // prettier-ignore
    ...table(`Closes${closed}`, planned('close'), SUMMARY_ROWS.actions, 'closes (see the counts above)'), // prettier-ignore
    ...table('Deferred to the next run', report.actions.filter(o => o.result === 'deferred'), SUMMARY_ROWS.deferred, 'deferred to the next run') // prettier-ignore
  ]
}

/** Tag repairs (a follow-up tag added, stale tags removed), ticket by ticket. */
function tagRepairsSection(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.housekeeping.length === 0) return []
  const repair = (o: Outcome): string => {
    const detail = shownDetail(o, settings)
    return o.result === 'failed'
      ? row([link(o.ticketId), actionLabel(o), `failed: ${markdownText(detail ?? '', 120)}`])
      : row([
          link(o.ticketId),
          markdownText(detail ?? actionLabel(o)),
          markdownText(resultLabel(o, report.dryRun, detail), 120)
        ])
  }
  return [
    '### Tag repairs',
    '',
    ...tableHead(['Ticket', 'Change', 'Result']),
    ...capped(report.housekeeping, SUMMARY_ROWS.tagRepairs, 'tag repairs', repair)
  ]
}

/** The skips counted by reason, then the notable ones ticket by ticket. */
function skippedByReason(report: Report, settings: Settings, link: LinkTo): string[] {
  const lines: string[] = []
  const reasons = SKIP_REASONS.filter(r => report.skipped[r] > 0)
  if (reasons.length > 0) {
    lines.push('### Skipped, by reason', '', ...tableHead(['Reason', 'Tickets'], 'Tickets'))
    for (const r of reasons)
      lines.push(row([`\`${r}\`: ${SKIP_LABELS[r]}`, `${report.skipped[r]}`]))
    lines.push('')
  }
  const notable = report.notableSkips.filter(o => !needsPersonSkip(o))
  if (notable.length > 0) {
    const skip = (o: Outcome): string =>
      row([link(o.ticketId), actionLabel(o), markdownText(shownDetail(o, settings) ?? '', 120)])
    lines.push(...tableHead(['Ticket', 'Planned', 'Skipped because']))
    lines.push(...capped(notable, SUMMARY_ROWS.notableSkips, 'skipped tickets', skip))
  }
  return lines
}

/** Open tickets that carry the closed-tag: someone came back after an automatic close. */
function reopenedSection(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.reopened.length === 0) return []
  return [
    `### Reopened after an automatic close: ${report.reopened.length}`,
    '',
    `Open tickets that carry ${markdownText(settings.closedTag, 100)}: the customer (or an agent) came back. ` +
      `${idList(report.reopened, SUMMARY_ROWS.reopened, link)}.`,
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

/** The summary of a run that stopped before it had a report (bad settings, refused key, ...). */
export function stoppedSummary(message: string, settings: Pick<Settings, 'domain'> | null): string {
  const reason = message
    .split(/\r?\n/)
    .map(line => escapeMarkdown(oneLine(line)))
    .filter(line => line !== '')
    .join('  \n')
  const title = settings ? `## Gorgias auto-close: ${settings.domain}` : '## Gorgias auto-close'
  return withinSummaryLimit([title, '', `**Stopped:** ${reason}`, ''])
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
  const stop = report.stop?.kind === 'credentials' ? report.stop.error.message : report.stop
  const json = { ...counts(report), ...report, stop, skippedByReason: report.skipped }
  return JSON.stringify({ ...json, requests: stats }, null, 2)
}

const ACTION_LABELS: Record<Exclude<Outcome['action'], 'follow-up'>, string> = {
  close: 'close',
  'tag-follow-up': 'add follow-up tag',
  untag: 'remove stale tags',
  check: 'read'
}

/** One ticket's action in words: "follow-up 1/2", "close", "add follow-up tag"... */
function actionLabel(o: Outcome): string {
  if (o.action !== 'follow-up') return ACTION_LABELS[o.action]
  return o.reminders && o.reminders > 1 ? `follow-up ${o.reminder}/${o.reminders}` : 'follow-up'
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
  const replaceAll = (text: string, what: string, by: string): string =>
    what.length < 2
      ? text
      : text.split(new RegExp(what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')).join(by)
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
