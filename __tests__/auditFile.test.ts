import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { auditLines, writeAuditFile } from '../src/state.js'
import { SKIP_REASONS, type SkipReason } from '../src/policy/types.js'
import type { Outcome, Report } from '../src/sweep/types.js'

const outcome = (o: Partial<Outcome> & Pick<Outcome, 'ticketId'>): Outcome => ({
  subject: `Secret subject of ${o.ticketId}`,
  firstName: 'Zelda',
  language: null,
  idleHours: null,
  action: 'follow-up',
  result: 'done',
  ...o
})

function report(over: Partial<Report> = {}): Report {
  const skipped = Object.fromEntries(SKIP_REASONS.map(r => [r, 0])) as Record<SkipReason, number>
  skipped['not-due'] = 7
  skipped['customer-replied'] = 3
  return {
    dryRun: false,
    startedAt: new Date('2026-03-02T10:17:00Z'),
    finishedAt: new Date('2026-03-02T10:19:30.500Z'),
    listing: { kind: 'open-view' },
    pages: 2,
    ticketsSeen: 140,
    candidates: 20,
    actions: [
      outcome({ ticketId: 11, language: 'fr', idleHours: 50.123456, reminder: 1, reminders: 2 }),
      outcome({ ticketId: 12, action: 'close', language: 'de', idleHours: 80 }),
      outcome({
        ticketId: 13,
        result: 'failed',
        detail: 'follow-up sent; adding auto-close-sent failed: HTTP 500',
        code: 'gorgias-unavailable',
        wrote: true,
        language: 'en',
        idleHours: 49,
        reminder: 1,
        reminders: 1
      }),
      outcome({ ticketId: 14, result: 'deferred', detail: 'max-actions reached', idleHours: 48.5 })
    ],
    housekeeping: [
      outcome({ ticketId: 21, action: 'untag', detail: 'removed auto-close-sent' }),
      outcome({ ticketId: 22, action: 'tag-follow-up', result: 'failed', detail: 'HTTP 503' })
    ],
    readFailures: [
      outcome({ ticketId: 31, action: 'check', result: 'failed', detail: 'HTTP 500' })
    ],
    skipped,
    notableSkips: [outcome({ ticketId: 41, result: 'skipped', detail: 'Zelda has an open order' })],
    reopened: [51, 52],
    warnings: [],
    explanations: [],
    ...over
  }
}

const parsed = (lines: string[]): Array<Record<string, unknown>> =>
  lines.map(line => JSON.parse(line) as Record<string, unknown>)

describe('auditLines', () => {
  const lines = auditLines(report(), { domain: 'acme' })

  test('every line is one JSON object on one line', () => {
    for (const line of lines) {
      expect(line).not.toContain('\n')
      expect(JSON.parse(line)).toEqual(expect.any(Object))
    }
  })

  test('one line per ticket acted on, deferred, repaired or unreadable, in report order', () => {
    const tickets = parsed(lines).filter(l => l.type === 'ticket')
    expect(tickets.map(l => [l.ticketId, l.section, l.action, l.result])).toEqual([
      [11, 'action', 'follow-up', 'done'],
      [12, 'action', 'close', 'done'],
      [13, 'action', 'follow-up', 'failed'],
      [14, 'action', 'follow-up', 'deferred'],
      [21, 'housekeeping', 'untag', 'done'],
      [22, 'housekeeping', 'tag-follow-up', 'failed'],
      [31, 'read-failure', 'check', 'failed']
    ])
  })

  test('a ticket line says what, why, in which language, and when', () => {
    expect(parsed(lines)[2]).toEqual({
      type: 'ticket',
      store: 'acme',
      ticketId: 13,
      section: 'action',
      action: 'follow-up',
      reminder: 1,
      reminders: 1,
      result: 'failed',
      detail: 'gorgias-unavailable',
      wrote: true,
      language: 'en',
      idleHours: 49,
      dryRun: false,
      startedAt: '2026-03-02T10:17:00.000Z',
      finishedAt: '2026-03-02T10:19:30.500Z'
    })
    expect(parsed(lines)[0]).toMatchObject({ idleHours: 50.12, language: 'fr', reminders: 2 })
    expect(parsed(lines)[4]).toMatchObject({
      reminder: null,
      language: null,
      idleHours: null,
      wrote: false
    })
  })

  test('the last line has the counts, as the step outputs count them', () => {
    expect(parsed(lines).at(-1)).toEqual({
      type: 'totals',
      store: 'acme',
      dryRun: false,
      startedAt: '2026-03-02T10:17:00.000Z',
      finishedAt: '2026-03-02T10:19:30.500Z',
      listing: 'open-view',
      ticketsSeen: 140,
      candidates: 20,
      // 13's follow-up went out before its tag failed: followed up and failed
      followedUp: 2,
      closed: 1,
      failed: 3,
      deferred: 1,
      skipped: 10,
      reopened: 2,
      reopenedTicketIds: [51, 52],
      stop: null
    })
  })

  test('no subject and no customer name, anywhere', () => {
    const text = lines.join('\n')
    expect(text).not.toMatch(/Secret subject|Zelda/)
    expect(text).not.toMatch(/"(subject|firstName)"/)
  })

  test('a dry run, a stopped run and an empty run say so', () => {
    const stopped = parsed(
      auditLines(
        report({
          dryRun: true,
          actions: [],
          housekeeping: [],
          readFailures: [],
          reopened: [],
          listing: { kind: 'ticket-ids', ids: [5] },
          stop: { kind: 'time-limit', minutes: 20 }
        }),
        { domain: 'acme' }
      )
    )
    expect(stopped).toHaveLength(1)
    expect(stopped[0]).toMatchObject({
      type: 'totals',
      dryRun: true,
      listing: 'ticket-ids',
      stop: 'time-limit',
      followedUp: 0,
      reopened: 0
    })
  })
})

describe('writeAuditFile', () => {
  test('creates the parent folders and writes one line each, newline-terminated', () => {
    const root = mkdtempSync(join(tmpdir(), 'audit-'))
    const path = join(root, 'reports', 'acme', 'run.jsonl')
    const lines = auditLines(report(), { domain: 'acme' })
    writeAuditFile(path, lines)
    expect(readFileSync(path, 'utf8')).toBe(`${lines.join('\n')}\n`)
    // no temporary file is left behind
    expect(readdirSync(join(root, 'reports', 'acme'))).toEqual(['run.jsonl'])
  })

  test('replaces an earlier file whole', () => {
    const root = mkdtempSync(join(tmpdir(), 'audit-'))
    const path = join(root, 'run.jsonl')
    writeFileSync(path, 'old\nold\nold\n')
    writeAuditFile(path, ['{"a":1}'])
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n')
  })

  test('a path it cannot write names report-file and leaves nothing behind', () => {
    const root = mkdtempSync(join(tmpdir(), 'audit-'))
    const blocker = join(root, 'file')
    writeFileSync(blocker, '')
    expect(() => writeAuditFile(join(blocker, 'run.jsonl'), ['{}'])).toThrow(
      /^report-file .*run\.jsonl: the audit file could not be written: /
    )
    const folder = join(root, 'folder')
    writeAuditFile(join(folder, 'x'), [])
    expect(() => writeAuditFile(folder, ['{}'])).toThrow(/report-file/)
    expect(readdirSync(root).sort()).toEqual(['file', 'folder'])
    expect(existsSync(join(folder, 'x'))).toBe(true)
    expect(readdirSync(folder)).toEqual(['x'])
  })
})

describe('the audit file holds no server text', () => {
  test("a 400 quoting the customer's address, name and subject lands as a fixed code", () => {
    const raw =
      'POST /tickets/13/messages: HTTP 400: {"receiver": "zelda@example.com is not valid for Zelda Z (Secret subject of 13)"}'
    const r = report({
      actions: [
        outcome({ ticketId: 13, result: 'failed', detail: raw, code: 'refused-by-gorgias' }),
        outcome({ ticketId: 14, result: 'deferred', detail: 'not read: max-actions reached' })
      ],
      housekeeping: [],
      readFailures: [
        outcome({ ticketId: 31, action: 'check', result: 'failed', detail: 'HTTP 500 zelda' })
      ]
    })
    const text = auditLines(r, { domain: 'acme' }).join('\n')
    expect(text).not.toMatch(/zelda|Secret subject|HTTP 400/i)
    const details = auditLines(r, { domain: 'acme' })
      .map(l => JSON.parse(l) as { type: string; detail?: string | null })
      .filter(l => l.type === 'ticket')
      .map(l => l.detail)
    expect(details).toEqual(['refused-by-gorgias', 'max-actions', 'error'])
  })
})
