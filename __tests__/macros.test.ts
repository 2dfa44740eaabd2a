import { describe, expect, test } from '@jest/globals'
import { accountBusinessHours } from '../src/accountHours.js'
import { SettingsError } from '../src/inputs.js'
import { describeSettings } from '../src/summary.js'
import { findUserByEmail, getAccount, getMacro, listMacros } from '../src/gorgias/client.js'
import { resolveMessages, type MacroClient } from '../src/macros.js'
import { catalogFromInputs, type MessageCatalog } from '../src/messages.js'
import { GorgiasSimulator } from '../simulator/server.js'
import { inMemoryClient, settingsFor } from './helpers/kit.js'

/** The account's macros, users and business hours: the simulator's routes and their readers. */

const setup = () => {
  const sim = new GorgiasSimulator()
  return { sim, client: inMemoryClient(sim) }
}

const all = async <T>(pages: AsyncGenerator<T[]>): Promise<T[]> => {
  const out: T[] = []
  for await (const page of pages) out.push(...page)
  return out
}

describe('simulator: macros, users, account', () => {
  test('macros: search in the name (any case), languages, retrieve, 404', async () => {
    const { client } = setup()
    const found = await all(listMacros(client, { search: 'FOLLOW' }))
    expect(found.map(m => m.id).sort()).toEqual([12, 13, 15])
    const fr = await all(listMacros(client, { search: 'follow', languages: 'fr' }))
    expect(fr.map(m => m.id)).toEqual([13])
    expect((await getMacro(client, 13)).language).toBe('fr')
    await expect(getMacro(client, 999)).rejects.toThrow(/404|not found/i)
  })

  test('macros are cursor-paged, every one listed once', async () => {
    const { sim, client } = setup()
    for (let id = 100; id < 350; id++) sim.setMacro({ id, name: `Bulk ${id}`, language: 'en' })
    const listed = await all(listMacros(client, { search: 'bulk' }))
    expect(listed).toHaveLength(250)
    expect(new Set(listed.map(m => m.id)).size).toBe(250)
    expect(sim.log.filter(e => e.path === '/api/macros')).toHaveLength(3)
  })

  test('users: the API user by email in any case; an unknown email is null', async () => {
    const { sim, client } = setup()
    const me = await findUserByEmail(client, sim.email.toUpperCase())
    expect(me).toMatchObject({ id: 1, firstname: 'Alex', lastname: 'Agent' })
    expect(await findUserByEmail(client, 'nobody@acme.test')).toBeNull()
    expect(await findUserByEmail(client, sim.email)).toMatchObject({ id: 1 })
  })

  test('account: its business-hours setting', async () => {
    const { client } = setup()
    const account = await getAccount(client)
    const hours = accountBusinessHours(account, { holidays: [], timezone: 'UTC' })
    expect(hours.describe).toBe('Mon-Fri 09:00-17:00 (Europe/Paris)')
    expect(hours.windows.map(day => day.length)).toEqual([0, 1, 1, 1, 1, 1, 0])
  })
})

describe("accountBusinessHours: the account's setting, read defensively", () => {
  const account = (settings: unknown) => ({ settings })
  const hours = (data: unknown) => account([{ type: 'business-hours', data }])
  const given = { holidays: [], timezone: 'UTC' }
  const cases: Array<[string, unknown, string]> = [
    ['days as a string', hours({ timezone: 'Europe/Paris', business_hours: [{ days: '1,2,3,4,5', from_time: '09:00', to_time: '17:00' }] }), 'Mon-Fri 09:00-17:00 (Europe/Paris)'], // prettier-ignore
    ['days as numbers, seconds in times', hours({ timezone: 'Asia/Tokyo', business_hours: [{ days: [6, 7], from_time: '10:00:00', to_time: '14:30:00' }] }), 'Sat-Sun 10:00-14:30 (Asia/Tokyo)'], // prettier-ignore
    ['several entries', hours({ timezone: 'UTC', business_hours: [{ days: '1,2,3,4,5', from_time: '9:00', to_time: '12:00' }, { days: '1,2,3,4,5', from_time: '13:00', to_time: '18:00' }] }), 'Mon-Fri 09:00-12:00; Mon-Fri 13:00-18:00 (UTC)'], // prettier-ignore
    ['ending at midnight', hours({ timezone: 'UTC', business_hours: [{ days: '5', from_time: '18:00', to_time: '00:00' }] }), 'Fri 18:00-24:00 (UTC)'], // prettier-ignore
    ['past midnight', hours({ timezone: 'UTC', business_hours: [{ days: '5', from_time: '22:00', to_time: '02:00' }] }), 'Fri 22:00-24:00; Sat 00:00-02:00 (UTC)'], // prettier-ignore
    ['settings as an object keyed by type', account({ 'business-hours': { data: { timezone: 'UTC', business_hours: [{ days: '0', from_time: '08:00', to_time: '12:00' }] } } }), 'Sun 08:00-12:00 (UTC)'] // prettier-ignore
  ]
  test.each(cases)('%s', (_name, acc, describe) => {
    expect(accountBusinessHours(acc as never, given).describe).toBe(describe)
  })

  const refused: Array<[string, unknown, RegExp]> = [
    ['no setting', account([{ type: 'satisfaction-survey', data: {} }]), /are not set/],
    ['no settings at all', {}, /are not set/],
    ['no list', hours({ timezone: 'UTC' }), /no "business_hours" list/],
    ['days it cannot read', hours({ timezone: 'UTC', business_hours: [{ days: 'Mon', from_time: '09:00', to_time: '17:00' }] }), /days "Mon"/], // prettier-ignore
    ['a day out of range', hours({ timezone: 'UTC', business_hours: [{ days: [8], from_time: '09:00', to_time: '17:00' }] }), /days \[8\]/], // prettier-ignore
    ['a time it cannot read', hours({ timezone: 'UTC', business_hours: [{ days: '1', from_time: '9am', to_time: '17:00' }] }), /time "9am"/], // prettier-ignore
    ['no time zone', hours({ business_hours: [{ days: '1', from_time: '09:00', to_time: '17:00' }] }), /time zone null/], // prettier-ignore
    ['a bad time zone', hours({ timezone: 'Mars/Olympus', business_hours: [{ days: '1', from_time: '09:00', to_time: '17:00' }] }), /"Mars\/Olympus"/], // prettier-ignore
    // Not read as open around the clock (the day is 00:00 to 00:00), nor as closed: not understood.
    ['a window that ends where it starts', hours({ timezone: 'UTC', business_hours: [{ days: '1', from_time: '09:00', to_time: '09:00' }] }), /from 09:00 to 09:00/] // prettier-ignore
  ]
  test.each(refused)('%s is refused, naming business-hours', (_name, acc, problem) => {
    let error: unknown
    try {
      accountBusinessHours(acc as never, given)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).input).toBe('business-hours')
    expect((error as SettingsError).message).toMatch(problem)
  })

  test('holidays apply in the account time zone; another timezone input is refused', () => {
    const acc = hours({ timezone: 'Europe/Paris', business_hours: [{ days: '1,2,3,4,5', from_time: '09:00', to_time: '17:00' }] }) // prettier-ignore
    const bh = accountBusinessHours(acc, { holidays: ['2026-12-25'], timezone: 'UTC' })
    expect(bh.holidays.has('2026-12-25')).toBe(true)
    expect(bh.timezone).toBe('Europe/Paris')
    expect(() =>
      accountBusinessHours(acc as never, { holidays: [], timezone: 'Europe/Paris' })
    ).not.toThrow()
    expect(() => accountBusinessHours(acc as never, { holidays: [], timezone: 'Asia/Tokyo' })).toThrow(/^timezone: /) // prettier-ignore
    // Time zone names are read in any case (the timezone input takes "europe/paris" and "utc").
    for (const timezone of ['europe/paris', 'utc']) {
      expect(accountBusinessHours(acc, { holidays: [], timezone }).timezone).toBe('Europe/Paris')
    }
  })
})

describe('resolveMessages', () => {
  const inputs = (macros: Parameters<typeof catalogFromInputs>[1]): MessageCatalog =>
    catalogFromInputs({ followUpMessage: 'Hi', finalFollowUpMessage: '', closeMessage: '' }, macros)

  test('texts without macros or current_user cost no request', async () => {
    const { sim, client } = setup()
    const catalog = inputs({})
    expect(await resolveMessages(client, catalog, sim.email)).toBe(catalog)
    expect(sim.log).toHaveLength(0)
  })

  test('two macros of one name in one language are ambiguous', async () => {
    const { sim, client } = setup()
    sim.setMacro({ id: 40, name: 'Follow-up', language: 'en', actions: [] })
    const ref = { input: 'follow-up-macro', id: null, name: 'Follow-up' }
    await expect(resolveMessages(client, inputs({ followUp: ref }), sim.email)).rejects.toThrow(
      /^follow-up-macro: "Follow-up" names macro "Follow-up" \(#12, en\) and macro "Follow-up" \(#40, en\) in the same language/
    )
  })

  test('a close macro: each language its own, sources named', async () => {
    const { sim, client } = setup()
    const ref = { input: 'close-macro', id: 12, name: null }
    const catalog = await resolveMessages(client, inputs({ close: ref }), sim.email)
    expect(Object.keys(catalog.byLanguage).sort()).toEqual(['default', 'en', 'fr'])
    expect(catalog.byLanguage.fr!.followUp).toBe('Hi')
    expect(catalog.byLanguage.fr!.close).toMatch(/^Bonjour /)
    expect(catalog.byLanguage.fr!.sources!.close).toBe('macro "Follow-up" (#13, fr)')
    expect(catalog.byLanguage.default!.sources!.close).toBe('macro "Follow-up" (#12, en)')
    expect(catalog.currentUser).toMatchObject({ id: 1 })
  })

  test('a user missing for current_user is refused, naming gorgias-email', async () => {
    const { client } = setup()
    const catalog = catalogFromInputs({
      followUpMessage: 'Hi, {{current_user.firstname}}',
      finalFollowUpMessage: '',
      closeMessage: ''
    })
    await expect(resolveMessages(client, catalog, 'ghost@acme.test')).rejects.toThrow(
      /^gorgias-email: .*ghost@acme\.test/
    )
  })

  test('the API user that cannot be read stops the run, naming gorgias-email', async () => {
    const client = {
      getJson: () => Promise.reject(new Error('not called')),
      // eslint-disable-next-line require-yield
      list: function* () {
        throw new Error('GET /users answered 500')
      }
    } as unknown as MacroClient
    const catalog = catalogFromInputs({
      followUpMessage: '{{current_user.firstname}} here',
      finalFollowUpMessage: '',
      closeMessage: ''
    })
    await expect(resolveMessages(client, catalog, 'a@b.test')).rejects.toThrow(
      /^gorgias-email: the API user .* could not be read: GET \/users answered 500/
    )
  })

  test('the settings name the macros: as given before the read, as found after it', async () => {
    const { sim, client } = setup()
    const before = settingsFor(null, { 'follow-up-macro': 'Follow-up', 'close-macro': '#14' })
    expect(describeSettings(before)).toEqual(
      expect.arrayContaining([
        ['follow-up-macro', '"Follow-up" (not read)'],
        ['close-macro', '#14 (not read)'],
        ['close-message', 'yes']
      ])
    )
    expect(describeSettings(settingsFor(null))).toContainEqual(['close-message', 'none'])
    const ref = { input: 'follow-up-macro', id: null, name: 'Follow-up' }
    const messages = await resolveMessages(client, inputs({ followUp: ref }), sim.email)
    expect(describeSettings({ ...before, messages })).toEqual(
      expect.arrayContaining([
        ['follow-up-macro', '"Follow-up" (#12 en default, #13 fr); not applied: addTags, setStatus']
      ])
    )
  })

  test('a macro whose actions are not a list is refused, naming the input', async () => {
    const { sim, client } = setup()
    for (const [id, actions] of [
      [41, { name: 'setResponseText' }],
      [42, 'setResponseText']
    ] as const) {
      // prettier-ignore
      sim.setMacro({ id, name: `Odd ${id}`, language: 'en', actions })
      const ref = { input: 'close-macro', id, name: null }
      const read = resolveMessages(client, inputs({ close: ref }), sim.email)
      await expect(read).rejects.toThrow(SettingsError)
      await expect(read).rejects.toThrow(
        new RegExp(`^close-macro: macro "Odd ${id}" \\(#${id}, en\\) has no list of actions`)
      )
    }
  })

  test("the actions not applied are listed from every language's macro", async () => {
    const { sim, client } = setup()
    const fr = sim.macros().find(m => m.id === 13)!
    const actions = [...(fr.actions as unknown[]), { name: 'setAssignee', arguments: {} }]
    sim.setMacro({ ...fr, actions })
    const ref = { input: 'follow-up-macro', id: null, name: 'Follow-up' }
    const catalog = await resolveMessages(client, inputs({ followUp: ref }), sim.email)
    expect(catalog.macros![0]!.ignoredActions).toEqual(['addTags', 'setStatus', 'setAssignee'])
  })

  test("an HTML-only reply's text version has its character references decoded", async () => {
    const { sim, client } = setup()
    const html = '<p>Caf&eacute; &#8217;s &#x2014; &hellip; &lt;b&gt; &amp;lt; &unknown; &#0;</p>'
    sim.setMacro({ id: 43, name: 'Html', language: 'en', actions: [{ name: 'setResponseText', arguments: { body_html: html } }] }) // prettier-ignore
    const ref = { input: 'close-macro', id: 43, name: null }
    const catalog = await resolveMessages(client, inputs({ close: ref }), sim.email)
    expect(catalog.byLanguage.default!.close).toBe('Café ’s — … <b> &lt; &unknown; &#0;')
    expect(catalog.byLanguage.default!.html!.close).toBe(html)
  })

  test("an HTML-only reply's text version has no style, script or comment, and keeps its links", async () => {
    const { sim, client } = setup()
    const html = '<!--[if mso]><xml>Word junk</xml><![endif]--><style>p{color:red}</style><p>Hi, see <a href="https://shop.test/faq?a=1&amp;b=2">our FAQ</a> or <a href="https://shop.test/">https://shop.test/</a>.</p><script>alert(1)</script>' // prettier-ignore
    sim.setMacro({ id: 43, name: 'Html', language: 'en', actions: [{ name: 'setResponseText', arguments: { body_html: html } }] }) // prettier-ignore
    const ref = { input: 'close-macro', id: 43, name: null }
    const catalog = await resolveMessages(client, inputs({ close: ref }), sim.email)
    expect(catalog.byLanguage.default!.close).toBe(
      'Hi, see our FAQ (https://shop.test/faq?a=1&b=2) or https://shop.test/.'
    )
  })

  test('a reply whose body_text says other words than its body_html sends the words of the HTML', async () => {
    // The customer's email shows the HTML; the preview and explain show the text: they must agree.
    const { sim, client } = setup()
    const args = { body_text: 'Old words, {{first_name}}', body_html: '<p>New words, <b>{{ticket.customer.firstname}}</b></p>' } // prettier-ignore
    sim.setMacro({ id: 43, name: 'Both', language: 'en', actions: [{ name: 'setResponseText', arguments: args }] }) // prettier-ignore
    const ref = { input: 'close-macro', id: 43, name: null }
    const catalog = await resolveMessages(client, inputs({ close: ref }), sim.email)
    expect(catalog.byLanguage.default!.close).toBe('New words, {{ticket.customer.firstname}}')
    expect(catalog.byLanguage.default!.html!.close).toBe(args.body_html)
  })

  test.each([
    ['a run of "<"', '<'.repeat(100_000)],
    ['unclosed comments', '<!--'.repeat(50_000)],
    ['unclosed styles', '<style>'.repeat(30_000)],
    ['unclosed links', '<a href="https://x.test/">'.repeat(10_000)],
    ['links without an end', '<a '.repeat(50_000)]
  ])('an HTML-only reply ending in %s is turned into text in linear time', async (_what, junk) => {
    const { sim, client } = setup()
    const html = `<p>Hi</p>${junk}`
    sim.setMacro({ id: 43, name: 'Junk', language: 'en', actions: [{ name: 'setResponseText', arguments: { body_html: html } }] }) // prettier-ignore
    const ref = { input: 'close-macro', id: 43, name: null }
    const catalog = await resolveMessages(client, inputs({ close: ref }), sim.email)
    expect(catalog.byLanguage.default!.close).toMatch(/^Hi/)
  })

  test('a macro read by id that comes back as another macro is not sent', async () => {
    const { sim, client } = setup()
    const answering: MacroClient = {
      list: client.list.bind(client),
      getJson: (path: string, query?: Record<string, string | number>) =>
        client.getJson(path === '/macros/14' ? '/macros/12' : path, query)
    }
    const ref = { input: 'close-macro', id: 14, name: null }
    const read = resolveMessages(answering, inputs({ close: ref }), sim.email)
    await expect(read).rejects.toThrow(/^close-macro: GET \/macros\/14 answered macro #12/)
    await expect(read).rejects.not.toBeInstanceOf(SettingsError)
  })
})
