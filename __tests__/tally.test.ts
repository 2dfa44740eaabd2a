import { describe, expect, test } from '@jest/globals'
import { outcome } from '../src/sweep/act.js'
import { stopRun } from '../src/sweep/context.js'
import { Tally } from '../src/sweep/tally.js'
import type { Stop } from '../src/sweep/types.js'

/** Every ticket counted once, whatever happened to it; the report reads the same every time. */

const started = new Date('2026-01-05T10:00:00Z')
const line = (id: number, result: 'done' | 'deferred' | 'failed' = 'done') =>
  outcome({ id }, null, 'follow-up', result)

describe('Tally', () => {
  test('each ticket seen is counted once: acted on, failed to read, or skipped for one reason', () => {
    const tally = new Tally(false, started)
    for (let i = 0; i < 6; i++) tally.seen()
    tally.skip('not-open')
    tally.skip('policy-module', line(3))
    tally.action(1, line(11))
    tally.action(0, line(10, 'deferred'))
    tally.readFailure(outcome({ id: 12 }, null, 'check', 'failed', 'HTTP 500'))
    tally.tagRepair('customer-replied', outcome({ id: 13 }, null, 'untag', 'done'))
    expect(tally.counted).toBe(tally.seenCount)
    const report = tally.report({ kind: 'open-view' }, started, undefined)
    expect(report.actions.map(o => o.ticketId)).toEqual([10, 11])
    expect(report.skipped['customer-replied']).toBe(1)
    expect(report.housekeeping.map(o => o.ticketId)).toEqual([13])
    expect(report.notableSkips.map(o => o.ticketId)).toEqual([3])
  })

  test('a fallback listing starts the counts afresh; pages and warnings stay', () => {
    const tally = new Tally(true, started)
    tally.page()
    tally.seen()
    tally.skip('not-due')
    tally.reopened(5)
    tally.warn('view refused')
    tally.warn('view refused')
    tally.restart()
    tally.page()
    tally.seen()
    tally.skip('spam')
    const report = tally.report({ kind: 'all-tickets', why: 'view refused' }, started, undefined)
    expect(report).toMatchObject({
      pages: 2,
      ticketsSeen: 1,
      reopened: [],
      warnings: ['view refused']
    })
    expect(report.skipped['not-due']).toBe(0)
    expect(report.skipped.spam).toBe(1)
  })

  test('the first reason to stop is the one reported', () => {
    const tally = new Tally(false, started)
    const run: { stop: Stop | undefined } = { stop: undefined }
    stopRun(run, { kind: 'time-limit', minutes: 20 })
    stopRun(run, { kind: 'time-limit', minutes: 5 })
    expect(tally.report({ kind: 'open-view' }, started, run.stop).stop).toEqual({
      kind: 'time-limit',
      minutes: 20
    })
  })

  test('reopened tickets are listed once each, in id order', () => {
    const tally = new Tally(false, started)
    for (const id of [9, 2, 9]) tally.reopened(id)
    expect(tally.report({ kind: 'open-view' }, started, undefined).reopened).toEqual([2, 9])
  })
})
