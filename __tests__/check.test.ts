import { describe, expect, test } from '@jest/globals'
import {
  checkAccount,
  checkRunTags,
  checklistMarkdown,
  checklistText,
  checkVerdict,
  tagWarnings,
  type Checklist
} from '../src/check.js'
import { commaListFor } from '../src/checkSetup.js'
import { GorgiasClient } from '../src/gorgias/client.js'
import { GorgiasSimulator, EMAIL_INTEGRATION_ID, SUPPORT_ADDRESS } from '../simulator/server.js'
import { seedAccount } from '../simulator/seed.js'
import {
  FakeClock,
  IN_MEMORY_URL,
  inMemoryClient,
  inMemorySend,
  settingsFor,
  type Inputs
} from './helpers/kit.js'

/**
 * The account check against the simulator, in process: what each item says on a seeded account
 * and on the accounts and settings that should make it warn or report a problem. It only reads.
 */

function seeded(opts: ConstructorParameters<typeof GorgiasSimulator>[0] = {}): GorgiasSimulator {
  const sim = new GorgiasSimulator(opts)
  seedAccount(sim, {
    now: new Date(),
    tickets: 300,
    dueFollowUp: 6,
    dueClose: 3,
    followUpHours: 48,
    closeHours: 72,
    openShare: 0.7
  })
  return sim
}

async function check(sim: GorgiasSimulator, inputs: Inputs = {}): Promise<Checklist> {
  return checkAccount(inMemoryClient(sim), settingsFor(sim, inputs))
}

const item = (list: Checklist, check: RegExp) => {
  const found = list.items.find(i => check.test(i.check))
  if (!found)
    throw new Error(`no item ${String(check)} in ${list.items.map(i => i.check).join(' / ')}`)
  return found
}

const writes = (sim: GorgiasSimulator) =>
  sim.log.filter(e => e.method !== 'GET' && e.route !== 'PUT /api/views/{id}/items')

describe('the account check on a seeded account', () => {
  test('every item is ok or info, except the missing "priority" tag; nothing is written', async () => {
    const sim = seeded()
    const list = await check(sim)
    expect(list.refused).toBeNull()
    expect(list.items.map(i => [i.check.replace(/ \(.*$/, ''), i.status])).toEqual([
      ['Credentials, API user', 'ok'],
      ['Rate-limit header', 'ok'],
      ['Open-tickets view', 'ok'],
      ["One ticket's read", 'ok'],
      ['exclude-tags "vip"', 'ok'],
      ['exclude-tags "escalated"', 'ok'],
      ['exclude-tags "priority"', 'warning'],
      ['follow-up-tag "auto-close-sent"', 'ok'],
      ['closed-tag "auto-closed"', 'ok'],
      ['Channels of open tickets', 'info'],
      ['Email integration', 'ok']
    ])
    expect(item(list, /^Credentials/).found).toContain('"Alex Agent" (user 1)')
    expect(item(list, /^Credentials/).found).toContain('acme.gorgias.com')
    expect(item(list, /^Rate-limit/).found).toMatch(
      /^X-Gorgias-Account-Api-Call-Limit: \d+\/40 used/
    )
    expect(item(list, /^Open-tickets/).found).toContain('all open')
    expect(item(list, /^Open-tickets/).found).toContain('the second page it named came through')
    expect(item(list, /^One ticket/).found).toMatch(/embedded its \d+ messages/)
    expect(item(list, /^Channels/).found).toMatch(/are not handled: channels is email$/)
    expect(item(list, /^Email integration/).found).toContain(SUPPORT_ADDRESS)
    expect(checkVerdict(list)).toMatchObject({ problems: 0, warnings: 1, failure: null })
    // users, view (2 pages), one read, 5 tags, integrations
    expect(list.requests).toBe(10)
    expect(sim.log).toHaveLength(10)
    expect(writes(sim)).toEqual([])
  })

  test('our own tags missing before the first run are info, not warnings', async () => {
    const sim = seeded()
    const list = await check(sim, {
      'follow-up-tag': 'followed-up-by-bot',
      'closed-tag': 'closed-by-bot',
      'exclude-tags': 'vip'
    })
    expect(item(list, /^follow-up-tag/)).toMatchObject({ status: 'info' })
    expect(item(list, /^follow-up-tag/).found).toContain('not on the account yet')
    expect(item(list, /^closed-tag/)).toMatchObject({ status: 'info' })
    expect(checkVerdict(list)).toMatchObject({ problems: 0, warnings: 0 })
  })
})

describe('tags', () => {
  test('exclude-tags written with spaces is one missing tag: a warning that suggests the list', async () => {
    const sim = seeded()
    const list = await check(sim, { 'exclude-tags': 'vip escalated priority' })
    const tag = item(list, /^exclude-tags/)
    expect(tag.status).toBe('warning')
    expect(tag.found).toContain('"vip escalated priority"')
    expect(tag.fix).toContain('exclude-tags: vip,escalated,priority')
    expect(list.items.filter(i => /^exclude-tags/.test(i.check))).toHaveLength(1)
  })

  test('names are compared exactly but in any case: a tag containing the name is not it', async () => {
    const sim = seeded()
    const list = await check(sim, { 'exclude-tags': 'VIP,vi' })
    expect(item(list, /^exclude-tags "vip"/).status).toBe('ok')
    expect(item(list, /^exclude-tags "vi"/).status).toBe('warning')
    expect(item(list, /^exclude-tags "vi"/).fix).not.toContain('commas')
  })

  test("the action's own tags match exactly (names are case-sensitive): a look-alike is not it", async () => {
    const sim = seeded()
    sim.addTag('Closed-By-Bot')
    const list = await check(sim, { 'closed-tag': 'closed-by-bot' })
    expect(item(list, /^closed-tag/)).toMatchObject({ status: 'info' })
    expect(item(list, /^closed-tag/).found).toContain('not on the account yet')
  })

  test('a search paged past five pages without the tag cannot confirm it', async () => {
    const sim = seeded({ pageCap: 2 })
    for (let i = 0; i < 12; i++) sim.addTag(`wholesale-${i}`)
    const found = item(await check(sim, { 'only-tags': 'wholesale' }), /^only-tags/)
    expect(found).toMatchObject({ status: 'warning' })
    expect(found.found).toContain('not among the first 10 tags whose name contains "wholesale"')
  })

  test('a missing only-tags tag warns that nothing would be handled', async () => {
    const sim = seeded()
    const list = await check(sim, { 'only-tags': 'wholesale' })
    expect(item(list, /^only-tags/)).toMatchObject({ status: 'warning' })
    expect(item(list, /^only-tags/).found).toContain('nothing would be handled')
  })

  test('a real run checks exclude-tags and only-tags only, one request each, warnings only', async () => {
    const sim = seeded()
    const settings = settingsFor(sim, {
      'exclude-tags': 'vip escalated priority,vip',
      'only-tags': 'refund'
    })
    const list = await checkRunTags(inMemoryClient(sim), settings)
    expect(list.requests).toBe(3)
    expect(sim.log.map(e => `${e.method} ${e.path}`)).toEqual(Array(3).fill('GET /api/tags'))
    expect(list.items).toHaveLength(1)
    expect(tagWarnings(list)).toEqual([
      expect.stringMatching(
        /^exclude-tags "vip escalated priority": no tag named .* vip,escalated,priority$/
      )
    ])
  })

  test("a real run's tag check stops at a refused key, after one request, like the sweep would", async () => {
    const sim = seeded()
    const client = new GorgiasClient({
      baseUrl: IN_MEMORY_URL,
      email: sim.email,
      apiKey: 'wrong-key-4242',
      now: new FakeClock().now,
      send: inMemorySend(sim)
    })
    await expect(checkRunTags(client, settingsFor(sim))).rejects.toMatchObject({ status: 401 })
    expect(sim.log).toHaveLength(1)
  })

  test('commaListFor splits on whitespace only when there is some', () => {
    expect(commaListFor('vip escalated  priority')).toBe('vip,escalated,priority')
    expect(commaListFor('vip')).toBeNull()
  })
})

describe('problems and warnings', () => {
  test('a wrong key: one problem naming the host, nothing else tried, the key never shown', async () => {
    const sim = seeded()
    const client = new GorgiasClient({
      baseUrl: IN_MEMORY_URL,
      email: sim.email,
      apiKey: 'wrong-key-4242',
      now: new FakeClock().now,
      send: inMemorySend(sim)
    })
    const list = await checkAccount(
      client,
      settingsFor(sim, { 'gorgias-api-key': 'wrong-key-4242' })
    )
    expect(list.refused?.status).toBe(401)
    expect(list.items).toHaveLength(1)
    expect(list.items[0]).toMatchObject({ status: 'problem' })
    expect(list.items[0]!.found).toContain('acme.gorgias.com rejected the credentials')
    expect(sim.log).toHaveLength(1)
    const shown = checklistText(list) + checklistMarkdown(list) + JSON.stringify(list)
    expect(shown).not.toContain('wrong-key-4242')
    expect(checkVerdict(list).failure).toContain('acme.gorgias.com')
  })

  test('a key without permission (403) is a problem naming the host; the check goes on', async () => {
    const sim = seeded({ forbidden: true })
    const list = await check(sim)
    expect(list.refused).toBeNull()
    expect(item(list, /^Credentials/)).toMatchObject({ status: 'problem' })
    expect(item(list, /^Credentials/).found).toContain('acme.gorgias.com')
    expect(item(list, /^Credentials/).found).toContain('403')
    expect(checkVerdict(list).problems).toBeGreaterThan(1)
  })

  test('gorgias-email that is no user of the account is a problem', async () => {
    const sim = seeded()
    // The simulator checks the key only against its own email: ask for another user's name.
    const client = inMemoryClient(sim)
    const settings = { ...settingsFor(sim), email: 'nobody@acme.test' }
    const list = await checkAccount(client, settings)
    expect(item(list, /^Credentials/)).toMatchObject({ status: 'problem' })
    expect(item(list, /^Credentials/).fix).toContain('gorgias-email')
  })

  test('no active email integration is a problem; without email in channels it is not checked', async () => {
    const sim = seeded()
    sim.setIntegration({ id: EMAIL_INTEGRATION_ID, type: 'email', name: 'Acme Store', address: SUPPORT_ADDRESS, deactivated_datetime: '2026-01-01T00:00:00Z' }) // prettier-ignore
    const list = await check(sim)
    expect(item(list, /^Email integration/)).toMatchObject({ status: 'problem' })
    expect(checkVerdict(list).failure).toMatch(/deactivated/)
    const chatOnly = await check(sim, { channels: 'chat' })
    expect(item(chatOnly, /^Email integration/)).toMatchObject({ status: 'info' })
    expect(item(chatOnly, /^Channels/).status).toBe('info')
  })

  test('a refused open-tickets view is a warning that names view-id; the check reads a ticket all the same', async () => {
    const sim = seeded({ views: false })
    const list = await check(sim)
    expect(item(list, /^Open-tickets/)).toMatchObject({ status: 'warning' })
    expect(item(list, /^Open-tickets/).found).toContain('refused (HTTP 404)')
    expect(item(list, /^Open-tickets/).fix).toContain('view-id')
    expect(item(list, /^One ticket/).status).toBe('ok')
  })

  test('a view with no open ticket and a newest page without one: info, not a proof (not ok)', async () => {
    const sim = new GorgiasSimulator()
    sim.addTicket({ status: 'closed' })
    const list = await check(sim)
    expect(item(list, /^Open-tickets/)).toMatchObject({ status: 'info' })
    expect(item(list, /^Open-tickets/).found).toContain('pages the whole ticket list')
  })

  test('an unknown view-id is a problem', async () => {
    const sim = seeded()
    const list = await check(sim, { 'view-id': '987654' })
    expect(item(list, /^view-id/)).toMatchObject({ status: 'problem' })
    expect(item(list, /^view-id/).found).toContain('no view 987654')
  })

  test('a read answered in a shape not to be trusted: a problem to report, not a permission', async () => {
    const sim = seeded()
    const open = sim.tickets().find(t => t.status === 'open')!
    const messages = sim.messages(open.id).map(m => ({ ...m, ticket_id: open.id + 1 }))
    sim.injectFault({
      method: 'GET',
      path: /^\/api\/tickets\/\d+$/,
      fault: { kind: 'malformed', body: JSON.stringify({ ...open, messages }) }
    })
    const read = item(await check(sim), /^One ticket/)
    expect(read).toMatchObject({ status: 'problem' })
    expect(read.found).toContain(`ticket_id ${open.id + 1}`)
    expect(read.fix).toContain('left alone')
    expect(read.fix).not.toContain('permission')
  })

  test('a read that does not embed the messages pages them: ok, and says it costs more', async () => {
    const sim = seeded({ embedMessages: false })
    const list = await check(sim)
    expect(item(list, /^One ticket/)).toMatchObject({ status: 'ok' })
    expect(item(list, /^One ticket/).found).toContain('GET /api/messages?ticket_id=')
  })

  test('a server without /api/users or /api/integrations: not verified, said as warnings', async () => {
    const sim = seeded()
    const send = inMemorySend(sim)
    const client = new GorgiasClient({
      baseUrl: IN_MEMORY_URL,
      email: sim.email,
      apiKey: sim.apiKey,
      now: new FakeClock().now,
      send: async (url, init, ms) =>
        /\/api\/(users|integrations)\?/.test(url)
          ? { type: 'response', status: 404, text: '{"error":{"msg":"Not found"}}', retryAfter: null, limitHeader: '1/40' } // prettier-ignore
          : send(url, init, ms)
    })
    const list = await checkAccount(client, settingsFor(sim))
    expect(item(list, /^Credentials/)).toMatchObject({ status: 'warning' })
    expect(item(list, /^Credentials/).found).toContain('not verified')
    expect(item(list, /^Email integration/)).toMatchObject({ status: 'warning' })
    expect(item(list, /^Email integration/).found).toContain('no sending address was verified')
    expect(item(list, /^Open-tickets/).status).toBe('ok')
    expect(checkVerdict(list).problems).toBe(0)
  })

  test('no rate-limit header is a warning', async () => {
    const sim = seeded()
    const send = inMemorySend(sim)
    const client = new GorgiasClient({
      baseUrl: IN_MEMORY_URL,
      email: sim.email,
      apiKey: sim.apiKey,
      now: new FakeClock().now,
      send: async (url, init, ms) => {
        const attempt = await send(url, init, ms)
        return attempt.type === 'response' ? { ...attempt, limitHeader: null } : attempt
      }
    })
    const list = await checkAccount(client, settingsFor(sim))
    expect(item(list, /^Rate-limit/)).toMatchObject({ status: 'warning' })
  })

  test('when no handled channel has an open ticket, the channels item warns', async () => {
    const sim = new GorgiasSimulator()
    sim.addTicket({ channel: 'email' })
    sim.addTicket({ channel: 'email' })
    sim.addTicket({ channel: 'facebook' })
    const list = await check(sim, { channels: 'sms' })
    expect(item(list, /^Channels/)).toMatchObject({ status: 'warning' })
    expect(item(list, /^Channels/).found).toContain('2 email, 1 facebook are not handled')
    expect(item(list, /^Channels/).fix).toContain('add email')
    expect(item(list, /^Channels/).fix).toContain('cannot answer facebook')
  })
})

describe('check-only', () => {
  test('is read as a boolean like every other switch, and refused otherwise', () => {
    expect(settingsFor(null).checkOnly).toBe(false)
    expect(settingsFor(null, { 'check-only': 'true' }).checkOnly).toBe(true)
    expect(() => settingsFor(null, { 'check-only': 'yes' })).toThrow(
      'check-only: got "yes"; expected true or false'
    )
  })
})

describe('how it is shown', () => {
  test('text and Markdown treat what the account says as data', async () => {
    const sim = seeded()
    const list = await check(sim, { 'exclude-tags': 'vip*|[x](http://e.test)' })
    list.items.push({ status: 'warning', check: 'x', found: 'a\u001b[31mred\nline ::error::no' })
    const text = checklistText(list)
    expect(text).not.toContain('\u001b')
    expect(text.split('\n').every(line => !line.trimStart().startsWith('::'))).toBe(true)
    const md = checklistMarkdown(list)
    expect(md).toContain('vip\\*\\|\\[x\\]')
    expect(md).not.toMatch(/[^\\]\]\(http/)
    expect(md).toContain('\\:\\:error')
  })
})
