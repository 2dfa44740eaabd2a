import type { Settings } from './config.js'
import { businessMsBetween, type BusinessHours } from './businessHours.js'
import { customerFirstName } from './compose.js'
import type { Message, Ticket } from './gorgias/types.js'
import { INPUTS_LANGUAGE } from './messages.js'
import { messageLabel, messageMarkdown, messageTerminal, type MessagePreview } from './preview.js'
import { reason } from './policy/decide.js'
import { whenDue, type Due } from './policy/schedule.js'
import type { MessageRole, TimelineMessage } from './policy/thread.js'
import { SKIP_LABELS, type Check, type Decision, type PolicySettings } from './policy/types.js'
import { escapeMarkdown, markdownText, NO_NAME, oneLine, terminalCell, ticketLink } from './text.js'

/**
 * Why this action did (or did not) touch one ticket, for a support lead asking "why no follow-up on
 * #1234?" (ticket-ids runs, the CLI): decide()'s own reasoning, rendered.
 */

export interface Explanation {
  ticketId: number
  /** customer text: shown only where customer details may be */
  subject: string
  firstName: string
  /** every message, oldest first, with what it counts as and its age */
  timeline: TimelineEntry[]
  checks: Check[]
  decision: Decision
  /** the decision in one sentence */
  verdict: string
  due: Due | null
  /** what this ticket would get now, composed by the code that sends it (set by the sweep) */
  message?: MessagePreview | null
}

const HOUR = 3_600_000

/** A message with its age before `now`: real, and business hours when they are set. */
type TimelineEntry = TimelineMessage & { ageHours: number; businessAgeHours: number | null }

/**
 * The customer's first name as reports show it: '' for a nameless customer, where the greeting
 * says "there" (a report column reading "there" looks like a name).
 */
export function shownFirstName(ticket: Ticket): string {
  const customer = typeof ticket?.customer === 'object' ? ticket.customer : null
  const named = [customer?.firstname, customer?.name].some(
    v => typeof v === 'string' && oneLine(v) !== ''
  )
  return named ? customerFirstName(ticket) : ''
}

export function explainTicket(
  ticket: Ticket,
  messages: Message[],
  settings: PolicySettings,
  now: Date,
  reasoning = reason(ticket, messages, settings, now)
): Explanation {
  const { decision, checks } = reasoning
  const bh = settings.businessHours
  const read = reasoning.timeline ?? []
  const business = bh
    ? businessAges(
        read.map(t => t.at),
        now,
        bh
      )
    : []
  const timeline = read.map((t, i) => ({
    ...t,
    ageHours: Math.max(0, now.getTime() - t.at.getTime()) / HOUR,
    businessAgeHours: business[i] ?? null
  }))
  const due = whenDue(decision, reasoning.schedule, settings, now)
  return {
    ticketId: decision.ticketId,
    subject: typeof ticket?.subject === 'string' ? ticket.subject : '',
    firstName: shownFirstName(ticket),
    timeline,
    checks,
    decision,
    verdict: verdictOf(decision, due, now),
    due
  }
}

/** Business ages are counted back a year at most: a customer's mail client can date a message 0001. */
const BUSINESS_AGE_MAX_MS = 366 * 24 * HOUR

/**
 * Each time's business hours before `now` (null past the year), in one walk back over the calendar,
 * gap by gap, rather than one walk per message: a long thread costs what its span costs.
 */
function businessAges(times: Date[], now: Date, bh: BusinessHours): Array<number | null> {
  const ages: Array<number | null> = times.map(() => null)
  const newestFirst = times.map((at, i) => ({ at: at.getTime(), i })).sort((a, b) => b.at - a.at)
  let total = 0
  let since = now.getTime()
  for (const { at, i } of newestFirst) {
    if (at < now.getTime() - BUSINESS_AGE_MAX_MS) break
    if (at < since) {
      total += businessMsBetween(new Date(at), new Date(since), bh)
      since = at
    }
    ages[i] = total / HOUR
  }
  return ages
}

function whenText(due: Due, now: Date): string {
  const hours = (due.at.getTime() - now.getTime()) / HOUR
  const stamp = due.at
    .toISOString()
    .replace(/:\d\d\.\d{3}Z$/, ' UTC')
    .replace('T', ' ')
  return `${stamp} (${hours > 0 ? `in ${hours.toFixed(1)} h` : `${(-hours).toFixed(1)} h ago`})`
}

function verdictOf(decision: Decision, due: Due | null, now: Date): string {
  const when = due ? whenText(due, now) : ''
  const step = due?.action === 'follow-up' ? `follow-up ${due.reminder ?? ''}`.trim() : 'the close'
  const since = due ? ` since ${when}` : ''
  const then = due ? `; ${step} becomes due ${when}` : ''
  switch (decision.kind) {
    case 'follow-up':
      return `Follow-up ${decision.reminder} of ${decision.reminders} is due${since}.`
    case 'close':
      return `The close is due${since}${decision.postMessage ? ', with the close message' : ', without a message'}.`
    case 'tag-follow-up':
      return `The follow-up went out but its tag is missing: the tag is added${then}.`
    case 'untag':
      return decision.because === 'customer-replied'
        ? "The customer answered: this action's tags are removed, nothing is sent."
        : `An agent replied again: this action's old tags are removed${then}.`
    case 'skip':
      if (decision.reason === 'not-due' && due)
        return `Nothing to do yet: ${step} becomes due ${when}.`
      if (decision.reason === 'outside-business-hours' && due) {
        return `Due, but outside business hours: ${step} goes at the next opening, ${when}.`
      }
      return `Left alone: ${SKIP_LABELS[decision.reason]}${decision.detail ? ` (${decision.detail})` : ''}.`
  }
}

const ROLE_TEXT: Record<MessageRole, string> = {
  customer: 'the customer',
  agent: 'an agent',
  'follow-up': "this action's follow-up",
  'close-message': "this action's close message",
  'own-other': "this action's message",
  'internal-note': 'internal note: ignored',
  'rule-reply': 'a Rule auto-reply: ignored'
}

function countsAs(t: TimelineEntry): string {
  const parts = [ROLE_TEXT[t.role]]
  if (t.cycleStart) parts.push("the agent's reply this cycle counts from")
  if (t.unmarked) parts.push('recognised by sender and text, its marker missing')
  if (t.failed) parts.push('failed to send')
  return parts.join('; ')
}

/** A check's finding: with the customer's data only where customer details may be shown. */
const checkDetail = (c: Check, details: boolean): string =>
  details && c.customerDetail !== undefined ? c.customerDetail : c.detail

/** The language of the texts, when they come from a messages file (the inputs are one set). */
function languageNote(m: MessagePreview, shown: (language: string) => string): string {
  return m.language === INPUTS_LANGUAGE ? '' : ` (language: ${shown(m.language)})`
}

/** Messages listed one by one; a long thread shows its latest ones. */
const TIMELINE_ROWS = 40

/** The explanation as a section of the job summary (customer text escaped; none without details). */
export function explanationMarkdown(
  e: Explanation,
  settings: Pick<Settings, 'domain' | 'summaryCustomerDetails'>
): string {
  const details = settings.summaryCustomerDetails
  const lines: string[] = [`### Why (not)? Ticket ${ticketLink(settings.domain, e.ticketId)}`, '']
  if (details) {
    lines.push(`${markdownText(e.subject, 120)} (${markdownText(e.firstName || NO_NAME, 40)})`, '')
  }
  const decision = e.decision.kind === 'skip' ? `skip \`${e.decision.reason}\`` : e.decision.kind
  lines.push(`**Decision:** ${decision}: ${escapeMarkdown(oneLine(e.verdict))}`, '')
  const shown = e.timeline.slice(-TIMELINE_ROWS)
  if (shown.length > 0) {
    const business = e.timeline.some(t => t.businessAgeHours !== null)
    lines.push(
      `| Message | When (UTC) | Hours ago |${business ? ' Business hours ago |' : ''} Counts as |`,
      `| --- | --- | ---: |${business ? ' ---: |' : ''} --- |`
    )
    if (e.timeline.length > shown.length) {
      lines.push(
        `| … | ${e.timeline.length - shown.length} earlier messages | |${business ? ' |' : ''} |`
      )
    }
    for (const t of shown) {
      lines.push(
        `| ${t.messageId} | ${t.at.toISOString()} | ${t.ageHours.toFixed(1)} |` +
          `${business ? ` ${t.businessAgeHours?.toFixed(1) ?? ''} |` : ''} ${escapeMarkdown(countsAs(t))} |`
      )
    }
    lines.push('')
  }
  lines.push('| Check | Result |', '| --- | --- |')
  for (const c of e.checks) {
    const result = c.passed ? 'passed' : '**stopped here**'
    lines.push(`| \`${c.check}\` | ${result}: ${markdownText(checkDetail(c, details), 300)} |`)
  }
  lines.push('')
  if (e.message) {
    lines.push(
      `**The ${messageLabel(e.message)} this ticket would get**${languageNote(e.message, l => markdownText(l, 20))}:`,
      '',
      ...messageMarkdown(e.message, details)
    )
  }
  return lines.join('\n')
}

/** The explanation for a terminal: plain lines, no control character from the data. */
export function explanationText(e: Explanation, details = true): string {
  const lines = [
    details
      ? `Ticket ${e.ticketId}: ${terminalCell(e.subject, 60)} (${terminalCell(e.firstName || NO_NAME, 30)})`
      : `Ticket ${e.ticketId}`,
    `  Decision: ${e.decision.kind === 'skip' ? `skip ${e.decision.reason}` : e.decision.kind}: ${terminalCell(e.verdict)}`
  ]
  if (e.timeline.length > 0) lines.push('  Messages:')
  for (const t of e.timeline) {
    const business =
      t.businessAgeHours === null ? '' : `, ${t.businessAgeHours.toFixed(1)} business h`
    lines.push(
      `    ${t.messageId} ${t.at.toISOString()} (${t.ageHours.toFixed(1)} h ago${business}): ${countsAs(t)}`
    )
  }
  lines.push('  Checks:')
  for (const c of e.checks) {
    const detail = terminalCell(checkDetail(c, details))
    lines.push(`    ${c.passed ? 'ok  ' : 'STOP'} ${c.check}: ${detail}`)
  }
  if (e.message) {
    lines.push(
      `  The ${messageLabel(e.message)} this ticket would get${languageNote(e.message, l => terminalCell(l, 20))}:`,
      ...messageTerminal(e.message, details)
    )
  }
  return lines.join('\n')
}
