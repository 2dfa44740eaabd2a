import { describe, expect, test } from '@jest/globals'
import { marked } from 'marked'
import type { Settings } from '../src/config.js'
import { AuthError } from '../src/gorgias/errors.js'
import { SKIP_REASONS, type SkipReason } from '../src/policy/types.js'
import {
  failureLine,
  outputs,
  reportJson,
  requestLine,
  stopLine,
  terminalReport,
  timeLimitLine
} from '../src/report.js'
import { stoppedSummary, summaryMarkdown, withinSummaryLimit } from '../src/summary.js'
import type { Outcome, Report } from '../src/sweep/types.js'
import type { MessagePreview } from '../src/preview.js'
import { settingsFor, type Inputs } from './helpers/kit.js'

/**
 * The report as a specification: what a support lead reads in the job summary and the terminal,
 * whatever customers typed into their subjects and names.
 */

function settings(overrides: Inputs = {}): Settings {
  return settingsFor(null, overrides, { workspace: '/repo' })
}
const S = settings()

const noSkips = (): Record<SkipReason, number> =>
  Object.fromEntries(SKIP_REASONS.map(r => [r, 0])) as Record<SkipReason, number>

function report(extra: Partial<Report> = {}): Report {
  return {
    dryRun: false,
    startedAt: new Date('2026-11-26T12:00:00Z'),
    finishedAt: new Date('2026-11-26T12:00:05Z'),
    listing: { kind: 'open-view' },
    pages: 1,
    ticketsSeen: 3,
    candidates: 1,
    actions: [],
    housekeeping: [],
    readFailures: [],
    skipped: noSkips(),
    notableSkips: [],
    reopened: [],
    warnings: [],
    explanations: [],
    ...extra
  }
}

function outcome(extra: Partial<Outcome> = {}): Outcome {
  return {
    ticketId: 101,
    subject: 'Where is my order?',
    firstName: 'Ana',
    language: null,
    idleHours: 50,
    action: 'follow-up',
    reminder: 1,
    reminders: 1,
    result: 'done',
    ...extra
  }
}

/** The rendered HTML of the table row of ticket `id` (GitHub renders GFM much like marked). */
function renderedRow(markdown: string, id: number): string {
  const html = marked.parse(markdown, { gfm: true, async: false })
  const row = html.split('<tr>').find(r => r.includes(`/app/ticket/${id}"`))
  if (!row) throw new Error(`no row for ticket ${id} in:\n${html}`)
  return row
}

/** The cells of a rendered row, as HTML. */
const cells = (row: string): string[] =>
  [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(m => m[1]!)

const decode = (html: string): string =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')

describe('customer text is shown as text in the job summary', () => {
  // [what, subject, what the reader must see]
  const rows: Array<[string, string, string]> = [
    [
      'a link',
      'Refund [click here](https://evil.example/x)',
      'Refund [click here](https://evil.example/x)'
    ],
    ['an image', '![pixel](https://evil.example/p.png)', '![pixel](https://evil.example/p.png)'],
    ['emphasis', 'very *urgent* and **bold**', 'very *urgent* and **bold**'],
    ['underscores', '_x_ and __y__', '_x_ and __y__'],
    ['code', 'use `rm -rf` now', 'use `rm -rf` now'],
    ['a heading', '# Title', '# Title'],
    ['a quote', '> quoted', '> quoted'],
    ['a list start', '- item', '- item'],
    ['a numbered list start', '1. first', '1. first'],
    ['strikethrough', '~~gone~~ ~x~', '~~gone~~ ~x~'],
    ['a bare https autolink', 'see https://evil.example/login', 'see https://evil.example/login'],
    ['a www autolink', 'visit www.evil.example today', 'visit www.evil.example today'],
    ['an email autolink', 'write to boss@evil.example', 'write to boss@evil.example'],
    ['an angle autolink', '<https://evil.example>', '<https://evil.example>'],
    ['raw HTML', '<script>alert(1)</script><b>x</b>', '<script>alert(1)</script><b>x</b>'],
    ['an entity', 'caf&#xe9; &amp; &lt;b&gt;', 'caf&#xe9; &amp; &lt;b&gt;'],
    ['a pipe', 'a | b || c', 'a | b || c'],
    ['backslashes', 'C:\\path\\*', 'C:\\path\\*'],
    ['math', '$x^2$ and $$y$$', '$x^2$ and $$y$$'],
    ['line breaks', 'first\nsecond\r\nthird', 'first second third'],
    ['prose keeps its look', 'Re: order 12. Thanks!', 'Re: order 12. Thanks!']
  ]
  test.each(rows)('%s', (_what, subject, seen) => {
    const md = summaryMarkdown(report({ actions: [outcome({ subject })] }), S, null)
    const subjectCell = cells(renderedRow(md, 101))[1]!
    expect(subjectCell).not.toMatch(/<[a-z]/i)
    expect(decode(subjectCell)).toBe(seen)
  })

  test('only the ticket links are links, in every table', () => {
    const evil = 'https://evil.example [x](https://evil.example) www.evil.example a@evil.example'
    const md = summaryMarkdown(
      report({
        actions: [outcome({ subject: evil, firstName: evil, result: 'failed', detail: evil })],
        readFailures: [outcome({ ticketId: 102, action: 'check', result: 'failed', detail: evil })],
        housekeeping: [outcome({ ticketId: 103, action: 'untag', detail: evil })],
        notableSkips: [outcome({ ticketId: 104, result: 'skipped', detail: evil })],
        warnings: [evil],
        listing: { kind: 'all-tickets', why: evil }
      }),
      S,
      null
    )
    const html = marked.parse(md, { gfm: true, async: false })
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map(m => m[1])
    expect(hrefs.length).toBeGreaterThan(0)
    for (const href of hrefs)
      expect(href).toMatch(/^https:\/\/acme\.gorgias\.com\/app\/ticket\/\d+$/)
    expect(html).not.toContain('<img')
  })

  test('bidirectional controls are taken out, so no subject displays reversed', () => {
    const subject = 'Invoice \u202Efdp.exe\u202C \u2066x\u2069 \u200Fy\u200E \u061Cz'
    const md = summaryMarkdown(report({ actions: [outcome({ subject })] }), S, null)
    expect(md).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/)
    expect(decode(cells(renderedRow(md, 101))[1]!)).toBe('Invoice fdp.exe x y z')
  })

  test('other control characters are dropped from cells', () => {
    const subject = 'bell\u0007 esc\u001b[31mred\u001b[0m nul\u0000 csi\u009b2J del\u007f'
    const md = summaryMarkdown(report({ actions: [outcome({ subject })] }), S, null)
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
  })

  test('a long subject is cut on whole characters: no emoji or accent is split', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'
    const accented = 'e\u0301'
    const subject = `${family.repeat(40)}${accented.repeat(40)}`
    const md = summaryMarkdown(report({ actions: [outcome({ subject })] }), S, null)
    const shown = decode(cells(renderedRow(md, 101))[1]!)
    expect(shown.endsWith('…')).toBe(true)
    const body = shown.slice(0, -1)
    // Whole family emoji only (each 8 UTF-16 units), then whole accented letters.
    expect(body.replace(new RegExp(family, 'gu'), '').replace(/e\u0301/g, '')).toBe('')
    expect(body.length).toBeLessThanOrEqual(4 * 70)
  })
})

describe('the terminal table carries no control character', () => {
  test('no line can be forged, no colour or cursor move', () => {
    const subject = 'ok\r\nTICKET 999 forged\u001b[2J\u001b[31m\u0007\u009b1m\u202Eevil'
    const text = terminalReport(
      report({
        actions: [
          outcome({ subject, firstName: 'A\nB', result: 'failed', detail: 'x\ry\u001b[0m' })
        ],
        notableSkips: [outcome({ ticketId: 104, result: 'skipped', detail: 'z\n::error::w' })],
        warnings: ['warn\nline']
      }),
      S,
      null
    )
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202A-\u202E]/)
    expect(text.split('\n').filter(l => l.includes('forged'))).toHaveLength(1)
    expect(text).not.toMatch(/^::/m)
  })
})

describe('summary-customer-details: false shows no customer text at all', () => {
  const S2 = settings({ 'summary-customer-details': 'false' })
  const o = outcome({
    subject: 'Lost parcel to Springfield',
    firstName: 'Bartholomew',
    result: 'failed',
    detail: 'Gorgias refused "Lost parcel to Springfield" for Bartholomew <bart@example.com>'
  })
  const md = summaryMarkdown(
    report({
      actions: [o],
      notableSkips: [{ ...o, ticketId: 104, result: 'skipped', detail: 'Bartholomew is a VIP' }],
      readFailures: [{ ...o, ticketId: 105, action: 'check' }]
    }),
    S2,
    null
  )
  test('no subject or name column, but links, hours, actions and results', () => {
    expect(md).toContain('| Ticket | Hours idle | Action | Result |')
    expect(md).toContain('[#101](https://acme.gorgias.com/app/ticket/101)')
    expect(md).toContain('50.0')
  })
  test('no subject, name or address anywhere, failure details included', () => {
    for (const text of ['Springfield', 'Bartholomew', 'bart@example', 'example\\.com']) {
      expect(md).not.toContain(text)
    }
    expect(md).toContain('\\[subject\\]')
    expect(md).toContain('\\[customer\\]')
  })
  test('on by default: subject and name columns', () => {
    expect(summaryMarkdown(report({ actions: [o] }), S, null)).toContain(
      '| Ticket | Subject | Customer | Hours idle | Action | Result |'
    )
  })
})

describe('summary-customer-details: false whatever the spacing the server echoes', () => {
  const S2 = settings({ 'summary-customer-details': 'false' })
  test('a subject or name quoted with its spaces and line breaks collapsed (or spread) is hidden', () => {
    const o = outcome({
      subject: 'Refund  for\norder 7781',
      firstName: 'Ana',
      customerNames: ['Ana  Maria Lima'],
      result: 'failed',
      detail:
        'Gorgias refused "Refund for order 7781" of Ana Maria\tLima, and "Refund  for   order 7781"'
    })
    const md = summaryMarkdown(report({ actions: [o] }), S2, null)
    for (const text of ['7781', 'Maria', 'Lima', 'Refund']) expect(md).not.toContain(text)
    expect(md).toContain('\\[subject\\]')
    expect(failureLine(report({ actions: [o] }), S2)).not.toContain('7781')
  })
})

describe('the job summary stays under GitHub’s 1 MiB limit', () => {
  const long = 'x'.repeat(5000)
  test('10,000 vetoed, deferred, failed and reopened tickets', () => {
    const many = (n: number, extra: Partial<Outcome>): Outcome[] =>
      Array.from({ length: n }, (_, i) =>
        outcome({ ticketId: 1000 + i, subject: long, firstName: long, detail: long, ...extra })
      )
    const md = summaryMarkdown(
      report({
        actions: [
          ...many(10_000, { result: 'done' }),
          ...many(10_000, { result: 'deferred', detail: 'max-actions reached' })
        ],
        readFailures: many(10_000, { action: 'check', result: 'failed' }),
        housekeeping: many(10_000, { action: 'untag' }),
        notableSkips: many(10_000, { result: 'skipped' }),
        reopened: Array.from({ length: 10_000 }, (_, i) => 50_000 + i),
        warnings: [long]
      }),
      S,
      null
    )
    expect(Buffer.byteLength(md)).toBeLessThan(1_000_000)
    expect(md).toContain('…and 9700 more follow-ups')
    expect(md).toContain('…and 9900 more tickets to look at')
    expect(md).toContain('…and 9975 more deferred to the next run')
    expect(md).toContain('…and 9900 more skipped tickets')
    expect(md).toContain('Reopened after an automatic close: 10000')
    expect(md).toContain('Settings in effect')
  })

  test('the last guard cuts at a line, closes an open <details> and says so', () => {
    const lines = [
      '# t',
      '<details><summary>s</summary>',
      ...Array(100).fill('y'.repeat(50)),
      '</details>'
    ]
    const out = withinSummaryLimit(lines, 1500)
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1500)
    expect(out).toContain('</details>')
    expect(out).toContain('the rest of this summary is left out')
    expect(withinSummaryLimit(['a', 'b'], 1500)).toBe('a\nb')
  })
})

describe('what the summary says about the run', () => {
  const listings: Array<[string, Report['listing'], string]> = [
    ['the open-tickets view', { kind: 'open-view' }, 'Listed the open tickets'],
    ['a saved view', { kind: 'saved-view', viewId: 42 }, 'saved view 42'],
    [
      'all tickets, with the why of the fallback',
      { kind: 'all-tickets', why: 'the view query was refused (HTTP 400)' },
      'Listed every ticket not in the trash (the view query was refused (HTTP 400))'
    ],
    [
      'ticket ids',
      { kind: 'ticket-ids', ids: [7, 8] },
      'Read only the tickets asked for (ticket-ids): [#7](https://acme.gorgias.com/app/ticket/7), [#8]'
    ]
  ]
  test.each(listings)('which listing was used: %s', (_what, listing, expected) => {
    expect(summaryMarkdown(report({ listing }), S, null)).toContain(expected)
  })

  test('each warning is a visible line, escaped', () => {
    const md = summaryMarkdown(
      report({
        warnings: ['3 messages look like this action’s follow-ups but lack the marker', '*x*']
      }),
      S,
      null
    )
    expect(md).toContain(
      '> **Warning:** 3 messages look like this action’s follow-ups but lack the marker'
    )
    expect(md).toContain('> **Warning:** \\*x\\*')
  })

  test('a time limit stops the run early; it is no failure', () => {
    const r = report({
      stop: { kind: 'time-limit', minutes: 20 },
      actions: [outcome({ result: 'deferred', detail: 'time limit reached' })]
    })
    expect(stopLine(r, S)).toBeNull()
    expect(failureLine(r, S)).toBeNull()
    expect(timeLimitLine(r)).toBe(
      'time-limit-minutes (20) reached: no new ticket was started after it; the rest is deferred to the next run.'
    )
    const md = summaryMarkdown(r, S, null)
    expect(md).toContain('**Stopped early:** time-limit-minutes (20) reached')
    expect(md).toContain('deferred: time limit reached')
    expect(terminalReport(r, S, null)).toContain('Stopped early: time-limit-minutes (20) reached')
  })

  test('credentials that stopped working halfway are a stop and a failure', () => {
    const error = new AuthError('401', {
      method: 'GET',
      path: '/tickets/1',
      kind: 'get-ticket',
      status: 401
    })
    const r = report({ stop: { kind: 'credentials', error } })
    expect(stopLine(r, S)).toContain('acme.gorgias.com rejected the credentials')
    expect(timeLimitLine(r)).toBeNull()
    expect(summaryMarkdown(r, S, null)).toContain(
      '**Stopped:** acme\\.gorgias\\.com rejected the credentials'
    )
  })

  test('deferred rows say why: max-actions, time limit, or not read', () => {
    const md = summaryMarkdown(
      report({
        actions: [
          outcome({ ticketId: 1, result: 'deferred', detail: 'max-actions reached' }),
          outcome({ ticketId: 2, result: 'deferred', detail: 'time limit reached' }),
          outcome({ ticketId: 3, result: 'deferred', detail: 'not read: HTTP 503' })
        ]
      }),
      S,
      null
    )
    expect(md).toContain('deferred: max-actions reached')
    expect(md).toContain('deferred: time limit reached')
    expect(md).toContain('deferred: not read: HTTP 503')
  })

  test('reopened tickets: a section with links, and an output', () => {
    const r = report({ reopened: [5, 6] })
    const md = summaryMarkdown(r, S, null)
    expect(md).toContain('### Reopened after an automatic close: 2')
    expect(md).toContain('[#5](https://acme.gorgias.com/app/ticket/5), [#6]')
    expect(outputs(r)['reopened-count']).toBe('2')
    expect(outputs(report())['reopened-count']).toBe('0')
  })

  test('a language column when the texts come from a messages file', () => {
    const SL = { ...S, messagesFile: '/repo/messages.yml' }
    const md = summaryMarkdown(report({ actions: [outcome({ language: 'fr' })] }), SL, null)
    expect(md).toContain(
      '| Ticket | Subject | Customer | Language | Hours idle | Action | Result |'
    )
    expect(cells(renderedRow(md, 101))[3]).toBe('fr')
  })
})

describe('stoppedSummary: a run that could not start', () => {
  test('says why, as text', () => {
    const md = stoppedSummary(
      'view-id: Gorgias has no view [9](https://x.example) on acme\nsecond line',
      S
    )
    expect(md).toContain('## Gorgias auto-close: acme')
    expect(md).toContain('**Stopped:** view-id: Gorgias has no view \\[9\\]')
    const html = marked.parse(md, { gfm: true, async: false })
    expect(html).not.toContain('<a ')
    expect(html).toContain('second line')
  })
})

describe('the summary at a glance', () => {
  const preview = (ticketId: number, name: string): MessagePreview => ({
    kind: 'follow-up',
    reminder: 1,
    reminders: 1,
    language: 'default',
    exact: {
      to: `${name.toLowerCase()}@example.com`,
      from: 'Acme Support <support@acme.test>',
      subject: `Re: Order #${ticketId}`,
      body: `Hi ${name},\n\nStill there?`
    },
    neutral: {
      to: '[customer address]',
      from: 'Acme Support <support@acme.test>',
      subject: 'Re: [subject]',
      body: 'Hi [first name],\n\nStill there?'
    }
  })

  test('a dry run starts with one line that says so and how to go live', () => {
    const md = summaryMarkdown(report({ dryRun: true }), S, null)
    expect(md.split('\n')[0]).toBe(
      '**Dry run: nothing was changed in Gorgias.** To go live, set the repository variable `GORGIAS_AUTO_CLOSE_LIVE` to `true` (the starter workflows stay dry runs until then).'
    )
    expect(summaryMarkdown(report(), S, null)).not.toContain('Dry run')
  })

  test('follow-ups and closes in separate tables, in the order taken (oldest reply first)', () => {
    const md = summaryMarkdown(
      report({
        actions: [
          outcome({ ticketId: 7, idleHours: 90, action: 'close' }),
          outcome({ ticketId: 5, idleHours: 80 }),
          outcome({ ticketId: 6, idleHours: 60 }),
          outcome({ ticketId: 8, result: 'deferred', detail: 'not read: max-actions reached' })
        ]
      }),
      S,
      null
    )
    const followUps = md.indexOf('### Follow-ups: 2')
    const closes = md.indexOf('### Closes: 1')
    const deferred = md.indexOf('### Deferred to the next run: 1')
    expect(followUps).toBeGreaterThan(0)
    expect(closes).toBeGreaterThan(followUps)
    expect(deferred).toBeGreaterThan(closes)
    expect(md.indexOf('/ticket/5)')).toBeLessThan(md.indexOf('/ticket/6)'))
    expect(md.indexOf('/ticket/7)')).toBeGreaterThan(closes)
    expect(md).toMatch(/Might be due.*Deferred.*Tag repairs/)
  })

  test('a "needs a person" list with links: failed sends, unreadable, no address, module errors', () => {
    const md = summaryMarkdown(
      report({
        actions: [
          outcome({
            ticketId: 11,
            result: 'failed',
            detail: 'HTTP 400',
            code: 'refused-by-gorgias'
          }),
          outcome({ ticketId: 12, result: 'failed', detail: 'threw', code: 'policy-module' })
        ],
        readFailures: [
          outcome({ ticketId: 13, action: 'check', result: 'failed', detail: 'HTTP 500' })
        ],
        notableSkips: [
          outcome({
            ticketId: 14,
            action: 'check',
            result: 'skipped',
            skipReason: 'no-customer-address'
          }),
          outcome({ ticketId: 15, action: 'check', result: 'skipped', detail: 'VIP order' })
        ]
      }),
      S,
      null
    )
    const section = md.slice(md.indexOf('### Needs a person: 4'), md.indexOf('### Follow-ups'))
    expect(section).toContain('[#11](https://acme.gorgias.com/app/ticket/11): follow-up failed')
    expect(section).toContain(
      '[#12](https://acme.gorgias.com/app/ticket/12): the policy module failed'
    )
    expect(section).toContain('[#13](https://acme.gorgias.com/app/ticket/13): could not be read')
    expect(section).toContain('[#14](https://acme.gorgias.com/app/ticket/14): no usable address')
    expect(section).not.toContain('#15')
    expect(md).toContain('VIP order')
  })

  test('"on 1 page", not "1 pages"; a nameless customer is "(no name)", not "there"', () => {
    const r = report({ pages: 1, ticketsSeen: 1, actions: [outcome({ firstName: '' })] })
    const md = summaryMarkdown(r, S, null)
    expect(md).toContain('Read 1 ticket on 1 page;')
    expect(md).toContain('| (no name) |')
    expect(terminalReport(r, S, null)).toContain('on 1 page;')
  })

  test('a dry run shows each message once, word for word, with how many tickets get it', () => {
    const r = report({
      dryRun: true,
      actions: [
        outcome({ ticketId: 21, result: 'would-do', message: preview(21, 'Ana') }),
        outcome({ ticketId: 22, result: 'would-do', message: preview(22, 'Bo') })
      ]
    })
    const md = summaryMarkdown(r, S, null)
    expect(md).toContain('### The messages that would be sent')
    expect(md).toContain('#### Follow-up: 2 tickets (as [#21]')
    expect(md).toContain('To: ana\\@example\\.com')
    expect(md).toContain('> Hi Ana,')
    expect(md).not.toContain('Hi Bo,')
    const text = terminalReport(r, S, null)
    expect(text).toContain('| Hi Ana,')
    expect(text).toContain('Subject: Re: Order #21')
    expect(text).not.toMatch(/\\[#:.]/)
    const withCloses = report({
      dryRun: true,
      actions: [outcome({ ticketId: 23, action: 'close', result: 'would-do' })]
    })
    expect(summaryMarkdown(withCloses, S, null)).toContain(
      '1 ticket would be closed without a message (no close message is set).'
    )
    const hidden = summaryMarkdown(r, settings({ 'summary-customer-details': 'false' }), null)
    expect(hidden).toContain('> Hi \\[first name\\],')
    expect(hidden).not.toMatch(/Ana|Bo\b|example/)
  })
})

describe('the numbers agree across media', () => {
  test('--json: `skipped` is the count, as in skipped-count; `skippedByReason` the reasons', () => {
    const skipped = { ...noSkips(), 'not-due': 2, 'customer-replied': 1 }
    const r = report({ skipped })
    const json = JSON.parse(reportJson(r, null)) as Record<string, unknown>
    expect(json.skipped).toBe(3)
    expect(String(json.skipped)).toBe(outputs(r)['skipped-count'])
    expect(json.skippedByReason).toEqual(skipped)
    expect(Object.keys(json).slice(0, 5)).toEqual([
      'followedUp',
      'closed',
      'failed',
      'deferred',
      'skipped'
    ])
  })

  test('a table title counts what the headline counts; failed rows are counted apart', () => {
    const r = report({
      actions: [
        outcome({ ticketId: 1 }),
        outcome({ ticketId: 2, result: 'failed', detail: 'HTTP 400' }),
        outcome({ ticketId: 3, result: 'failed', wrote: true, detail: 'tag failed' }),
        outcome({ ticketId: 4, action: 'close', result: 'failed', detail: 'HTTP 403' })
      ]
    })
    const md = summaryMarkdown(r, S, null)
    expect(md).toContain('**2 followed up, 0 closed**, 3 failed')
    expect(md).toContain('### Follow-ups: 2 (and 1 failed)')
    expect(md).toContain('### Closes: 0 (and 1 failed)')
    const dry = report({
      dryRun: true,
      actions: [outcome({ ticketId: 1, result: 'would-do' }), outcome({ ticketId: 2 })]
    })
    expect(summaryMarkdown(dry, S, null)).toContain('### Follow-ups (would be sent): 2\n')
  })

  test('the request line does not call retry and Retry-After waits "paced"', () => {
    const stats = {
      requests: { 'get-ticket': 8 },
      total: 8,
      throttled: 0,
      retries: 4,
      rateLimitWaits: 0,
      waitedMs: 4200,
      limit: 40
    } as unknown as Parameters<typeof requestLine>[0]
    const line = requestLine(stats)
    expect(line).not.toMatch(/paced 0 times \(4\.2 s\)/)
    expect(line).toContain('paced 0 times')
    expect(line).toContain('4.2 s waited in all (pacing, 429s and retries)')
  })

  test('ticket-ids: the headline counts the ids asked for, and the ones read', () => {
    const r = report({
      listing: { kind: 'ticket-ids', ids: [1, 2, 3] },
      ticketsSeen: 3,
      candidates: 1,
      actions: [
        outcome({ ticketId: 1 }),
        outcome({ ticketId: 2, action: 'check', result: 'deferred', detail: 'not read' }),
        outcome({ ticketId: 3, action: 'check', result: 'deferred', detail: 'not read' })
      ]
    })
    const md = summaryMarkdown(r, S, null)
    expect(md).not.toContain('Read 3 tickets')
    expect(md).toContain('3 tickets asked for (ticket-ids); 1 read. **1 followed up, 0 closed**')
    expect(terminalReport(r, S, null)).toContain('3 tickets asked for (ticket-ids); 1 read.')
  })
})
