import { describe, expect, test } from '@jest/globals'
import type { Settings } from '../src/config.js'
import type { Message, Ticket } from '../src/gorgias/types.js'
import { decide as policyDecide, reason, triage } from '../src/policy/decide.js'
import { closeMarker, followUpMarker } from '../src/policy/thread.js'
import { parseTimestamp, tagRemoval, type Decision } from '../src/policy/types.js'
import { replyAlong, templateValues } from '../src/compose.js'
import { renderTemplate } from '../src/variables.js'
import type { MessageCatalog } from '../src/messages.js'
import { explainTicket } from '../src/explain.js'
import { inTimeZone } from './helpers/timeZone.js'
import { settingsFor, TEST_ACCOUNT, type Inputs } from './helpers/kit.js'

/**
 * The decision as a specification: each row is a ticket situation and what the action does.
 * The clock is frozen; times are hours before NOW.
 */

/**
 * decide(), checked against its explanation in every situation of these tables: explainTicket
 * reaches the very same decision, and its checks end where the decision was made.
 */
function decide(t: Ticket, m: Message[], s: Settings, now: Date): Decision {
  const d = policyDecide(t, m, s, now)
  const e = explainTicket(t, m, s, now)
  expect(e.decision).toEqual(d)
  if (d.kind === 'follow-up' || d.kind === 'close') expect(e.checks.every(c => c.passed)).toBe(true)
  if (d.kind === 'skip') expect(e.checks.at(-1)?.passed).toBe(false)
  return d
}

const NOW = new Date('2026-11-26T12:00:00Z')
const H = 3_600_000
const ago = (hours: number): string => new Date(NOW.getTime() - hours * H).toISOString()

function settings(overrides: Inputs = {}): Settings {
  return settingsFor(null, overrides)
}

const S = settings()

let nextId = 1000
type Kind = 'customer' | 'agent' | 'note' | 'ours' | 'ours-close' | 'agent-failed' | 'ours-failed'
function msg(kind: Kind, hoursAgo: number, extra: Partial<Message> = {}): Message {
  const id = nextId++
  const at = ago(hoursAgo)
  const base: Message = {
    id,
    ticket_id: 1,
    channel: 'email',
    via: 'helpdesk',
    from_agent: kind !== 'customer',
    public: kind !== 'note',
    created_datetime: at,
    sent_datetime: at,
    source: {
      type: 'email',
      from: { address: kind === 'customer' ? 'ana@example.com' : 'support@acme.test' },
      to: [{ address: kind === 'customer' ? 'support@acme.test' : 'ana@example.com' }]
    },
    integration_id: 7
  }
  if (kind === 'note') base.channel = 'internal-note'
  if (kind === 'ours') base.external_id = followUpMarker(1, 1)
  if (kind === 'ours-close') base.external_id = closeMarker(1)
  if (kind === 'agent-failed' || kind === 'ours-failed') base.failed_datetime = at
  if (kind === 'ours-failed') base.external_id = followUpMarker(1, 1)
  return { ...base, ...extra }
}

function ticket(messages: Message[], extra: Partial<Ticket> = {}): Ticket {
  const times = messages.map(m => m.created_datetime).sort()
  const received = messages
    .filter(m => !m.from_agent)
    .map(m => m.created_datetime)
    .sort()
  return {
    id: 1,
    status: 'open',
    channel: 'email',
    subject: 'Where is my order?',
    spam: false,
    customer: { id: 9, email: 'ana@example.com', firstname: 'Ana', name: 'Ana Lima' },
    tags: [],
    created_datetime: times[0] ?? ago(500),
    updated_datetime: times[times.length - 1] ?? ago(500),
    last_message_datetime: times[times.length - 1] ?? null,
    last_received_message_datetime: received[received.length - 1] ?? null,
    snooze_datetime: null,
    trashed_datetime: null,
    ...extra
  }
}

const tag = (name: string, id = 50) => ({ id, name })

type Expect = string // 'follow-up 1', 'close', 'skip <reason>', 'tag-follow-up', 'untag'
function summary(d: Decision): Expect {
  switch (d.kind) {
    case 'follow-up':
      return `follow-up ${d.reminder}`
    case 'skip':
      return `skip ${d.reason}`
    case 'close':
      return d.postMessage ? 'close with message' : 'close'
    case 'tag-follow-up':
    case 'untag':
      return d.kind
  }
}

describe('decide: one follow-up at 48 h, close at 72 h', () => {
  const rows: Array<[string, Message[], Partial<Ticket>, Expect, Settings?]> = [
    ['agent replied 49 h ago', [msg('customer', 60), msg('agent', 49)], {}, 'follow-up 1'],
    ['agent replied exactly 48 h ago', [msg('customer', 60), msg('agent', 48)], {}, 'follow-up 1'],
    ['agent replied 47 h ago', [msg('customer', 60), msg('agent', 47)], {}, 'skip not-due'],
    ['customer spoke last', [msg('agent', 80), msg('customer', 60)], {}, 'skip customer-replied'],
    [
      'internal note after the reply does not restart the clock',
      [msg('customer', 60), msg('agent', 50), msg('note', 1)],
      {},
      'follow-up 1'
    ],
    [
      'our follow-up, 25 h old, reply 73 h old: close',
      [msg('customer', 80), msg('agent', 73), msg('ours', 25)],
      { tags: [tag('auto-close-sent')] },
      'close'
    ],
    [
      'late follow-up still gets the whole 24 h grace window',
      [msg('customer', 200), msg('agent', 150), msg('ours', 10)],
      { tags: [tag('auto-close-sent')] },
      'skip not-due'
    ],
    [
      'customer replied after the follow-up: tag removed, no close',
      [msg('agent', 100), msg('ours', 50), msg('customer', 2)],
      { tags: [tag('auto-close-sent')] },
      'untag'
    ],
    [
      "customer replied, a team's tag differing from ours in case only: not ours, left alone",
      [msg('agent', 100), msg('ours', 50), msg('customer', 2)],
      { tags: [tag('Auto-Close-Sent')] },
      'skip customer-replied'
    ],
    [
      'customer replied after the follow-up, tag already gone',
      [msg('agent', 100), msg('ours', 50), msg('customer', 2)],
      {},
      'skip customer-replied'
    ],
    [
      'an agent reply after the follow-up restarts the cycle',
      [msg('agent', 200), msg('ours', 150), msg('customer', 100), msg('agent', 49)],
      {},
      'follow-up 1'
    ],
    [
      'agent reply after follow-up, recent: the stale tag is removed',
      [msg('agent', 200), msg('ours', 150), msg('agent', 5)],
      { tags: [tag('auto-close-sent')] },
      'untag'
    ],
    ['snoozed until tomorrow', [msg('agent', 100)], { snooze_datetime: ago(-24) }, 'skip snoozed'],
    ['snooze already over', [msg('agent', 100)], { snooze_datetime: ago(2) }, 'follow-up 1'],
    ['last agent reply failed to send', [msg('agent-failed', 100)], {}, 'skip reply-failed'],
    [
      'our follow-up failed to send: never closed',
      [msg('agent', 100), msg('ours-failed', 50)],
      { tags: [tag('auto-close-sent')] },
      'skip reply-failed'
    ],
    [
      'excluded tag in another case',
      [msg('agent', 100)],
      { tags: [tag('VIP')] },
      'skip excluded-tag'
    ],
    ['closed ticket', [msg('agent', 100)], { status: 'closed' }, 'skip not-open'],
    ['spam', [msg('agent', 100)], { spam: true }, 'skip spam'],
    [
      'spam flagged in a shape not a boolean: unreadable, never taken for "not spam"',
      [msg('agent', 100)],
      { spam: 'true' as never },
      'skip unreadable'
    ],
    ['trashed', [msg('agent', 100)], { trashed_datetime: ago(1) }, 'skip trashed'],
    [
      'chat ticket with channels=email',
      [msg('agent', 100)],
      { channel: 'chat' },
      'skip channel-not-handled'
    ],
    [
      'agent reply on a channel not answered',
      [msg('agent', 100, { channel: 'facebook', source: { type: 'facebook' } })],
      {},
      'skip channel-not-handled'
    ],
    ['no message at all', [], {}, 'skip no-agent-reply'],
    ['only an internal note', [msg('note', 100)], {}, 'skip no-agent-reply'],
    [
      'follow-up sent, tag missing (interrupted run): tag repaired',
      [msg('agent', 60), msg('ours', 10)],
      {},
      'tag-follow-up'
    ],
    [
      'close message posted but not closed (interrupted run): close, no second message',
      [msg('agent', 100), msg('ours', 50), msg('ours-close', 1)],
      { tags: [tag('auto-close-sent')] },
      'close'
    ],
    [
      'close with a close message',
      [msg('agent', 100), msg('ours', 50)],
      { tags: [tag('auto-close-sent')] },
      'close with message',
      settings({ 'close-message': 'Closing now, {{first_name}}.' })
    ],
    [
      'missing timestamps: unreadable, never acted on',
      [msg('agent', 100, { created_datetime: 'yesterday', sent_datetime: null })],
      {},
      'skip unreadable'
    ],
    [
      'reply with no recipient: unreadable route',
      [msg('agent', 100, { source: { type: 'email', from: { address: 's@a' }, to: [] } })],
      {},
      'skip channel-not-handled'
    ],
    ['tags of an unknown shape', [msg('agent', 100)], { tags: 'vip' as never }, 'skip unreadable'],
    [
      'only-tags set and ticket lacks them',
      [msg('agent', 100)],
      {},
      'skip not-in-only-tags',
      settings({ 'only-tags': 'returns' })
    ],
    [
      'only-tags set and ticket has one (any case)',
      [msg('agent', 100)],
      { tags: [tag('Returns')] },
      'follow-up 1',
      settings({ 'only-tags': 'returns' })
    ],
    [
      'closed by this action, then reopened by an agent without a word: never re-closed',
      [msg('agent', 200), msg('ours', 150)],
      { tags: [tag('auto-close-sent'), tag('auto-closed', 51)] },
      'skip reopened'
    ],
    [
      'auto-closed once, the customer came back: both tags of ours removed, others kept',
      [msg('agent', 200), msg('ours', 150), msg('customer', 10)],
      { tags: [tag('auto-close-sent'), tag('auto-closed', 51), tag('shipping', 52)] },
      'untag'
    ],
    [
      'a new cycle after an auto-close: the follow-up also clears the old closed-tag',
      [msg('agent', 300), msg('ours', 250), msg('customer', 200), msg('agent', 50)],
      { tags: [tag('auto-closed', 51)] },
      'follow-up 1'
    ],
    [
      'a Rule auto-acknowledgement is not an agent answering',
      [msg('customer', 60), msg('agent', 59, { via: 'rule' })],
      {},
      'skip customer-replied'
    ],
    [
      'an agent reply after a Rule auto-reply still counts',
      [msg('customer', 70), msg('agent', 69, { via: 'rule' }), msg('agent', 50)],
      {},
      'follow-up 1'
    ],
    [
      "a customer's slow clock (sent before, recorded after the agent's reply): customer spoke last",
      [msg('agent', 50), msg('customer', 2, { sent_datetime: ago(55) })],
      {},
      'skip customer-replied'
    ],
    [
      'closed and reopened by an agent since the follow-up (closed_datetime kept): not closed again',
      [msg('agent', 200), msg('ours', 150)],
      { tags: [tag('auto-close-sent')], closed_datetime: ago(100) },
      'skip reopened'
    ],
    [
      'a closed_datetime that is not a date: whether it was reopened is unknown, so unreadable',
      [msg('agent', 200), msg('ours', 150)],
      { tags: [tag('auto-close-sent')], closed_datetime: 'last Tuesday' },
      'skip unreadable'
    ],
    [
      'an old close, before this cycle: closes as usual',
      [msg('agent', 200), msg('ours', 150)],
      { tags: [tag('auto-close-sent')], closed_datetime: ago(400) },
      'close'
    ],
    [
      'a sent_datetime that is not a date: unreadable',
      [msg('agent', 100, { sent_datetime: 'soon' })],
      {},
      'skip unreadable'
    ],
    [
      'a customer first name that is not text: unreadable',
      [msg('agent', 100)],
      { customer: { id: 9, firstname: 42 as never } },
      'skip unreadable'
    ],
    [
      'sent_datetime is preferred over created_datetime',
      [msg('agent', 100, { sent_datetime: ago(10) })],
      {},
      'skip not-due'
    ]
  ]
  // Rest parameters: jest would take a fifth named parameter for a `done` callback.
  test.each(rows)('%s', (...row) => {
    const [, messages, extra, expected, s] = row
    expect(summary(decide(ticket(messages, extra), messages, s ?? S, NOW))).toBe(expected)
  })

  test('a follow-up decision carries the reply, the marker and the idle hours', () => {
    const reply = msg('agent', 50)
    const d = decide(ticket([reply]), [reply], S, NOW)
    expect(d).toMatchObject({
      kind: 'follow-up',
      reminder: 1,
      reminders: 1,
      marker: followUpMarker(1, reply.id),
      idleHours: 50
    })
  })

  test('untag and follow-up name exactly the tags of ours that no longer hold', () => {
    const m1 = [msg('agent', 200), msg('ours', 150), msg('customer', 10)]
    const t1 = ticket(m1, {
      tags: [tag('auto-close-sent'), tag('auto-closed', 51), tag('shipping', 52)]
    })
    expect(decide(t1, m1, S, NOW)).toMatchObject({
      kind: 'untag',
      tags: [tag('auto-close-sent'), tag('auto-closed', 51)]
    })
    const m2 = [msg('agent', 300), msg('ours', 250), msg('customer', 200), msg('agent', 50)]
    const t2 = ticket(m2, { tags: [tag('auto-closed', 51), tag('vipish', 53)] })
    expect(decide(t2, m2, S, NOW)).toMatchObject({
      kind: 'follow-up',
      staleTags: [tag('auto-closed', 51)]
    })
  })

  test('unordered messages are put in time order first', () => {
    const messages = [msg('customer', 2), msg('agent', 100), msg('ours', 50)]
    expect(summary(decide(ticket(messages), messages, S, NOW))).toBe('skip customer-replied')
  })
})

describe('decide: reminder schedule 24,72 then close at 96', () => {
  const S2 = settings({ 'follow-up-hours': '24,72', 'close-hours': '96' })
  const first = (h: number): Message => msg('ours', h, { external_id: followUpMarker(1, 1) })
  const second = (h: number): Message => msg('ours', h, { external_id: followUpMarker(2, 1) })
  const withTag = { tags: [tag('auto-close-sent')] }
  const rows: Array<[string, Message[], Partial<Ticket>, Expect]> = [
    ['reply 30 h old: first reminder', [msg('agent', 30)], {}, 'follow-up 1'],
    ['first sent at 24 h, reply 50 h old', [msg('agent', 50), first(26)], withTag, 'skip not-due'],
    ['first sent, reply 73 h old: second', [msg('agent', 73), first(49)], withTag, 'follow-up 2'],
    [
      'first sent late (at 70 h): second waits the 48 h gap',
      [msg('agent', 80), first(10)],
      withTag,
      'skip not-due'
    ],
    [
      'both sent, reply 97 h old, last 25 h: close',
      [msg('agent', 97), first(73), second(25)],
      withTag,
      'close'
    ],
    [
      'closed by hand after the first reminder and reopened without a word: no second reminder',
      [msg('agent', 73), first(49)],
      { ...withTag, closed_datetime: ago(30) },
      'skip reopened'
    ],
    [
      'reopened between reminders, later reminders sent anyway: still never closed',
      [msg('agent', 97), first(73), second(25)],
      { ...withTag, closed_datetime: ago(50) },
      'skip reopened'
    ],
    [
      'a close before the first reminder (an earlier cycle) stops no reminder',
      [msg('agent', 73), first(49)],
      { ...withTag, closed_datetime: ago(200) },
      'follow-up 2'
    ],
    [
      'customer replied between reminders restarts nothing to close',
      [msg('agent', 97), first(73), msg('customer', 30)],
      withTag,
      'untag'
    ]
  ]
  test.each(rows)('%s', (_name, messages, extra, expected) => {
    expect(summary(decide(ticket(messages, extra), messages, S2, NOW))).toBe(expected)
  })
})

describe('a message listed twice is one message', () => {
  const S2 = settings({ 'follow-up-hours': '24,72', 'close-hours': '96' })
  const withTag = { tags: [tag('auto-close-sent')] }

  test('the same follow-up twice (a page overlap) is one reminder, not the whole schedule', () => {
    const first = msg('ours', 49, { external_id: followUpMarker(1, 1) })
    const m = [msg('agent', 100), first, { ...first }]
    // reminder 2 is due; counting the copy as a second reminder would close the ticket instead
    expect(summary(decide(ticket(m, withTag), m, S2, NOW))).toBe('follow-up 2')
    const e = explainTicket(ticket(m, withTag), m, S2, NOW)
    expect(e.timeline.map(t => t.messageId)).toEqual([m[0]!.id, first.id])
  })

  test('two different messages under one id cannot be trusted: left alone', () => {
    const reply = msg('agent', 100)
    const m = [
      reply,
      { ...reply, from_agent: false, created_datetime: ago(1), sent_datetime: ago(1) }
    ]
    expect(summary(decide(ticket(m, withTag), m, S2, NOW))).toBe('skip unreadable')
  })
})

describe('decide: business hours Mon-Fri 09:00-18:00 UTC', () => {
  // NOW is Thursday 2026-11-26 12:00 UTC.
  const S3 = settings({
    'business-hours': 'Mon-Fri 09:00-18:00',
    'follow-up-hours': '9',
    'close-hours': '18'
  })
  test('a reply 20 real hours ago counts only its business hours', () => {
    // Wednesday 16:00 -> Thursday 12:00 = 2 + 3 = 5 business hours: not due.
    const m = [msg('agent', 20)]
    expect(summary(decide(ticket(m), m, S3, NOW))).toBe('skip not-due')
  })
  test('due, but outside business hours: waits for the window', () => {
    const saturday = new Date('2026-11-28T12:00:00Z')
    const reply = msg('agent', 0, { created_datetime: '2026-11-26T09:00:00Z', sent_datetime: null })
    expect(summary(decide(ticket([reply]), [reply], S3, saturday))).toBe(
      'skip outside-business-hours'
    )
  })
  test('due inside business hours', () => {
    const reply = msg('agent', 0, { created_datetime: '2026-11-25T09:00:00Z', sent_datetime: null })
    expect(summary(decide(ticket([reply]), [reply], S3, NOW))).toBe('follow-up 1')
  })
})

describe('decide: business hours across time zones, DST and holidays', () => {
  // follow-up after 9 business hours, i.e. one full working day of Mon-Fri 09:00-18:00.
  const at = (iso: string) => new Date(iso)
  const reply = (iso: string) => msg('agent', 0, { created_datetime: iso, sent_datetime: null })
  const rows: Array<[string, string, string, string, string, Expect]> = [
    // [name, timezone, holidays, agent reply (UTC), now (UTC), expected]
    [
      'UTC, Friday 17:00 + weekend: not due on Monday 09:30',
      'UTC',
      '',
      '2026-11-20T17:00:00Z',
      '2026-11-23T09:30:00Z',
      'skip not-due'
    ],
    [
      'UTC, Friday 17:00: due Monday 17:00',
      'UTC',
      '',
      '2026-11-20T17:00:00Z',
      '2026-11-23T17:00:00Z',
      'follow-up 1'
    ],
    [
      'UTC, Monday a holiday: still not due Monday 17:00',
      'UTC',
      '2026-11-23',
      '2026-11-20T17:00:00Z',
      '2026-11-23T17:00:00Z',
      'skip not-due'
    ],
    [
      'UTC, holiday: due Tuesday 17:00',
      'UTC',
      '2026-11-23',
      '2026-11-20T17:00:00Z',
      '2026-11-24T17:00:00Z',
      'follow-up 1'
    ],
    [
      'UTC, due but Saturday: waits for the window',
      'UTC',
      '',
      '2026-11-19T09:00:00Z',
      '2026-11-21T12:00:00Z',
      'skip outside-business-hours'
    ],
    // New York springs forward on Sunday 2026-03-08: Friday 09:00 EST = 14:00Z, Monday 09:00 EDT = 13:00Z.
    [
      'New York over the DST switch: a Friday 09:00 EST reply is due on Monday 17:59 EDT',
      'America/New_York',
      '',
      '2026-03-06T14:00:00Z',
      '2026-03-09T21:59:00Z',
      'follow-up 1'
    ],
    [
      'New York: Friday 10:00 EST reply, Monday 09:59 EDT',
      'America/New_York',
      '',
      '2026-03-06T15:00:00Z',
      '2026-03-09T13:59:00Z',
      'skip not-due'
    ],
    [
      'New York: Friday 10:00 EST reply, Monday 10:00 EDT',
      'America/New_York',
      '',
      '2026-03-06T15:00:00Z',
      '2026-03-09T14:00:00Z',
      'follow-up 1'
    ],
    // Paris falls back on Sunday 2026-10-25: Friday 10:00 CEST = 08:00Z, Monday 10:00 CET = 09:00Z.
    [
      'Paris over the DST switch: Friday 10:00 CEST reply, Monday 09:59 CET',
      'Europe/Paris',
      '',
      '2026-10-23T08:00:00Z',
      '2026-10-26T08:59:00Z',
      'skip not-due'
    ],
    [
      'Paris: Friday 10:00 CEST reply, Monday 10:00 CET',
      'Europe/Paris',
      '',
      '2026-10-23T08:00:00Z',
      '2026-10-26T09:00:00Z',
      'follow-up 1'
    ]
  ]
  test.each(rows)('%s', (...row) => {
    const [, timezone, holidays, replyAt, now, expected] = row
    const s = settings({
      'business-hours': 'Mon-Fri 09:00-18:00',
      timezone,
      holidays,
      'follow-up-hours': '9',
      'close-hours': '18'
    })
    const m = [reply(replyAt)]
    expect(summary(decide(ticket(m), m, s, at(now)))).toBe(expected)
  })
})

describe('triage from a list item, before any message is read', () => {
  const rows: Array<[string, Partial<Ticket>, string]> = [
    ['closed', { status: 'closed' }, 'skip not-open'],
    [
      'customer spoke last',
      { last_message_datetime: ago(5), last_received_message_datetime: ago(5) },
      'skip customer-replied'
    ],
    [
      'customer spoke last on a ticket carrying the follow-up tag',
      {
        last_message_datetime: ago(5),
        last_received_message_datetime: ago(5),
        tags: [tag('auto-close-sent')]
      },
      'untag'
    ],
    [
      'customer wrote 10 h ago and someone answered since: cannot be due',
      {
        created_datetime: ago(100),
        last_message_datetime: ago(2),
        last_received_message_datetime: ago(10)
      },
      'skip not-due'
    ],
    [
      'ticket created 10 h ago: cannot be due',
      {
        created_datetime: ago(10),
        last_message_datetime: ago(9),
        last_received_message_datetime: null
      },
      'skip not-due'
    ],
    [
      'customer wrote 100 h ago, last message 1 h ago (maybe a note): read its messages',
      {
        created_datetime: ago(200),
        last_message_datetime: ago(1),
        last_received_message_datetime: ago(100)
      },
      'read-ticket'
    ],
    ['unparseable timestamp', { created_datetime: 'soon' }, 'skip unreadable'],
    ['no id', { id: undefined }, 'skip unreadable']
  ]
  test.each(rows)('%s', (_name, extra, expected) => {
    const t = ticket([], extra)
    const d = triage(t, S, NOW)
    expect(d.kind === 'read-ticket' ? 'read-ticket' : summary(d)).toBe(expected)
  })

  test('triage never skips a ticket that decide would act on (internal notes move last_message_datetime)', () => {
    for (const noteAge of [0.5, 10, 47, 60]) {
      const messages = [msg('customer', 100), msg('agent', 60), msg('note', noteAge)]
      const t = ticket(messages)
      expect(decide(t, messages, S, NOW).kind).toBe('follow-up')
      expect(triage(t, S, NOW).kind).toBe('read-ticket')
    }
  })
})

describe('the decision on the read made right before a write', () => {
  test('a customer reply between list and write turns the follow-up into no action', () => {
    const before = [msg('customer', 60), msg('agent', 50)]
    const after = [...before, msg('customer', 0)]
    expect(decide(ticket(before), before, S, NOW).kind).toBe('follow-up')
    expect(decide(ticket(after), after, S, NOW)).toMatchObject({
      kind: 'skip',
      reason: 'customer-replied'
    })
  })
  test("a customer's message carrying our marker (an integration copied it) is still the customer's reply", () => {
    const reply = msg('agent', 80)
    const forged = msg('customer', 30, { external_id: followUpMarker(1, reply.id) })
    const m = [reply, forged]
    const d = decide(ticket(m, { tags: [tag('auto-close-sent')] }), m, S, NOW)
    expect(summary(d)).toBe('untag')
    expect(d).toMatchObject({ because: 'customer-replied' })
  })
  test('a follow-up already sent (by a run that timed out) is not sent again', () => {
    const reply = msg('agent', 50)
    expect(decide(ticket([reply]), [reply], S, NOW).kind).toBe('follow-up')
    const sent = msg('ours', 0, { external_id: followUpMarker(1, reply.id) })
    expect(decide(ticket([reply, sent]), [reply, sent], S, NOW).kind).toBe('tag-follow-up')
  })
})

describe('timestamps without a UTC offset are UTC, whatever the machine says', () => {
  // The API reference's own examples read `2020-02-01T19:12:32.432197`: no `Z`, no offset.
  const naive = (hours: number): string => ago(hours).replace(/Z$/, '')
  const zones = ['Asia/Tokyo', 'America/Los_Angeles', 'UTC']

  test.each(zones)('under TZ=%s a reply 40 h old is 40 h old, one 49 h old is due', zone => {
    const replies = [40, 49].map(h =>
      msg('agent', 0, { created_datetime: naive(h), sent_datetime: naive(h) })
    )
    const seen = inTimeZone<Array<{ kind: string; idleHours?: number }>>(
      zone,
      // The child runs compiled src/ alone, without the kit: the settings are parsed there.
      `const { decide } = await src('policy/decide')
       const { parseSettings } = await src('config')
       const s = parseSettings(name => input.inputs[name] ?? '')
       return input.cases.map(([t, m]) => decide(t, m, s, new Date(input.now)))`,
      {
        inputs: TEST_ACCOUNT,
        now: NOW.toISOString(),
        cases: replies.map(r => [ticket([r]), [r]])
      }
    )
    expect(seen.map(d => d.kind)).toEqual(['skip', 'follow-up'])
    expect(seen[1]!.idleHours).toBeCloseTo(49, 6)
  })

  test.each(zones)('under TZ=%s the list item triage reads the same hours', zone => {
    const t = ticket([], {
      created_datetime: naive(40),
      last_message_datetime: naive(40),
      last_received_message_datetime: null
    })
    const seen = inTimeZone<{ kind: string; reason?: string }>(
      zone,
      `const { triage } = await src('policy/decide')
       const { parseSettings } = await src('config')
       const s = parseSettings(name => input.inputs[name] ?? '')
       return triage(input.ticket, s, new Date(input.now))`,
      {
        inputs: TEST_ACCOUNT,
        now: NOW.toISOString(),
        ticket: t
      }
    )
    expect(seen).toMatchObject({ kind: 'skip', reason: 'not-due' })
  })
})

describe('parseTimestamp: ISO 8601 only, UTC unless an offset says otherwise', () => {
  const rows: Array<[string, string | undefined]> = [
    ['2020-02-01T19:12:32.432197', '2020-02-01T19:12:32.432Z'],
    ['2020-02-01T19:12:32', '2020-02-01T19:12:32.000Z'],
    ['2020-02-01 19:12:32', '2020-02-01T19:12:32.000Z'],
    ['2020-02-01T19:12', '2020-02-01T19:12:00.000Z'],
    ['2020-02-01', '2020-02-01T00:00:00.000Z'],
    ['2020-02-01T19:12:32Z', '2020-02-01T19:12:32.000Z'],
    ['2020-02-01T19:12:32.5+02:00', '2020-02-01T17:12:32.500Z'],
    ['2020-02-01T19:12:32-0530', '2020-02-02T00:42:32.000Z'],
    ['2020-02-01T19:12:32+00', '2020-02-01T19:12:32.000Z'],
    ['2020-02-30T00:00:00', undefined],
    ['2020-13-01T00:00:00', undefined],
    ['2020-02-01T24:00:00', undefined],
    ['Sat, 01 Feb 2020 19:12:32 GMT', undefined],
    ['1', undefined],
    ['yesterday', undefined],
    ['', undefined]
  ]
  test.each(rows)('%s', (text, expected) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(expected)
  })
})

describe('one of our tags without an id is removed by name, never sent as a missing id', () => {
  // Gorgias gives tags an id; one without (`{name}` only) used to become `{"ids": [null]}`: a
  // failed request on every run, for good.
  const named = (name: string) => ({ name }) as never
  const rows: Array<[string, Message[], Partial<Ticket>, Partial<Decision>]> = [
    [
      'customer replied, follow-up tag without id',
      [msg('agent', 100), msg('ours', 50), msg('customer', 2)],
      { tags: [named('auto-close-sent')] },
      { kind: 'untag', tags: [], namesWithoutId: ['auto-close-sent'] }
    ],
    [
      'customer replied, one tag with an id and one without',
      [msg('agent', 200), msg('ours', 150), msg('customer', 10)],
      { tags: [tag('auto-close-sent'), named('auto-closed'), tag('shipping', 52)] },
      { kind: 'untag', tags: [tag('auto-close-sent')], namesWithoutId: ['auto-closed'] }
    ],
    [
      'an id that is not a number counts as none',
      [msg('agent', 100), msg('ours', 50), msg('customer', 2)],
      { tags: [{ id: '50', name: 'auto-close-sent' } as never] },
      { kind: 'untag', tags: [], namesWithoutId: ['auto-close-sent'] }
    ],
    [
      'agent replied again, stale follow-up tag without id',
      [msg('agent', 200), msg('ours', 150), msg('agent', 5)],
      { tags: [named('auto-close-sent')] },
      { kind: 'untag', tags: [], namesWithoutId: ['auto-close-sent'] }
    ],
    [
      'a new cycle: the old closed-tag without id goes with the follow-up',
      [msg('agent', 300), msg('ours', 250), msg('customer', 200), msg('agent', 50)],
      { tags: [named('auto-closed')] },
      { kind: 'follow-up', staleTags: [], staleNamesWithoutId: ['auto-closed'] }
    ],
    [
      'a follow-up tag without id still counts as present (no tag repair)',
      [msg('agent', 60), msg('ours', 10)],
      { tags: [named('auto-close-sent')] },
      { kind: 'skip', reason: 'not-due' }
    ]
  ]
  test.each(rows)('%s', (_name, messages, extra, expected) => {
    expect(decide(ticket(messages, extra), messages, S, NOW)).toMatchObject(expected)
  })

  test('triage from the list item: the same split', () => {
    const t = ticket([], {
      last_message_datetime: ago(5),
      last_received_message_datetime: ago(5),
      tags: [named('auto-close-sent'), tag('auto-closed', 51)]
    })
    expect(triage(t, S, NOW)).toMatchObject({
      kind: 'untag',
      tags: [tag('auto-closed', 51)],
      namesWithoutId: ['auto-close-sent']
    })
  })

  test('tagRemoval: the DELETE /tickets/{id}/tags body, ids where known, names otherwise', () => {
    expect(tagRemoval([tag('a', 1)], [])).toEqual({ ids: [1] })
    expect(tagRemoval([], ['b'])).toEqual({ names: ['b'] })
    expect(tagRemoval([tag('a', 1)], ['b'])).toEqual({ ids: [1], names: ['b'] })
    expect(tagRemoval([], [])).toEqual({})
  })
})

describe("what this action sends reaches the ticket's customer, and only them", () => {
  // The agent's reply gives the channel, the support address and the integration; the recipient
  // is always the ticket's customer, whoever else the agent wrote to.
  const SC = settings({ channels: 'email,chat,sms' })
  const chatFrom = (address: string, senderId: number, hoursAgo: number, channel = 'chat') =>
    msg('customer', hoursAgo, {
      channel,
      sender: { id: senderId },
      source: { type: channel, from: { address }, to: [{ address: 'chat@acme.test' }] },
      integration_id: 8
    })
  const chatReply = (to: string, hoursAgo: number, channel = 'chat') =>
    msg('agent', hoursAgo, {
      channel,
      source: { type: channel, from: { address: 'chat@acme.test' }, to: [{ address: to }] },
      integration_id: 8
    })
  type Sent = {
    to: string
    receiver: object
    from?: string
    integration?: number
    subject?: string
  }
  const rows: Array<[string, Message[], Partial<Ticket>, Sent | string]> = [
    [
      'the agent replied to the customer',
      [msg('customer', 60), msg('agent', 50, { subject: 'Re: order' })],
      {},
      {
        to: 'ana@example.com',
        receiver: { id: 9 },
        from: 'support@acme.test',
        integration: 7,
        subject: 'Re: order'
      }
    ],
    [
      'a colleague in to and a manager in cc: the customer alone',
      [
        msg('customer', 60),
        msg('agent', 50, {
          source: {
            type: 'email',
            from: { address: 'support@acme.test' },
            to: [{ address: 'ana@example.com' }, { address: 'bob@acme.test' }],
            cc: [{ address: 'boss@acme.test' }],
            bcc: [{ address: 'audit@acme.test' }]
          }
        })
      ],
      {},
      { to: 'ana@example.com', receiver: { id: 9 }, from: 'support@acme.test' }
    ],
    [
      "the agent wrote to a carrier: the customer, not the carrier, under the ticket's subject",
      [
        msg('customer', 60),
        msg('agent', 50, {
          subject: 'Claim 123 for lost parcel',
          receiver: { id: 77, email: 'claims@carrier.test' },
          source: {
            type: 'email',
            from: { address: 'support@acme.test' },
            to: [{ address: 'claims@carrier.test' }]
          }
        })
      ],
      {},
      {
        to: 'ana@example.com',
        receiver: { id: 9 },
        from: 'support@acme.test',
        integration: 7,
        subject: 'Re: Where is my order?'
      }
    ],
    [
      "an agent reply without a usable source: channel and support address from the customer's message",
      [
        msg('customer', 60, { integration_id: 8 }),
        msg('agent', 50, { source: null, integration_id: null })
      ],
      {},
      { to: 'ana@example.com', receiver: { id: 9 }, from: 'support@acme.test', integration: 8 }
    ],
    [
      'no usable agent source, the customer wrote to a colleague and support: never from the colleague',
      [
        msg('customer', 60, {
          source: {
            type: 'email',
            from: { address: 'ana@example.com' },
            to: [{ address: 'carla@customer.test' }, { address: 'support@acme.test' }]
          }
        }),
        msg('agent', 50, { source: null })
      ],
      {},
      'skip channel-not-handled'
    ],
    [
      'the same, but the agent reply names its support address: that one',
      [
        msg('customer', 60, {
          source: {
            type: 'email',
            from: { address: 'ana@example.com' },
            to: [{ address: 'carla@customer.test' }, { address: 'Support@acme.test' }]
          }
        }),
        msg('agent', 50, {
          source: { type: 'email', from: { address: 'support@acme.test' }, to: [] }
        })
      ],
      {},
      { to: 'ana@example.com', receiver: { id: 9 }, from: 'Support@acme.test', integration: 7 }
    ],
    [
      'a "customer" who is the support address itself (a forwarded thread): no mail to ourselves',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: 'Support@Acme.test', firstname: 'Support' } },
      'skip no-customer-address'
    ],
    [
      'a "customer" who is the API key\'s own user: no mail to ourselves',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: 'bot@acme.test', firstname: 'Bot' } },
      'skip no-customer-address'
    ],
    [
      'a channel spelled "Email": still email, to the ticket\'s customer, not where their message came from',
      [
        msg('customer', 60, {
          channel: 'Email',
          sender: { id: 9 },
          source: {
            type: 'email',
            from: { address: 'someone-else@example.net' },
            to: [{ address: 'support@acme.test' }]
          }
        }),
        msg('agent', 50, { channel: 'Email', subject: 'Re: order' })
      ],
      { channel: 'Email' },
      {
        to: 'ana@example.com',
        receiver: { id: 9 },
        from: 'support@acme.test',
        subject: 'Re: order'
      }
    ],
    [
      'a customer without an email address',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: null, firstname: 'Ana' } },
      'skip no-customer-address'
    ],
    [
      'a customer email with other case and spaces is still theirs',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: '  Ana@Example.COM ', firstname: 'Ana' } },
      { to: 'Ana@Example.COM', receiver: { id: 9 } }
    ],
    [
      'a customer "email" that lists two addresses',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: 'ana@example.com, mallory@evil.test', firstname: 'Ana' } },
      'skip no-customer-address'
    ],
    [
      'a customer "email" with a display name',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: 'Ana <ana@example.com>', firstname: 'Ana' } },
      'skip no-customer-address'
    ],
    [
      "an apostrophe is part of many a real address (o'brien@...)",
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: "o'brien@example.com", firstname: 'Pat' } },
      { to: "o'brien@example.com", receiver: { id: 9 } }
    ],
    [
      'a customer "email" with an invisible control inside',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: 'ana@exa\u202Emple.com', firstname: 'Ana' } },
      'skip no-customer-address'
    ],
    [
      'a customer "email" longer than any mailbox can be (254 characters)',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { id: 9, email: `${'a'.repeat(250)}@example.com`, firstname: 'Ana' } },
      'skip no-customer-address'
    ],
    [
      'a customer without an id is named by email',
      [msg('customer', 60), msg('agent', 50)],
      { customer: { email: 'ana@example.com', firstname: 'Ana' } as never },
      { to: 'ana@example.com', receiver: { email: 'ana@example.com' } }
    ],
    [
      "chat: where the customer's own last chat came from",
      [chatFrom('visitor-123', 9, 60), chatReply('visitor-123', 50)],
      { channel: 'chat' },
      { to: 'visitor-123', receiver: { id: 9 }, from: 'chat@acme.test', integration: 8 }
    ],
    [
      'chat: the agent answered someone else; the customer still gets it',
      [
        chatFrom('visitor-123', 9, 70),
        chatFrom('visitor-555', 55, 60),
        chatReply('visitor-555', 50)
      ],
      { channel: 'chat' },
      { to: 'visitor-123', receiver: { id: 9 } }
    ],
    [
      'chat: no chat message from the customer at all',
      [chatFrom('visitor-555', 55, 60), chatReply('visitor-555', 50)],
      { channel: 'chat' },
      'skip no-customer-address'
    ],
    [
      'chat: the customer wrote by email only, the agent answered by chat',
      [msg('customer', 60, { sender: { id: 9 } }), chatReply('visitor-555', 50)],
      { channel: 'chat' },
      'skip no-customer-address'
    ],
    [
      "sms: the customer's own number",
      [chatFrom('+15550001', 9, 60, 'sms'), chatReply('+15550001', 50, 'sms')],
      { channel: 'sms' },
      { to: '+15550001', receiver: { id: 9 } }
    ]
  ]
  test.each(rows)('%s', (_name, messages, extra, expected) => {
    const t = ticket(messages, extra)
    const d = decide(t, messages, SC, NOW)
    if (typeof expected === 'string') {
      expect(summary(d)).toBe(expected)
      return
    }
    if (d.kind !== 'follow-up') throw new Error(`expected a follow-up, got ${summary(d)}`)
    const body = replyAlong(d.route, t, SC, 'Hello', d.marker)
    expect(body.source.to).toEqual([{ address: expected.to }])
    expect(body.receiver).toEqual(expected.receiver)
    expect(body.source).not.toHaveProperty('cc')
    expect(body.source).not.toHaveProperty('bcc')
    if (expected.from) expect(body.source.from).toMatchObject({ address: expected.from })
    if (expected.integration) expect(body.integration_id).toBe(expected.integration)
    if (expected.subject) expect(body.subject).toBe(expected.subject)
  })

  test('answered back the way the customer came: the support address, not the name the customer gave it', () => {
    const m = [
      msg('customer', 60, {
        source: {
          type: 'email',
          from: { address: 'ana@example.com' },
          to: [{ name: 'Refund approved: call +1 555 0100', address: 'support@acme.test' }]
        }
      }),
      msg('agent', 50, { source: null })
    ]
    const t = ticket(m)
    const d = decide(t, m, SC, NOW)
    if (d.kind !== 'follow-up') throw new Error(`expected a follow-up, got ${summary(d)}`)
    expect(replyAlong(d.route, t, SC, 'Hello', d.marker).source.from).toEqual({
      address: 'support@acme.test'
    })
  })

  test('the close message goes the same way: to the customer alone', () => {
    const m = [
      msg('customer', 80),
      msg('agent', 73, {
        source: {
          type: 'email',
          from: { address: 'support@acme.test' },
          to: [{ address: 'claims@carrier.test' }],
          cc: [{ address: 'ana@example.com' }]
        }
      }),
      msg('ours', 25)
    ]
    const t = ticket(m, { tags: [tag('auto-close-sent')] })
    const d = decide(t, m, S, NOW)
    if (d.kind !== 'close') throw new Error(`expected a close, got ${summary(d)}`)
    const body = replyAlong(d.route, t, S, 'Closing', d.marker)
    expect(body.source).toEqual({
      type: 'email',
      from: { address: 'support@acme.test' },
      to: [{ address: 'ana@example.com' }]
    })
    expect(body.receiver).toEqual({ id: 9 })
  })
})

describe('our own messages are known even when Gorgias did not keep the marker', () => {
  // Were external_id dropped, our follow-up would look like the agent's reply and start a new
  // cycle: a new follow-up every follow-up-hours, for ever. A message sent by the API key's user,
  // by the API, after the agent's reply, on a ticket with the follow-up tag, whose text is one of
  // our templates, is ours.
  const withTag = { tags: [tag('auto-close-sent')] }
  const T = ticket([])
  const followUpText = renderTemplate(S.followUpMessage, templateValues(T, 1, 1))
  const SC = settings({ 'close-message': 'Closing this now, {{first_name}}. Reply to reopen.' })
  const closeText = renderTemplate(SC.closeMessage, templateValues(T, 1, 1))
  /** our follow-up as Gorgias would keep it without external_id */
  const unmarked = (hoursAgo: number, extra: Partial<Message> = {}): Message =>
    msg('agent', hoursAgo, {
      via: 'api',
      sender: { id: 3, email: 'bot@acme.test' },
      body_text: followUpText,
      external_id: null,
      ...extra
    })
  const rows: Array<[string, Message[], Partial<Ticket>, Expect, Settings?]> = [
    [
      'an unmarked follow-up, 25 h old, reply 73 h old: close, not a new follow-up',
      [msg('customer', 80), msg('agent', 73), unmarked(25)],
      withTag,
      'close'
    ],
    [
      'an unmarked follow-up, 10 h old: not due (no second follow-up)',
      [msg('customer', 80), msg('agent', 60), unmarked(10)],
      withTag,
      'skip not-due'
    ],
    [
      'the sender email in another case and spaces',
      [msg('agent', 73), unmarked(25, { sender: { id: 3, email: ' Bot@ACME.test ' } })],
      withTag,
      'close'
    ],
    [
      'no via at all still counts',
      [msg('agent', 73), unmarked(25, { via: null })],
      withTag,
      'close'
    ],
    [
      'the text with other line breaks and spaces',
      [
        msg('agent', 73),
        unmarked(25, { body_text: `  ${followUpText.replace(/\n/g, '\r\n   ')}\n` })
      ],
      withTag,
      'close'
    ],
    [
      'only the HTML body kept',
      [
        msg('agent', 73),
        unmarked(25, {
          body_text: null,
          body_html: `<div><p>${followUpText.replace(/\n/g, '<br/>').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</p></div>`
        })
      ],
      withTag,
      'close'
    ],
    [
      'only stripped_text kept',
      [msg('agent', 73), unmarked(25, { body_text: null, stripped_text: followUpText })],
      withTag,
      'close'
    ],
    [
      'an unmarked close message: close without a second one',
      [msg('agent', 100), msg('ours', 50), unmarked(1, { body_text: closeText })],
      withTag,
      'close',
      SC
    ],
    [
      'the same text by another agent is an agent reply',
      [msg('agent', 73), unmarked(25, { sender: { id: 4, email: 'jo@acme.test' } })],
      withTag,
      'untag'
    ],
    [
      'the same text sent from the helpdesk is an agent reply',
      [msg('agent', 73), unmarked(25, { via: 'helpdesk' })],
      withTag,
      'untag'
    ],
    [
      'without the follow-up tag it is an agent reply',
      [msg('agent', 73), unmarked(25)],
      {},
      'skip not-due'
    ],
    [
      'another text by the same user is an agent reply',
      [msg('agent', 73), unmarked(25, { body_text: 'Your refund was issued today.' })],
      withTag,
      'untag'
    ],
    [
      'our text with more written under it is an agent reply',
      [msg('agent', 73), unmarked(25, { body_text: `${followUpText}\n\nPS: the refund is out.` })],
      withTag,
      'untag'
    ],
    [
      'right after a customer message it cannot be ours: it is the agent answering',
      [msg('agent', 100), msg('customer', 60), unmarked(50)],
      withTag,
      'follow-up 1'
    ]
  ]
  test.each(rows)('%s', (...row) => {
    const [, messages, extra, expected, s] = row
    expect(summary(decide(ticket(messages, extra), messages, s ?? S, NOW))).toBe(expected)
  })

  test('a close after an unmarked close message posts no second one', () => {
    const m = [msg('agent', 100), msg('ours', 50), unmarked(1, { body_text: closeText })]
    expect(decide(ticket(m, withTag), m, SC, NOW)).toMatchObject({
      kind: 'close',
      postMessage: false
    })
  })

  /** The messages the reasoning counts as ours by sender and text, their marker missing. */
  const unmarkedIds = (t: Ticket, m: Message[], s: Settings): number[] =>
    (reason(t, m, s, NOW).timeline ?? []).filter(x => x.unmarked).map(x => x.messageId)

  test('the timeline marks exactly the messages recognised without a marker', () => {
    const fu = unmarked(25)
    const m = [msg('customer', 80), msg('agent', 73), fu, msg('note', 2)]
    expect(unmarkedIds(ticket(m, withTag), m, S)).toEqual([fu.id])
    const marked = [msg('customer', 80), msg('agent', 73), msg('ours', 25)]
    expect(unmarkedIds(ticket(marked, withTag), marked, S)).toEqual([])
    const agents = [msg('agent', 73), unmarked(25, { via: 'helpdesk' })]
    expect(unmarkedIds(ticket(agents, withTag), agents, S)).toEqual([])
  })

  test('a Gorgias variable, default and all, stands for any text like our placeholders', () => {
    const SG = settings({
      'follow-up-message':
        'Hi {{ticket.customer.firstname | default: "there"}}, any news on "{{ticket.subject}}"?'
    })
    const fu = unmarked(25, { body_text: 'Hi Ana, any news on "Where is my parcel?"?' })
    const m = [msg('agent', 73), fu]
    expect(unmarkedIds(ticket(m, withTag), m, SG)).toEqual([fu.id])
  })

  test('a template with hardly any text of its own recognises nothing', () => {
    const SP = settings({ 'follow-up-message': '{{first_name}}?' })
    const m = [msg('agent', 73), unmarked(25, { body_text: 'Is the refund out yet?' })]
    expect(unmarkedIds(ticket(m, withTag), m, SP)).toEqual([])
    expect(summary(decide(ticket(m, withTag), m, SP, NOW))).toBe('untag')
  })

  test('never more follow-ups in one silence than the schedule has', () => {
    const S2 = settings({ 'follow-up-hours': '24,72', 'close-hours': '96' })
    const first = msg('ours', 73, { external_id: followUpMarker(1, 1) })
    // reminder 2 went out, Gorgias dropped its marker: it still counts
    const second = unmarked(25, {
      body_text: renderTemplate(S2.followUpMessage, templateValues(T, 2, 2))
    })
    const m = [msg('agent', 97), first, second]
    expect(summary(decide(ticket(m, withTag), m, S2, NOW))).toBe('close')
    // the schedule shortened to one reminder after two went out: still none more
    const m2 = [msg('agent', 60), msg('ours', 50), msg('ours', 30)]
    expect(summary(decide(ticket(m2, withTag), m2, S, NOW))).toBe('skip not-due')
  })
})

describe('a close posts a message when the ticket language has a close text', () => {
  const texts = (close: string) => ({
    followUp: 'Any news, {{first_name}}?',
    finalFollowUp: '',
    close
  })
  const catalog: MessageCatalog = {
    source: '/repo/messages.yml',
    defaultLanguage: 'en',
    byLanguage: { en: texts(''), fr: texts('Nous fermons la demande, {{first_name}}.') }
  }
  const SL: Settings = { ...S, messages: catalog, messagesFile: '/repo/messages.yml' }
  const rows: Array<[string, string | null, boolean]> = [
    ['French: its close text', 'fr', true],
    ['Canadian French: falls back to French', 'fr-CA', true],
    ['English: no close text', 'en', false],
    ['no language: the default (English)', null, false]
  ]
  test.each(rows)('%s', (_name, language, postMessage) => {
    const m = [msg('agent', 100), msg('ours', 50)]
    const t = ticket(m, { tags: [tag('auto-close-sent')], language })
    expect(decide(t, m, SL, NOW)).toMatchObject({ kind: 'close', postMessage })
  })
})
