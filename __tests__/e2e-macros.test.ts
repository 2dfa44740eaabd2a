import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GorgiasSimulator } from '../simulator/server.js'
import { dueTicket, runAction, runCli, simInputs } from './helpers/action.js'
import { ours } from './helpers/kit.js'

/**
 * The bundle as the runner runs it, with the texts and the business hours the team keeps in
 * Gorgias: macros (in the ticket's language, with Gorgias's variables) and the account's hours.
 * The simulator's account has the macro "Follow-up" in English (#12) and French (#13), "Order
 * status" (#14, using Shopify data) and the archived "Old follow-up" (#15).
 */

let sim: GorgiasSimulator
let dir: string
beforeEach(async () => {
  sim = new GorgiasSimulator()
  await sim.start()
  dir = mkdtempSync(join(tmpdir(), 'gac-macros-'))
})
afterEach(async () => {
  await sim.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** The summary as read: Markdown escapes dropped. */
const plain = (summary: string): string => summary.replace(/\\(.)/g, '$1')

const customer = (firstname: string, email: string) => ({ customer: { firstname, email } })

describe('follow-up-macro', () => {
  test("sends the macro's text with its variables filled, in the ticket's language", async () => {
    const en = dueTicket(sim, 50, { language: 'en', ...customer('Ana', 'ana@example.com') })
    const fr = dueTicket(sim, 50, { language: 'fr-CA', ...customer('Zoé', 'zoe@example.com') })
    const de = dueTicket(sim, 50, {
      language: 'de',
      subject: 'Größe <b>M</b>',
      ...customer('<script>alert(1)</script>', 'jo@example.com')
    })
    const run = await runAction(simInputs(sim, { 'follow-up-macro': 'Follow-up' }))
    expect(run.code).toBe(0)
    expect(run.outputs['follow-up-count']).toBe('3')

    const [toAna] = ours(sim, en.id)
    expect(toAna!.body_text).toMatch(/^Hi Ana,\n\nJust checking in on "/)
    expect(toAna!.body_text).toMatch(/\n\nAlex, Acme Store support$/)
    expect(toAna!.body_html).toMatch(/^<p>Hi Ana,<\/p>/)
    const [toZoe] = ours(sim, fr.id)
    expect(toZoe!.body_text).toMatch(/^Bonjour Zoé,\n\nNous revenons vers vous/)
    expect(toZoe!.body_text).toMatch(/Alex, service client Acme Store$/)
    // No German macro: the macro named (the first of that name) answers.
    const [toJo] = ours(sim, de.id)
    expect(toJo!.body_text).toMatch(/^Hi <script>alert\(1\)<\/script>,/)
    expect(toJo!.body_html).toContain('<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;,</p>')
    expect(toJo!.body_html).toContain('Größe &lt;b&gt;M&lt;/b&gt;')
    for (const m of [toAna!, toZoe!, toJo!]) expect(m.body_text).not.toContain('{{')

    // Only the text: the macro's addTags and setStatus are not applied, and the summary says so.
    expect(sim.ticket(en.id)!.status).toBe('open')
    expect(sim.ticket(en.id)!.tags!.map(t => t.name)).toEqual(['auto-close-sent'])
    expect(plain(run.summary)).toMatch(/follow-up-macro.*"Follow-up" \(#12 en default, #13 fr\)/)
    expect(plain(run.summary)).toMatch(/not applied: addTags, setStatus/)
    // Read once each, before the first write; the API user once, for current_user.
    const reads = sim.log.filter(e => /^\/api\/(macros|users)/.test(e.path))
    expect(reads.map(e => `${e.method} ${e.path}`)).toEqual(['GET /api/macros', 'GET /api/users'])
    const firstWrite = sim.log.findIndex(e => e.method !== 'GET' && e.path !== '/api/views/0/items')
    expect(sim.log.indexOf(reads[reads.length - 1]!)).toBeLessThan(firstWrite)
  })

  test('a dry run shows which macro each customer would get, and writes nothing', async () => {
    const fr = dueTicket(sim, 50, { language: 'fr', ...customer('Zoé', 'zoe@example.com') })
    const en = dueTicket(sim, 50, { language: 'en', ...customer('Ana', 'ana@example.com') })
    const run = await runAction(
      simInputs(sim, { 'follow-up-macro': 'Follow-up', 'dry-run': 'true' })
    )
    expect(run.code).toBe(0)
    expect(sim.writes()).toHaveLength(0)
    const rows = plain(run.summary).split('\n')
    const row = (id: number) => rows.find(r => r.startsWith('|') && r.includes(`#${id}]`))
    expect(row(fr.id)).toContain('| fr | macro "Follow-up" (#13, fr) |')
    expect(row(en.id)).toContain('| en | macro "Follow-up" (#12, en) |')
  })

  test('by id: the French macro named, the English one found by its name', async () => {
    const en = dueTicket(sim, 50, { language: 'en', ...customer('Ana', 'ana@example.com') })
    const none = dueTicket(sim, 50, { language: null, ...customer('Li', 'li@example.com') })
    const run = await runAction(simInputs(sim, { 'follow-up-macro': '#13' }))
    expect(run.code).toBe(0)
    expect(ours(sim, en.id)[0]!.body_text).toMatch(/^Hi Ana,/)
    expect(ours(sim, none.id)[0]!.body_text).toMatch(/^Bonjour Li,/)
    expect(plain(run.summary)).toMatch(/"Follow-up" \(#13 fr default, #12 en\)/)
  })

  test('close-macro: the close message in the ticket language, then the close', async () => {
    const fr = dueTicket(sim, 50, { language: 'fr', ...customer('Zoé', 'zoe@example.com') })
    const first = await runAction(simInputs(sim))
    expect(first.outputs['follow-up-count']).toBe('1')
    sim.age(30)
    const run = await runAction(simInputs(sim, { 'close-macro': 'Follow-up' }))
    expect(run.code).toBe(0)
    expect(run.outputs['closed-count']).toBe('1')
    const sent = ours(sim, fr.id)
    expect(sent).toHaveLength(2)
    expect(sent[1]!.body_text).toMatch(/^Bonjour Zoé,/)
    expect(sim.ticket(fr.id)!.status).toBe('closed')
  })

  test('a messages-file entry may name a macro', async () => {
    const path = join(dir, 'messages.yml')
    writeFileSync(
      path,
      [
        'default: en',
        'en:',
        '  follow-up-macro: Follow-up',
        'fr:',
        '  follow-up-macro: 12',
        'de:',
        '  follow-up: "Hallo {{ticket.customer.firstname | default: \'zusammen\'}}, {{current_user.name}}"'
      ].join('\n')
    )
    const fr = dueTicket(sim, 50, { language: 'fr', ...customer('Zoé', 'zoe@example.com') })
    const de = dueTicket(sim, 50, { language: 'de', customer: { email: 'x@example.com' } })
    const run = await runAction(simInputs(sim, { 'messages-file': path }))
    expect(run.code).toBe(0)
    // fr names #12 by id: its French translation is picked for the entry's language.
    expect(ours(sim, fr.id)[0]!.body_text).toMatch(/^Bonjour Zoé,/)
    expect(ours(sim, de.id)[0]!.body_text).toBe('Hallo zusammen, Alex Agent')
  })
})

describe('a macro that cannot be sent stops the run before any write, naming the input', () => {
  test.each([
    [
      'a variable this action cannot fill',
      'Order status',
      /follow-up-macro: macro "Order status" \(#14, en\) body_text: unknown placeholder \{\{ticket\.customer\.integrations\.shopify\.orders\[0\]\.name\}\}/
    ],
    [
      'an archived macro',
      'Old follow-up',
      /follow-up-macro: the macro "Old follow-up" is archived/
    ],
    [
      'an archived macro by id',
      '15',
      /follow-up-macro: macro "Old follow-up" \(#15, en\) is archived/
    ],
    ['no such name', 'Folow-up', /follow-up-macro: no macro is named "Folow-up"/],
    ['no such id', '999', /follow-up-macro: macro #999 not found/]
  ])('%s', async (_what, macro, message) => {
    dueTicket(sim, 50)
    const run = await runAction(simInputs(sim, { 'follow-up-macro': macro }))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`::error::${message.source}`))
    expect(sim.writes()).toHaveLength(0)
    expect(run.outputs).toEqual({})
  })

  test('a macro without response text', async () => {
    sim.setMacro({ id: 30, name: 'Tag only', language: 'en', actions: [{ name: 'addTags', arguments: { tags: 'x' } }] }) // prettier-ignore
    dueTicket(sim, 50)
    const run = await runAction(simInputs(sim, { 'close-macro': 'Tag only' }))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /::error::close-macro: macro "Tag only" \(#30, en\) has no response text/
    )
    expect(sim.writes()).toHaveLength(0)
  })

  test('the CLI exits 2 with the same message', async () => {
    dueTicket(sim, 50)
    const res = await runCli(['--follow-up-macro', 'Order status'], {
      GORGIAS_DOMAIN: 'acme',
      GORGIAS_EMAIL: sim.email,
      GORGIAS_API_KEY: sim.apiKey,
      GORGIAS_API_URL: sim.baseUrl
    })
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('{{ticket.customer.integrations.shopify.orders[0].name}}')
    expect(sim.writes()).toHaveLength(0)
  })

  test('a macro input with its message input is refused before any request', async () => {
    const run = await runAction(
      simInputs(sim, { 'follow-up-macro': 'Follow-up', 'follow-up-message': 'Hi {{first_name}}' })
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::follow-up-macro: set together with follow-up-message/)
    expect(sim.log).toHaveLength(0)
  })

  test('an unknown variable in an input is refused before any request', async () => {
    const run = await runAction(
      simInputs(sim, { 'close-message': 'Bye {{ticket.customer.integrations.shopify.orders[0].name}}' }) // prettier-ignore
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /::error::close-message: unknown placeholder \{\{ticket\.customer\.integrations/
    )
    expect(sim.log).toHaveLength(0)
  })
})

/**
 * An account open every day from 00:00 to 12:00 in a time zone where it is now between 06:00 and
 * 07:00, whatever the real time: twelve business hours a day, and the action is inside them.
 */
function zoneAtSixAm(): string {
  const offset = ((((6 - new Date().getUTCHours()) % 24) + 24 + 12) % 24) - 12
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`
}

describe('business-hours: gorgias', () => {
  test("counts only the account's hours, shown in the settings", async () => {
    const zone = zoneAtSixAm()
    sim.setAccountSettings([
      { id: 3, type: 'business-hours', data: { timezone: zone, business_hours: [{ days: '1,2,3,4,5,6,7', from_time: '00:00', to_time: '12:00' }] } } // prettier-ignore
    ])
    // 80 hours ago is 36 business hours or more; 30 hours ago is 18 business hours.
    const old = dueTicket(sim, 80)
    const recent = dueTicket(sim, 30)
    const run = await runAction(
      simInputs(sim, {
        'business-hours': 'gorgias',
        'follow-up-hours': '20',
        'close-hours': '200'
      })
    )
    expect(run.code).toBe(0)
    expect(ours(sim, old.id)).toHaveLength(1)
    expect(ours(sim, recent.id)).toHaveLength(0)
    expect(plain(run.summary)).toContain(`Mon-Sun 00:00-12:00 (${zone}), the Gorgias account's`)
    expect(sim.log.filter(e => e.path === '/api/account')).toHaveLength(1)
  })

  test.each([
    ['no business-hours setting', [], {}, /::error::business-hours: gorgias: the account's business hours are not set/], // prettier-ignore
    ['days it cannot read', [{ type: 'business-hours', data: { timezone: 'Europe/Paris', business_hours: [{ days: 'weekdays', from_time: '09:00', to_time: '17:00' }] } }], {}, /::error::business-hours: .*days "weekdays"/], // prettier-ignore
    ['another timezone input', undefined, { timezone: 'America/New_York' }, /::error::timezone: got "America\/New_York", but business-hours: gorgias uses the account's time zone, Europe\/Paris/] // prettier-ignore
  ])('%s stops the run before any write', async (_what, settings, extra, message) => {
    if (settings !== undefined) sim.setAccountSettings(settings)
    dueTicket(sim, 500)
    const run = await runAction(simInputs(sim, { 'business-hours': 'gorgias', ...extra }))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(message)
    expect(sim.writes()).toHaveLength(0)
  })
})

describe('what the account answers, read before any write: its exit codes', () => {
  const env = () => ({
    GORGIAS_DOMAIN: 'acme',
    GORGIAS_EMAIL: sim.email,
    GORGIAS_API_KEY: sim.apiKey,
    GORGIAS_API_URL: sim.baseUrl
  })

  // docs/cli.md: 2 is for settings to fix; a server that answers junk is an error (1), as a ticket
  // list that cannot be read is.
  test.each([
    ['a macro', ['--follow-up-macro', '12'], '/macros/12', /^Stopped: follow-up-macro: macro #12 could not be read: /m], // prettier-ignore
    ['the account', ['--business-hours', 'gorgias'], '/account', /^Stopped: business-hours: gorgias: the account \(GET \/api\/account\) could not be read: /m] // prettier-ignore
  ])('%s answered with junk: exit 1, not 2, the input named', async (_what, args, path, said) => {
    dueTicket(sim, 50)
    sim.injectFault({ method: 'GET', path, times: Infinity, fault: { kind: 'malformed', body: '<html>' } }) // prettier-ignore
    const run = await runCli(args, env())
    expect(run.stderr).toMatch(said)
    expect(run.code).toBe(1)
    expect(sim.writes()).toHaveLength(0)
  })

  test('a macro that is not there is still a setting to fix: exit 2', async () => {
    dueTicket(sim, 50)
    const run = await runCli(['--follow-up-macro', '999'], env())
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^follow-up-macro: macro #999 not found/m)
  })
})
