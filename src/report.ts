import { describeSettings, type Settings } from './config.js'
import { credentialsHelp } from './secrets.js'
import type { ClientStats } from './gorgias/client.js'
import { SKIP_REASONS, type SkipReason } from './policy.js'
import type { Outcome, Report } from './sweep/types.js'

/** Report -> job summary (Markdown), step outputs, terminal text and JSON. Pure. */

const SKIP_LABELS: Record<SkipReason, string> = {
  'not-open': 'not open (closed)',
  trashed: 'in the trash',
  spam: 'marked as spam',
  snoozed: 'snoozed by an agent',
  'excluded-tag': 'has an excluded tag',
  'not-in-only-tags': 'lacks every only-tags tag',
  'channel-not-handled': 'channel not handled',
  'no-customer-address': "no usable address of the ticket's customer on that channel",
  'customer-replied': 'customer spoke last',
  'no-agent-reply': 'no public agent reply yet',
  'reply-failed': "agent's last reply failed to send",
  'not-due': 'not due yet',
  reopened: 'reopened by a person after an automatic close',
  'outside-business-hours': 'due, waiting for business hours',
  unreadable: 'unreadable data (left alone)',
  'changed-since-listed': 'changed since listed (re-check)',
  'not-found': 'deleted or merged meanwhile',
  'policy-module': 'vetoed by the policy module'
}

/** Deferred tickets listed one by one in the summary; the rest are counted. */
const DEFERRED_ROWS = 25

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

export function outputs(report: Report): Record<string, string> {
  const c = counts(report)
  return {
    'followed-up': JSON.stringify(c.followedUp),
    closed: JSON.stringify(c.closed),
    'follow-up-count': String(c.followedUp.length),
    'closed-count': String(c.closed.length),
    'skipped-count': String(c.skipped),
    'failed-count': String(c.failed),
    'deferred-count': String(c.deferred)
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

function resultLabel(o: Outcome, dryRun: boolean): string {
  switch (o.result) {
    case 'done':
      return o.action === 'follow-up' ? 'sent' : o.action === 'close' ? 'closed' : 'done'
    case 'would-do':
      return dryRun ? 'would do (dry run)' : 'would do'
    case 'failed':
      return `failed: ${o.detail ?? 'unknown error'}`
    case 'deferred':
      return `deferred: ${o.detail ?? 'max-actions reached'}`
    case 'skipped':
      return `skipped: ${o.detail ?? ''}`
  }
}

function cell(text: string, max = 70): string {
  const one = text.replace(/\s+/g, ' ').trim()
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one
  return cut
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
}

function hours(h: number | null): string {
  return h === null ? '' : h.toFixed(1)
}

function ticketLink(domain: string, id: number): string {
  return `[#${id}](https://${domain}.gorgias.com/app/ticket/${id})`
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

function headline(report: Report): string {
  const c = counts(report)
  const verb = report.dryRun ? 'would be ' : ''
  return (
    `Read ${report.ticketsSeen} tickets on ${report.pages} pages; ${report.candidates} might be due. ` +
    `**${c.followedUp.length} ${verb}followed up, ${c.closed.length} ${verb}closed**, ` +
    `${c.failed} failed, ${c.deferred} deferred, ${c.skipped} skipped.`
  )
}

export function summaryMarkdown(
  report: Report,
  settings: Settings,
  stats: ClientStats | null
): string {
  const lines: string[] = []
  const title = report.dryRun ? ' (dry run: nothing was changed)' : ''
  lines.push(`## Gorgias auto-close: ${settings.domain}${title}`, '')
  const stopped = stopLine(report, settings)
  if (stopped) lines.push(`**Stopped:** ${stopped}`, '')
  lines.push(headline(report), '')

  const shown = report.actions.filter(o => o.result !== 'deferred')
  const deferred = report.actions.filter(o => o.result === 'deferred')
  const rows = [...shown, ...report.readFailures, ...deferred.slice(0, DEFERRED_ROWS)]
  if (rows.length > 0) {
    lines.push(
      '| Ticket | Subject | Customer | Hours idle | Action | Result |',
      '| --- | --- | --- | ---: | --- | --- |'
    )
    for (const o of rows) {
      lines.push(
        `| ${ticketLink(settings.domain, o.ticketId)} | ${cell(o.subject)} | ${cell(o.firstName, 30)} | ` +
          `${hours(o.idleHours)} | ${actionLabel(o)} | ${cell(resultLabel(o, report.dryRun), 120)} |`
      )
    }
    if (deferred.length > DEFERRED_ROWS) {
      lines.push('', `…and ${deferred.length - DEFERRED_ROWS} more deferred to the next run.`)
    }
    lines.push('')
  } else {
    lines.push('No ticket was due for a follow-up or a close.', '')
  }

  if (report.housekeeping.length > 0) {
    lines.push('### Tag repairs', '', '| Ticket | Change | Result |', '| --- | --- | --- |')
    for (const o of report.housekeeping) {
      const result =
        o.result === 'failed'
          ? `failed: ${cell(o.detail ?? '', 120)}`
          : resultLabel(o, report.dryRun)
      const change = o.result === 'failed' ? actionLabel(o) : (o.detail ?? actionLabel(o))
      lines.push(`| ${ticketLink(settings.domain, o.ticketId)} | ${cell(change)} | ${result} |`)
    }
    lines.push('')
  }

  const reasons = SKIP_REASONS.filter(r => report.skipped[r] > 0)
  if (reasons.length > 0) {
    lines.push('### Skipped, by reason', '', '| Reason | Tickets |', '| --- | ---: |')
    for (const r of reasons) lines.push(`| \`${r}\`: ${SKIP_LABELS[r]} | ${report.skipped[r]} |`)
    lines.push('')
  }
  if (report.notableSkips.length > 0) {
    lines.push('| Ticket | Planned | Skipped because |', '| --- | --- | --- |')
    for (const o of report.notableSkips) {
      lines.push(
        `| ${ticketLink(settings.domain, o.ticketId)} | ${actionLabel(o)} | ${cell(o.detail ?? '', 120)} |`
      )
    }
    lines.push('')
  }

  lines.push(
    '<details><summary>Settings in effect</summary>',
    '',
    '| Input | Value |',
    '| --- | --- |'
  )
  for (const [name, value] of describeSettings(settings))
    lines.push(`| ${name} | ${cell(value, 120)} |`)
  lines.push('', '</details>', '')
  const seconds = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000
  lines.push(`Finished in ${seconds.toFixed(1)} s. ${requestLine(stats)}`, '')
  return lines.join('\n')
}

function pad(text: string, width: number): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text
  return t.padEnd(width)
}

/** The same report for a terminal: a plain table, then the counts. */
export function terminalText(
  report: Report,
  settings: Settings,
  stats: ClientStats | null
): string {
  const lines: string[] = []
  const rows = [...report.actions, ...report.readFailures, ...report.housekeeping]
  if (rows.length > 0) {
    lines.push(
      `${pad('TICKET', 9)} ${pad('SUBJECT', 36)} ${pad('CUSTOMER', 12)} ${'IDLE H'.padStart(7)}  ${pad('ACTION', 20)} RESULT`
    )
    for (const o of rows) {
      lines.push(
        `${pad(String(o.ticketId), 9)} ${pad(o.subject, 36)} ${pad(o.firstName, 12)} ${hours(o.idleHours).padStart(7)}  ${pad(actionLabel(o), 20)} ${resultLabel(o, report.dryRun)}`
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
    lines.push(`  ticket ${o.ticketId}: ${actionLabel(o)} skipped: ${o.detail ?? ''}`)
  }
  if (stats) lines.push(requestLine(stats))
  if (report.dryRun) lines.push('Dry run: nothing was changed in Gorgias.')
  lines.push(`Tickets: https://${settings.domain}.gorgias.com/app/ticket/<id>`)
  return lines.join('\n')
}

/** One-line cause for a failed step. */
/** Why the run stopped before the end, in words for the person who must fix it; null if it did not. */
export function stopLine(
  report: Report,
  settings: Pick<Settings, 'email' | 'domain'>
): string | null {
  return report.stop?.kind === 'credentials'
    ? `${credentialsHelp(report.stop.error, settings)}. The run stopped there: what was done before is listed, due tickets not reached are deferred.`
    : null
}

export function failureLine(report: Report): string | null {
  const c = counts(report)
  if (c.failed === 0) return null
  const first = [...report.actions, ...report.housekeeping, ...report.readFailures].find(
    o => o.result === 'failed'
  )
  const example = first ? ` (first: ticket ${first.ticketId}: ${first.detail ?? 'error'})` : ''
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
