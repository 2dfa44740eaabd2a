import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTime } from '../src/gorgias/transport.js'
import type { Ticket } from '../src/gorgias/types.js'
import {
  latestDue,
  loadState,
  readSaved,
  RunState,
  STATE_FORMAT,
  STATE_MAX_BYTES,
  stateFingerprint,
  writeState,
  type StateEntry
} from '../src/state.js'
import { stateLine } from '../src/entry.js'
import { resolveMessages, type MacroClient } from '../src/macros.js'
import { settingsFor, type Inputs } from './helpers/kit.js'

/** The state between runs: what it remembers, when it is trusted, and how it is kept on disk. */

const H = 3_600_000
const T0 = Date.parse('2026-03-02T10:00:00Z')
const fp = (inputs: Inputs = {}, policy: string | null = null) =>
  stateFingerprint(settingsFor(null, inputs), policy)
const folder = () => mkdtempSync(join(tmpdir(), 'state-'))
const listed = (id: number, updated: string | null): Ticket =>
  ({ id, status: 'open', updated_datetime: updated }) as Ticket

describe('the fingerprint: one account, one set of settings', () => {
  test.each<[string, Inputs]>([
    ['another domain', { 'gorgias-domain': 'other' }],
    ['other follow-up hours', { 'follow-up-hours': '24' }],
    ['more reminders', { 'follow-up-hours': '48, 96', 'close-hours': '120' }],
    ['other close hours', { 'close-hours': '96' }],
    ['business hours', { 'business-hours': 'Mon-Fri 09:00-17:00' }],
    ['another time zone', { 'business-hours': 'Mon-Fri 09:00-17:00', timezone: 'Europe/Paris' }],
    ['another message', { 'follow-up-message': 'Hi {{first_name}}, still there?' }],
    ['a close message', { 'close-message': 'Closing this, {{first_name}}.' }],
    ['other exclude-tags', { 'exclude-tags': 'vip' }],
    ['only-tags', { 'only-tags': 'returns' }],
    ['other channels', { channels: 'email,chat' }],
    ['another follow-up tag', { 'follow-up-tag': 'nudged' }],
    ['another closed tag', { 'closed-tag': 'closed-by-bot' }]
  ])('changes with %s', (_what, inputs) => {
    expect(fp(inputs)).not.toBe(fp())
  })

  test.each<[string, Inputs]>([
    ['dry-run', { 'dry-run': 'true' }],
    ['max-actions', { 'max-actions': '5' }],
    ['time-limit-minutes', { 'time-limit-minutes': '5' }],
    ['rate-limit-share', { 'rate-limit-share': '0.2' }],
    ['report-file', { 'report-file': '/tmp/audit.jsonl' }],
    ['summary-customer-details', { 'summary-customer-details': 'false' }]
  ])('does not change with %s (a dry run prepares the real run)', (_what, inputs) => {
    expect(fp(inputs)).toBe(fp())
  })

  test("does not change with the API user's fields no text reads (a {{current_user}} text)", async () => {
    const settings = settingsFor(null, {
      'follow-up-message': 'Hi, {{current_user.firstname}} here'
    })
    const apiUser = (updated: string) => ({
      list: function* () {
        yield [{ id: 1, email: settings.email, firstname: 'Alex', updated_datetime: updated }]
      }
    })
    const withUser = async (updated: string) => {
      const client = apiUser(updated) as unknown as MacroClient
      const messages = await resolveMessages(client, settings.messages, settings.email)
      return stateFingerprint({ ...settings, messages }, null)
    }
    const first = await withUser('2026-03-02T10:00:00Z')
    expect(await withUser('2026-03-02T11:00:00Z')).toBe(first)
  })

  test("changes with the policy module's content, not its path", () => {
    expect(fp({}, 'export default () => undefined')).not.toBe(fp())
    expect(fp({}, 'export default () => undefined')).not.toBe(fp({}, 'export default () => 1'))
  })

  test('holds no setting in clear: a hash only', () => {
    expect(fp()).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('the file', () => {
  const entries = new Map<number, StateEntry>([
    [7, { updated: T0, due: T0 + 20 * H }],
    [3, { updated: T0 - H, due: T0 + 2 * H, wrote: T0 - H + 999 }]
  ])

  test('round trip: written atomically, read back the same, ids and timestamps only', () => {
    const dir = folder()
    const path = join(dir, 'nested', 'state.json')
    writeState(path, fp(), entries, new Date(T0))
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json'])
    const loaded = loadState(path, fp())
    expect(loaded.notice).toBeNull()
    expect(loaded.entries).toEqual(entries)
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    expect(Object.keys(json).sort()).toEqual(['fingerprint', 'format', 'savedAt', 'tickets'])
    expect(json.tickets).toEqual({
      '3': ['2026-03-02T09:00:00.000Z', '2026-03-02T12:00:00.000Z', '2026-03-02T09:00:00.999Z'],
      '7': ['2026-03-02T10:00:00.000Z', '2026-03-03T06:00:00.000Z']
    })
  })

  test('a file that cannot be written is an error naming the input; no temporary file is left', () => {
    const dir = folder()
    writeFileSync(join(dir, 'file'), 'x')
    expect(() => writeState(join(dir, 'file', 'state.json'), fp(), entries, new Date())).toThrow(
      /^state-file .*: the state could not be written/
    )
    expect(readdirSync(dir)).toEqual(['file'])
  })

  const ignored: Array<[string, (path: string) => void, RegExp]> = [
    ['missing', () => undefined, /no state yet/],
    ['not JSON', p => writeFileSync(p, '{"format": 1, "tick'), /not JSON/],
    ['empty', p => writeFileSync(p, ''), /not JSON/],
    ['another kind of JSON', p => writeFileSync(p, '[1,2,3]'), /not a state file/],
    [
      'of a newer format',
      p =>
        writeFileSync(
          p,
          JSON.stringify({ format: STATE_FORMAT + 1, fingerprint: fp(), tickets: {} })
        ),
      /newer version/
    ],
    [
      'of other settings',
      p => writeState(p, fp({ 'follow-up-hours': '24' }), entries, new Date()),
      /another account or other settings/
    ],
    [
      'damaged: an entry that is not timestamps',
      p =>
        writeFileSync(
          p,
          JSON.stringify({
            format: 1,
            fingerprint: fp(),
            savedAt: '',
            tickets: { '5': ['x', 'y'] }
          })
        ),
      /damaged/
    ],
    [
      'damaged: an id that is not a ticket id',
      p =>
        writeFileSync(
          p,
          JSON.stringify({ format: 1, fingerprint: fp(), savedAt: '', tickets: { '-1': [new Date().toISOString(), new Date().toISOString()] } }) // prettier-ignore
        ),
      /damaged/
    ],
    ['oversized', p => writeFileSync(p, Buffer.alloc(STATE_MAX_BYTES + 1, 32)), /larger than/],
    ['a folder', p => mkdirSync(p), /not a regular file/]
  ]
  test.each(ignored)('%s: ignored with a notice, never an error', (_what, make, notice) => {
    const path = join(folder(), 'state.json')
    make(path)
    const loaded = loadState(path, fp())
    expect(loaded.entries.size).toBe(0)
    expect(loaded.notice).toMatch(notice)
    expect(loaded.notice).toContain(`state-file ${path}`)
  })
})

describe('the skip rule: a read is saved only while the ticket is unchanged and not due', () => {
  const entry: StateEntry = { updated: T0, due: T0 + 10 * H }
  const now = new Date(T0 + H)

  test.each<[string, StateEntry | undefined, string | null, Date, boolean]>([
    ['unchanged, not due yet', entry, '2026-03-02T10:00:00Z', now, true],
    ['the same instant written otherwise', entry, '2026-03-02T11:00:00+01:00', now, true],
    ['changed since (a note, a tag, a reply)', entry, '2026-03-02T10:00:01Z', now, false],
    ['due now', entry, '2026-03-02T10:00:00Z', new Date(T0 + 10 * H), false],
    ['past due', entry, '2026-03-02T10:00:00Z', new Date(T0 + 30 * H), false],
    ['no entry', undefined, '2026-03-02T10:00:00Z', now, false],
    ['no updated_datetime on the list item', entry, null, now, false],
    ['an updated_datetime that is not a date', entry, 'yesterday', now, false],
    [
      'changed only by our own write',
      { ...entry, wrote: T0 + 999 },
      '2026-03-02T10:00:00.700Z',
      now,
      true
    ],
    [
      'changed, and a write time later than now (a forged file)',
      { ...entry, wrote: T0 + 100 * H },
      '2026-03-02T10:30:00Z',
      now,
      false
    ],
    [
      'changed only by our own write, read again within the same second',
      { ...entry, wrote: T0 + H + 999 },
      '2026-03-02T11:00:00.300Z',
      now,
      true
    ],
    [
      'changed after our own write',
      { ...entry, wrote: T0 + 999 },
      '2026-03-02T10:00:01Z',
      now,
      false
    ],
    [
      'unchanged, due past the furthest a schedule reaches (a forged file)',
      { updated: T0, due: Date.parse('2999-01-01T00:00:00Z') },
      '2026-03-02T10:00:00Z',
      now,
      false
    ]
  ])('%s', (_what, e, updated, at, saved) => {
    expect(readSaved(e, listed(1, updated), at, latestDue(settingsFor(null), at))).toBe(saved)
  })

  test('the latest due time: close-hours and a day from now, a day more for the clocks', () => {
    // close-hours 72 by default
    expect(latestDue(settingsFor(null), now)).toBe(now.getTime() + (72 + 48) * H)
  })

  test('the latest due time in business hours reaches past the holidays the step spans', () => {
    // Friday 16:00, open Mon-Fri 09:00-17:00 UTC; the next two weeks are holidays.
    const friday = new Date('2026-03-06T16:00:00Z')
    const s = settingsFor(null, {
      'follow-up-hours': '4',
      'close-hours': '8',
      'business-hours': 'Mon-Fri 09:00-17:00',
      holidays:
        '2026-03-09 2026-03-10 2026-03-11 2026-03-12 2026-03-13\n' +
        '2026-03-16 2026-03-17 2026-03-18 2026-03-19 2026-03-20'
    })
    // A reply at this very moment is due after 8 open hours: an hour on Friday, seven on Monday 23.
    const legit = Date.parse('2026-03-23T16:00:00Z')
    expect(latestDue(s, friday)).toBeGreaterThan(legit)
    expect(latestDue(s, friday)).toBeLessThan(legit + 7 * 24 * H)
  })

  test('a run keeps the tickets it saved or found not due, and forgets the others', () => {
    const previous = new Map<number, StateEntry>([
      [1, entry],
      [2, entry],
      [3, entry]
    ])
    const run = new RunState(previous, settingsFor(null))
    expect(run.skipsRead(listed(1, '2026-03-02T10:00:00Z'), now)).toBe(true)
    expect(run.skipsRead(listed(2, '2026-03-02T12:00:00Z'), now)).toBe(false)
    run.notDue(listed(2, '2026-03-02T12:00:00Z'), new Date(T0 + 40 * H), null)
    // 3 was not listed: closed, or left the view.
    expect(run.saved).toBe(1)
    expect([...run.toSave().keys()]).toEqual([1, 2])
    expect(run.toSave().get(2)).toEqual({ updated: T0 + 2 * H, due: T0 + 40 * H })
  })

  test('a ticket listed again (the fallback after a view page) is one read saved, as last found', () => {
    const run = new RunState(new Map([[1, entry], [2, entry]]), settingsFor(null)) // prettier-ignore
    expect(run.skipsRead(listed(1, '2026-03-02T10:00:00Z'), now)).toBe(true)
    expect(run.skipsRead(listed(2, '2026-03-02T10:00:00Z'), now)).toBe(true)
    // The fallback lists both again; 2 changed in between, so it is read after all.
    expect(run.skipsRead(listed(1, '2026-03-02T10:00:00Z'), now)).toBe(true)
    expect(run.skipsRead(listed(2, '2026-03-02T12:00:00Z'), now)).toBe(false)
    expect(run.saved).toBe(1)
  })

  test('a listing cut short keeps the entries of the tickets it did not reach', () => {
    const run = new RunState(new Map([[1, entry], [9, entry]]), settingsFor(null)) // prettier-ignore
    run.listed(1)
    run.listingCutShort()
    expect([...run.toSave().keys()]).toEqual([9])
  })
})

describe("our own write's time", () => {
  test('the Date header, to the end of its second, for a write to a ticket', () => {
    const date = 'Mon, 02 Mar 2026 10:00:00 GMT'
    expect(writeTime('add-tags', '/tickets/42/tags', date)).toEqual({ ticketId: 42, at: T0 + 999 })
    expect(writeTime('close-ticket', '/tickets/42', date)).toEqual({ ticketId: 42, at: T0 + 999 })
    expect(writeTime('create-message', '/tickets/42/messages', date)?.ticketId).toBe(42)
  })

  test('nothing for a read, no date, or a date that is not one', () => {
    expect(writeTime('get-ticket', '/tickets/42', 'Mon, 02 Mar 2026 10:00:00 GMT')).toBeNull()
    expect(writeTime('add-tags', '/tickets/42/tags', null)).toBeNull()
    expect(writeTime('add-tags', '/tickets/42/tags', 'soon')).toBeNull()
    expect(writeTime('tags', '/tags', 'Mon, 02 Mar 2026 10:00:00 GMT')).toBeNull()
  })
})

test('the last line says how many reads the state saved', () => {
  expect(stateLine(undefined)).toBeNull()
  expect(stateLine({ readsSaved: 12, kept: 40, file: '/w/state.json', notice: null })).toBe(
    'State file: 12 ticket reads saved; 40 tickets remembered for the next run.'
  )
  expect(stateLine({ readsSaved: 0, kept: 1, file: null, notice: 'x' })).toContain(
    'not used: see the notice'
  )
})
