import type { Settings } from './config.js'
import type { ClientStats } from './gorgias/transport.js'
import { explanationMarkdown } from './explain.js'
import type { MessageCatalog } from './messages.js'
import { SKIP_LABELS, SKIP_REASONS } from './policy/types.js'
import { previewsMarkdown } from './preview.js'
import {
  actionLabel,
  headline,
  hours,
  listingLine,
  requestLine,
  resultLabel,
  idList,
  shownDetail,
  stopLine,
  timeLimitLine,
  type LinkTo
} from './report.js'
import type { Outcome, Report } from './sweep/types.js'
import { escapeMarkdown, markdownText, NO_NAME, oneLine, ticketLink } from './text.js'

/**
 * The job summary (Markdown). Customer and server texts are escaped: GitHub shows them as text,
 * never a link, an image or formatting. It stays under GitHub's 1 MiB limit whatever the run did:
 * each per-ticket list is capped, and a last guard cuts the whole.
 */

/** Rows listed one by one per list (follow-ups and closes: 300, deferred: 25), then "…and N more". */
const ROWS = 100

/** GitHub drops a summary over 1 MiB with only an error in the log; room for the run link. */
const SUMMARY_MAX_BYTES = 1_000_000

/** At most `max` rows, a blank line, and how many more there are (`what`) if any. */
function capped<T>(items: readonly T[], max: number, what: string, row: (item: T) => string) {
  const more = items.length - max
  const moreLine = more > 0 ? [`…and ${more} more ${what}.`, ''] : []
  return [...items.slice(0, max).map(row), '', ...moreLine]
}

const row = (cells: string[]): string => `| ${cells.join(' | ')} |`

/** A Markdown table's head: the titles, then their alignment (`right` ones to the right). */
const tableHead = (titles: string[], right = ''): string[] => [
  row(titles),
  row(titles.map(t => (t === right ? '---:' : '---')))
]

/** The job summary; `preface`: Markdown right after the dry-run line (a dry run's checklist). */
export function summaryMarkdown(
  report: Report,
  settings: Settings,
  stats: ClientStats | null,
  preface = ''
): string {
  const link: LinkTo = id => ticketLink(settings.domain, id)
  const explained = report.explanations.slice(0, ROWS)
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
  const [stopped, timeLimit] = [stopLine(report, settings), timeLimitLine(report)]
  return [
    ...(report.dryRun ? [DRY_RUN_LINE, ''] : []),
    ...(preface !== '' ? [preface.trimEnd(), ''] : []),
    `## Gorgias auto-close: ${settings.domain}${report.dryRun ? ' (dry run)' : ''}`,
    '',
    ...(stopped ? [`**Stopped:** ${escapeMarkdown(oneLine(stopped))}`, ''] : []),
    ...(timeLimit ? [`**Stopped early:** ${escapeMarkdown(timeLimit)}`, ''] : []),
    ...report.warnings.flatMap(warning => [`> **Warning:** ${markdownText(warning, 1000)}`, '']),
    listingLine(report.listing, link, t => markdownText(t, 300)),
    '',
    headline(report),
    '',
    `<sub>${LEGEND}</sub>`,
    ''
  ]
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
  return [`### Needs a person: ${items.length}`, '', ...capped(items, ROWS, more, i => i)]
}

/** Follow-ups, closes and the deferred: a table each, oldest reply first (subject, name if allowed). */
function ticketTables(report: Report, settings: Settings, link: LinkTo): string[] {
  if (report.actions.length === 0) return ['No ticket was due for a follow-up or a close.', '']
  const details = settings.summaryCustomerDetails
  const languages =
    settings.messagesFile !== null || Object.keys(settings.messages.byLanguage).length > 1
  // Texts from macros: which macro (name, id, language) each customer got.
  const macros = (settings.messages.macros ?? []).length > 0
  const columns: Array<[string, (o: Outcome) => string] | false> = [
    ['Ticket', o => link(o.ticketId)],
    details && ['Subject', o => markdownText(o.subject)],
    details && ['Customer', o => markdownText(o.firstName || (unread(o) ? '' : NO_NAME), 30)],
    languages && ['Language', o => markdownText(o.language ?? '', 20)],
    macros && ['Text', o => markdownText(o.textSource ?? '', 60)],
    ['Hours idle', o => hours(o.idleHours)],
    ['Action', actionLabel],
    ['Result', o => markdownText(resultLabel(o, report.dryRun, shownDetail(o, settings)), 120)]
  ]
  const shown = columns.filter(c => c !== false)
  const titles = shown.map(([title]) => title)
  const head = tableHead(titles, 'Hours idle')
  const table = (title: string, outcomes: Outcome[], max: number, more: string): string[] =>
    outcomes.length === 0
      ? []
      : [
          `### ${title}: ${titleCount(outcomes)}`,
          '',
          ...head,
          ...capped(outcomes, max, more, o => row(shown.map(([, cell]) => cell(o))))
        ]
  // Oldest first by the hours the reader sees (the sweep's order is close to it, not equal).
  const settled = report.actions
    .filter(o => o.result !== 'deferred')
    .sort((a, b) => (b.idleHours ?? -1) - (a.idleHours ?? -1))
  const planned = (action: Outcome['action']): Outcome[] => settled.filter(o => o.action === action)
  const deferred = report.actions.filter(o => o.result === 'deferred')
  const [sent, closed] = report.dryRun ? [' (would be sent)', ' (would be closed)'] : ['', '']
  const counted = '(see the counts above)'
  return [
    ...table(`Follow-ups${sent}`, planned('follow-up'), 300, `follow-ups ${counted}`),
    ...table(`Closes${closed}`, planned('close'), 300, `closes ${counted}`),
    ...table('Deferred to the next run', deferred, 25, 'deferred to the next run')
  ]
}

/**
 * A table's count as the headline counts it (done, planned, or sent before a later step failed),
 * then the rows that were not: "2 (and 1 failed)". Deferred rows have their own table.
 */
function titleCount(outcomes: Outcome[]): string {
  const done = outcomes.filter(o => o.result === 'done' || o.result === 'would-do' || o.wrote)
  const rest = (['failed', 'skipped'] as const)
    .map(
      result => [result, outcomes.filter(o => !done.includes(o) && o.result === result)] as const
    )
    .filter(([, rows]) => rows.length > 0)
    .map(([result, rows]) => `${rows.length} ${result}`)
  if (rest.length === 0 || outcomes.every(o => o.result === 'deferred'))
    return String(outcomes.length)
  return `${done.length} (and ${rest.join(', ')})`
}

/** A ticket-ids row never read (deferred first): nothing is known of it, not even "no name". */
const unread = (o: Outcome): boolean => o.action === 'check' && o.subject === ''

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
    ...capped(report.housekeeping, ROWS, 'tag repairs', repair)
  ]
}

/** The skips counted by reason, then the notable ones ticket by ticket. */
function skippedByReason(report: Report, settings: Settings, link: LinkTo): string[] {
  const lines: string[] = []
  const reasons = SKIP_REASONS.filter(r => report.skipped[r] > 0)
  if (reasons.length > 0) {
    lines.push('### Skipped, by reason', '', ...tableHead(['Reason', 'Tickets'], 'Tickets'))
    lines.push(
      ...reasons.map(r => row([`\`${r}\`: ${SKIP_LABELS[r]}`, `${report.skipped[r]}`])),
      ''
    )
  }
  const notable = report.notableSkips.filter(o => !needsPersonSkip(o))
  if (notable.length > 0) {
    const skip = (o: Outcome): string =>
      row([link(o.ticketId), actionLabel(o), markdownText(shownDetail(o, settings) ?? '', 120)])
    lines.push(...tableHead(['Ticket', 'Planned', 'Skipped because']))
    lines.push(...capped(notable, ROWS, 'skipped tickets', skip))
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
      `${idList(report.reopened, ROWS, link)}.`,
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

/** The settings in effect, as the job summary and the log show them: never the API key. */
export function describeSettings(s: Settings): Array<[string, string]> {
  const { byLanguage, defaultLanguage } = s.messages
  // From the input, a messages file or a macro (named, even before it is read).
  const closeMessage = Object.values(byLanguage).some(t => t.close !== '' || t.macros?.close)
  const account = s.accountBusinessHours ? "the Gorgias account's" : null
  const hours = s.businessHours
    ? `${s.businessHours.describe}${account ? `, ${account}` : ''}`
    : `(${account ?? 'around the clock'})`
  const languages = `${Object.keys(byLanguage).join(', ')}; default ${defaultLanguage}`
  return [
    ['gorgias-domain', s.domain],
    ['api-url', s.apiUrl],
    ['follow-up-hours', s.followUpHours.join(', ')],
    ['close-hours', String(s.closeHours)],
    ['exclude-tags', s.excludeTags.join(', ') || '(none)'],
    ['only-tags', s.onlyTags.join(', ') || '(all tickets)'],
    ['channels', s.channels.join(', ')],
    ['follow-up-tag', s.followUpTag],
    ['closed-tag', s.closedTag],
    ['close-message', closeMessage ? 'yes' : 'none'],
    ['dry-run', String(s.dryRun)],
    ['max-actions', String(s.maxActions)],
    ['view-id', s.viewId === null ? '(open tickets)' : String(s.viewId)],
    ['business-hours', hours],
    ['policy-module', s.policyModule ?? '(none)'],
    ['rate-limit-share', String(s.rateLimitShare)],
    ['time-limit-minutes', String(s.timeLimitMinutes)],
    ['summary-customer-details', String(s.summaryCustomerDetails)],
    [
      'messages-file',
      s.messagesFile === null ? '(message inputs)' : `${s.messagesFile} (${languages})`
    ],
    ...describeMacros(s.messages),
    ['ticket-ids', s.ticketIds === null ? '(every listed ticket)' : s.ticketIds.join(', ')],
    ['report-file', s.reportFile ?? '(none)'],
    ['state-file', s.stateFile ?? '(none)']
  ]
}

/** The macros in use: name, ids and languages (the default first), and what is not applied. */
function describeMacros(catalog: MessageCatalog): Array<[string, string]> {
  if (catalog.macros === undefined) {
    // Not read yet (the run stopped before): the inputs as given, one row per input.
    const refs = Object.values(catalog.byLanguage).flatMap(t => Object.values(t.macros ?? {}))
    const named = refs.map((ref): [string, string] => [
      ref.input.replace(/^messages-file /, ''),
      `${ref.id !== null ? `#${ref.id}` : `"${ref.name}"`} (not read)`
    ])
    return [...new Map(named)]
  }
  return catalog.macros.map(use => {
    const ids = use.macros
      .map(
        (m, i) =>
          `#${m.id} ${m.language ?? '(no language)'}${i === 0 && use.macros.length > 1 ? ' default' : ''}`
      )
      .join(', ')
    const ignored =
      use.ignoredActions.length > 0 ? `; not applied: ${use.ignoredActions.join(', ')}` : ''
    return [use.input, `"${use.name}" (${ids})${ignored}`]
  })
}
