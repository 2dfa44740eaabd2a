import { describe, expect, test } from '@jest/globals'
import { marked } from 'marked'
import type { Settings } from '../src/config.js'
import { explainTicket, explanationMarkdown, explanationText } from '../src/explain.js'
import type { Message, Ticket } from '../src/gorgias/types.js'
import { decide } from '../src/policy/decide.js'
import { followUpMarker } from '../src/policy/thread.js'
import { SKIP_REASONS, type SkipReason } from '../src/policy/types.js'
import { previewMessage } from '../src/preview.js'
import { terminalReport } from '../src/report.js'
import { summaryMarkdown } from '../src/summary.js'
import type { Report } from '../src/sweep/types.js'
import { settingsFor, type Inputs } from './helpers/kit.js'

/**
 * "Why did it (not) touch #1234?": the explanation of one ticket. Its decision is decide()'s in
 * every situation of policy.test.ts (checked there, row by row); here, what it tells people.
 */

const NOW = new Date('2026-11-26T12:00:00Z') // a Thursday
const H = 3_600_000
const ago = (hours: number, now = NOW): string => new Date(now.getTime() - hours * H).toISOString()

function settings(overrides: Inputs = {}): Settings {
  return settingsFor(null, overrides)
}
const S = settings()

let nextId = 500
function msg(
  kind: 'customer' | 'agent' | 'note' | 'rule' | 'ours',
  at: string,
  extra: Partial<Message> = {}
): Message {
  const fromCustomer = kind === 'customer'
  return {
    id: nextId++,
    ticket_id: 1,
    channel: kind === 'note' ? 'internal-note' : 'email',
    via: kind === 'rule' ? 'rule' : 'helpdesk',
    from_agent: !fromCustomer,
    public: kind !== 'note',
    created_datetime: at,
    sent_datetime: at,
    source: {
      type: 'email',
      from: { address: fromCustomer ? 'ana@example.com' : 'support@acme.test' },
      to: [{ address: fromCustomer ? 'support@acme.test' : 'ana@example.com' }]
    },
    integration_id: 7,
    ...(kind === 'ours' ? { external_id: followUpMarker(1, 1) } : {}),
    ...extra
  }
}

function ticket(messages: Message[], extra: Partial<Ticket> = {}): Ticket {
  const times = messages.map(m => m.created_datetime).sort()
  return {
    id: 1234,
    status: 'open',
    channel: 'email',
    subject: 'Where is my order?',
    customer: { id: 9, email: 'ana@example.com', firstname: 'Ana' },
    tags: [],
    created_datetime: times[0] ?? ago(500),
    last_message_datetime: times.at(-1) ?? null,
    ...extra
  }
}

const withTag = { tags: [{ id: 50, name: 'auto-close-sent' }] }

describe('the timeline: what each message counts as, and how old it is', () => {
  const customer = msg('customer', ago(60))
  const rule = msg('rule', ago(59.9))
  const reply = msg('agent', ago(50))
  const note = msg('note', ago(5))
  const ms = [note, reply, customer, rule]
  const e = explainTicket(ticket(ms), ms, S, NOW)

  test('oldest first, notes and Rule replies shown but ignored, the cycle start marked', () => {
    expect(e.timeline.map(t => [t.messageId, t.role, t.cycleStart])).toEqual([
      [customer.id, 'customer', false],
      [rule.id, 'rule-reply', false],
      [reply.id, 'agent', true],
      [note.id, 'internal-note', false]
    ])
    expect(e.timeline.map(t => t.ageHours)).toEqual(
      [60, 59.9, 50, 5].map(h => expect.closeTo(h, 6))
    )
    expect(e.timeline.every(t => t.businessAgeHours === null)).toBe(true)
  })

  test("a customer's last message is never labelled as the agent's reply the cycle counts from", () => {
    const reply1 = msg('agent', ago(60))
    const answer = msg('customer', ago(50))
    const m = [reply1, answer]
    const ec = explainTicket(ticket(m), m, S, NOW)
    expect(ec.decision).toMatchObject({ kind: 'skip', reason: 'customer-replied' })
    expect(ec.timeline.map(t => [t.role, t.cycleStart])).toEqual([
      ['agent', false],
      ['customer', false]
    ])
    expect(explanationText(ec)).not.toContain("the agent's reply this cycle counts from")
  })

  test('business hours ages when business-hours is set', () => {
    const SB = settings({
      'business-hours': 'Mon-Fri 09:00-18:00',
      'follow-up-hours': '9',
      'close-hours': '18'
    })
    // Wednesday 16:00 -> Thursday 12:00 = 2 + 3 business hours
    const r = msg('agent', ago(20))
    const eb = explainTicket(ticket([r]), [r], SB, NOW)
    expect(eb.timeline[0]!.businessAgeHours).toBeCloseTo(5, 6)
  })

  test("business ages over a year back are left out: a customer's mail client can date a message 0001", () => {
    const SB = settings({ 'business-hours': 'Mon-Fri 09:00-18:00' })
    // Wednesday 16:00, Thursday 08:00 and 11:00 (before NOW, Thursday 12:00): 5, 3, 1 business hours
    const customer = msg('customer', ago(40), { sent_datetime: '2016-01-04T10:00:00Z' })
    const reply = msg('agent', ago(20))
    const note = msg('note', ago(4))
    const late = msg('note', ago(1))
    const m = [customer, reply, note, late]
    const eb = explainTicket(ticket(m), m, SB, NOW)
    expect(eb.timeline.map(t => t.businessAgeHours)).toEqual([null, 5, 3, 1])
    expect(eb.timeline[0]!.ageHours).toBeGreaterThan(24 * 365 * 10)
    expect(explanationText(eb)).toContain('h ago):')
  })

  test("this action's follow-up without its marker is shown as recognised", () => {
    const reply2 = msg('agent', ago(73))
    const unmarked = msg('agent', ago(25), {
      via: 'api',
      sender: { id: 3, email: 'bot@acme.test' },
      body_text: S.followUpMessage.replace('{{first_name}}', 'Ana').replace('{{subject}}', 'x')
    })
    const m = [reply2, unmarked]
    const eu = explainTicket(ticket(m, withTag), m, S, NOW)
    expect(eu.timeline.map(t => [t.role, t.unmarked])).toEqual([
      ['agent', false],
      ['follow-up', true]
    ])
    expect(eu.decision.kind).toBe('close')
  })
})

describe('the checks: every one passed for an action, the deciding one failed for a skip', () => {
  test('a due follow-up passes every check, in order', () => {
    const m = [msg('customer', ago(60)), msg('agent', ago(50))]
    const e = explainTicket(ticket(m), m, S, NOW)
    expect(e.checks.map(c => c.check)).toEqual([
      'readable',
      'not-trashed',
      'not-spam',
      'open',
      'not-snoozed',
      'exclude-tags',
      'only-tags',
      'channel',
      'messages-readable',
      'agent-replied',
      'agent-spoke-last',
      'reply-sent',
      'follow-ups-sent',
      'route',
      'customer-address',
      'reminders',
      'due'
    ])
    expect(e.checks.every(c => c.passed)).toBe(true)
  })

  const rows: Array<[string, Message[], Partial<Ticket>, string]> = [
    ['excluded tag', [msg('agent', ago(50))], { tags: [{ id: 1, name: 'VIP' }] }, 'exclude-tags'],
    [
      'customer spoke last',
      [msg('agent', ago(80)), msg('customer', ago(60))],
      {},
      'agent-spoke-last'
    ],
    ['not due', [msg('agent', ago(10))], {}, 'due'],
    ['no customer address', [msg('agent', ago(50))], { customer: { id: 9 } }, 'customer-address'],
    [
      'reopened after the close',
      [msg('agent', ago(200)), msg('ours', ago(150))],
      {
        tags: [
          { id: 50, name: 'auto-close-sent' },
          { id: 51, name: 'auto-closed' }
        ]
      },
      'not-reopened'
    ]
  ]
  test.each(rows)('%s', (_name, m, extra, failed) => {
    const e = explainTicket(ticket(m, extra), m, S, NOW)
    expect(e.checks.at(-1)).toMatchObject({ check: failed, passed: false })
    expect(e.checks.slice(0, -1).every(c => c.passed)).toBe(true)
  })
})

describe('when it becomes due: decide() acts at that instant and not a minute before', () => {
  const S2 = settings({ 'follow-up-hours': '24,72', 'close-hours': '96' })
  const SB = settings({
    'business-hours': 'Mon-Fri 09:00-18:00',
    timezone: 'Europe/Paris',
    'follow-up-hours': '9',
    'close-hours': '18'
  })
  const rows: Array<[string, Message[], Partial<Ticket>, Settings, string, string]> = [
    // [situation, messages, ticket, settings, action due, due at (UTC)]
    ['first follow-up', [msg('agent', ago(10))], {}, S, 'follow-up 1', ago(-38)],
    [
      'the close after the follow-up',
      [msg('agent', ago(60)), msg('ours', ago(12))],
      withTag,
      S,
      'close',
      ago(-12)
    ],
    [
      'a late follow-up: the close waits the whole grace after it',
      [msg('agent', ago(150)), msg('ours', ago(10))],
      withTag,
      S,
      'close',
      ago(-14)
    ],
    [
      'the second reminder waits its gap after the first',
      [msg('agent', ago(80)), msg('ours', ago(10))],
      withTag,
      S2,
      'follow-up 2',
      ago(-38)
    ],
    [
      'business hours in Paris: a reply on Thursday 10:00 is due Friday 10:00',
      [msg('agent', '2026-11-26T09:00:00Z')],
      {},
      SB,
      'follow-up 1',
      '2026-11-27T09:00:00.000Z'
    ],
    [
      'business hours: a reply on Friday 17:00 is due on Monday',
      [msg('agent', '2026-11-27T16:00:00Z')],
      {},
      SB,
      'follow-up 1',
      '2026-11-30T16:00:00.000Z'
    ]
  ]
  test.each(rows)('%s', (_name, m, extra, s, action, dueAt) => {
    const t = ticket(m, extra)
    const now = new Date(Math.max(NOW.getTime(), ...m.map(x => Date.parse(x.created_datetime))))
    const e = explainTicket(t, m, s, now)
    expect(e.due?.at.toISOString()).toBe(dueAt)
    expect(`${e.due?.action}${e.due?.reminder ? ` ${e.due.reminder}` : ''}`).toBe(action)
    const at = (d: Date) => decide(t, m, s, d)
    expect(at(e.due!.at).kind).toBe(action.split(' ')[0])
    expect(at(new Date(e.due!.at.getTime() - 60_000)).kind).not.toBe(action.split(' ')[0])
    expect(e.verdict).toContain('becomes due')
  })

  test('due but outside business hours: it goes at the next opening', () => {
    const SB2 = settings({
      'business-hours': 'Mon-Fri 09:00-18:00',
      'follow-up-hours': '9',
      'close-hours': '18'
    })
    const saturday = new Date('2026-11-28T12:00:00Z')
    const m = [msg('agent', '2026-11-26T09:00:00Z')]
    const e = explainTicket(ticket(m), m, SB2, saturday)
    expect(e.decision).toMatchObject({ kind: 'skip', reason: 'outside-business-hours' })
    expect(e.due?.at.toISOString()).toBe('2026-11-30T09:00:00.000Z')
    expect(e.checks.at(-1)).toMatchObject({ check: 'business-hours', passed: false })
  })

  test('nothing pending on time alone: no due date', () => {
    const m = [msg('agent', ago(80)), msg('customer', ago(60))]
    expect(explainTicket(ticket(m), m, S, NOW).due).toBeNull()
  })
})

describe('told to people: the job summary and the terminal', () => {
  const evil = 'Help [me](https://evil.example) \u202Egnp.exe\u001b[31m'
  const m = [msg('customer', ago(60)), msg('agent', ago(50))]
  const t = ticket(m, {
    subject: evil,
    customer: { id: 9, email: 'ana@example.com', firstname: '*Ana*' }
  })
  const e = explainTicket(t, m, S, NOW)

  test('Markdown: the decision, the messages, the checks; customer text escaped', () => {
    const md = explanationMarkdown(e, S)
    expect(md).toContain('### Why (not)? Ticket [#1234](https://acme.gorgias.com/app/ticket/1234)')
    expect(md).toContain('**Decision:** follow-up: Follow-up 1 of 1 is due')
    expect(md).toContain("the agent's reply this cycle counts from")
    expect(md).toContain('| `customer-address` | passed: to the ticket')
    const html = marked.parse(md, { gfm: true, async: false })
    expect([...html.matchAll(/href="([^"]*)"/g)].map(x => x[1])).toEqual([
      'https://acme.gorgias.com/app/ticket/1234'
    ])
    expect(html).not.toContain('<em>')
    expect(md).not.toContain('\u202E')
    expect(md).not.toContain('\u001b')
  })

  test('summary-customer-details: false: no subject, name or address', () => {
    const md = explanationMarkdown(e, { ...S, summaryCustomerDetails: false })
    for (const text of ['Help', 'Ana', 'ana@example', 'example\\.com'])
      expect(md).not.toContain(text)
    expect(md).toContain(
      "| `customer-address` | passed: to the ticket's customer, and no one else |"
    )
  })

  test('terminal: plain lines, no control character from the data', () => {
    const text = explanationText(e)
    expect(text).toContain('Ticket 1234: Help [me](https://evil.example) gnp.exe[31m (*Ana*)')
    expect(text).toContain('ok   customer-address')
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202A-\u202E]/)
  })

  test('a ticket-ids run shows each explanation in the summary and the terminal', () => {
    const report: Report = {
      dryRun: true,
      startedAt: NOW,
      finishedAt: NOW,
      listing: { kind: 'ticket-ids', ids: [1234] },
      pages: 0,
      ticketsSeen: 1,
      candidates: 1,
      actions: [],
      housekeeping: [],
      readFailures: [],
      skipped: Object.fromEntries(SKIP_REASONS.map(r => [r, 0])) as Record<SkipReason, number>,
      notableSkips: [],
      reopened: [],
      warnings: [],
      explanations: [e]
    }
    expect(summaryMarkdown(report, S, null)).toContain('### Why (not)? Ticket [#1234]')
    expect(terminalReport(report, S, null)).toContain(
      'Decision: follow-up: Follow-up 1 of 1 is due'
    )
  })
})

describe('the message the ticket would get', () => {
  const reply = msg('agent', ago(50))
  const customer = msg('customer', ago(55))
  const ms = [customer, reply]
  const t = ticket(ms)
  const d = decide(t, ms, S, NOW)
  const e = explainTicket(t, ms, S, NOW)
  if (d.kind !== 'follow-up') throw new Error(`expected a follow-up, got ${d.kind}`)
  e.message = previewMessage(S, t, d)

  test('to, from, subject and body, as the write step composes them', () => {
    const text = explanationText(e)
    expect(text).toContain('The follow-up this ticket would get:')
    expect(text).toContain('To: ana@example.com')
    expect(text).toContain('From: support@acme.test')
    expect(text).toContain('Subject: Re: Where is my order?')
    expect(text).toContain('| Hi Ana,')
    const md = explanationMarkdown(e, S)
    expect(md).toContain('**The follow-up this ticket would get**')
    expect(md).toContain('> Hi Ana,')
  })

  test('summary-customer-details: false: stand-ins for the name, subject and address', () => {
    const md = explanationMarkdown(e, settings({ 'summary-customer-details': 'false' }))
    expect(md).toContain('> Hi \\[first name\\],')
    expect(md).toContain('Subject: Re: \\[subject\\]')
    expect(md).not.toMatch(/Ana|Where is my order|ana\\?@example/)
    expect(explanationText(e, false)).not.toMatch(/Ana|Where is my order|ana@example/)
  })
})
