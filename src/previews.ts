import type { Settings } from './config.js'
import { messageLabel, messageMarkdown, messageTerminal, type MessagePreview } from './preview.js'
import type { Report } from './sweep/types.js'
import { markdownText, plural, terminalCell } from './text.js'

/**
 * A dry run's messages in the report, word for word: one of each kind (follow-up n of m, final
 * follow-up, close message) and language, as one of the tickets concerned would get it, and how
 * many tickets would get it. Pure.
 */

interface MessageGroup {
  preview: MessagePreview
  /** the ticket whose message is shown */
  ticketId: number
  tickets: number
}

/** In the order the sweep took the tickets (oldest reply first). */
function messageGroups(report: Pick<Report, 'actions'>): MessageGroup[] {
  const groups = new Map<string, MessageGroup>()
  for (const o of report.actions) {
    const p = o.message
    if (!p) continue
    const key = JSON.stringify([messageLabel(p), p.language, p.source ?? ''])
    const group = groups.get(key)
    if (group) group.tickets++
    else groups.set(key, { preview: p, ticketId: o.ticketId, tickets: 1 })
  }
  return [...groups.values()]
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** The job summary's section; nothing when no message would be sent. */
export function previewsMarkdown(
  report: Pick<Report, 'actions'>,
  settings: Pick<Settings, 'summaryCustomerDetails' | 'messagesFile'>,
  link: (id: number) => string
): string[] {
  const groups = messageGroups(report)
  const silent = silentCloses(report)
  if (groups.length === 0 && silent === 0) return []
  const details = settings.summaryCustomerDetails
  const lines = [
    '### The messages that would be sent',
    '',
    details
      ? 'Each kind of message, in each language, as one of the tickets concerned would get it.'
      : "Each kind of message, in each language, with stand-ins for the customer's values (summary-customer-details is false).",
    ''
  ]
  for (const g of groups) {
    const language =
      settings.messagesFile === null ? '' : `, ${markdownText(g.preview.language, 20)}`
    lines.push(
      `#### ${capitalised(messageLabel(g.preview))}${language}: ${plural(g.tickets, 'ticket', 'tickets')} (as ${link(g.ticketId)} would get it)`,
      '',
      ...messageMarkdown(g.preview, details)
    )
  }
  if (silent > 0) lines.push(`${silentLine(silent)}`, '')
  return lines
}

/** Closes planned without a message (close-message empty): said, so no text is expected. */
function silentCloses(report: Pick<Report, 'actions'>): number {
  return report.actions.filter(
    o => o.action === 'close' && o.result === 'would-do' && o.message === undefined
  ).length
}

const silentLine = (n: number): string =>
  `${plural(n, 'ticket', 'tickets')} would be closed without a message (no close message is set).`

/** The same for a terminal. */
export function previewsTerminal(
  report: Pick<Report, 'actions'>,
  settings: Pick<Settings, 'summaryCustomerDetails' | 'messagesFile'>
): string[] {
  const groups = messageGroups(report)
  const silent = silentCloses(report)
  if (groups.length === 0 && silent === 0) return []
  const lines = ['', 'The messages that would be sent (one of each kind and language):']
  for (const g of groups) {
    const language =
      settings.messagesFile === null ? '' : `, ${terminalCell(g.preview.language, 20)}`
    lines.push(
      `  ${capitalised(messageLabel(g.preview))}${language}: ${plural(g.tickets, 'ticket', 'tickets')} (as #${g.ticketId} would get it)`,
      ...messageTerminal(g.preview, settings.summaryCustomerDetails)
    )
  }
  if (silent > 0) lines.push(`  ${silentLine(silent)}`)
  lines.push('')
  return lines
}
