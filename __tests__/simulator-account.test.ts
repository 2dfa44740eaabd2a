import { describe, expect, test } from '@jest/globals'
import { AGENTS, EMAIL_INTEGRATION_ID, INTEGRATIONS, SUPPORT_ADDRESS } from '../simulator/server.js'
import { call, simulators } from './helpers/simHttp.js'

/** The account's users, integrations and tag search, as the account check reads them. */

const startSim = simulators()

interface ListPage<T> {
  data: T[]
  meta: { next_cursor: string | null }
}

describe('GET /api/users', () => {
  test('the API user (id 1, the simulator email, Alex Agent) then the agents, cursor-paged', async () => {
    const sim = await startSim({ email: 'bot@shop.test' })
    const first = await call<ListPage<{ id: number; email: string; firstname: string; lastname: string; active: boolean }>>(sim, 'GET', '/users?limit=2') // prettier-ignore
    expect(first.status).toBe(200)
    expect(first.json.data[0]).toMatchObject({
      id: 1,
      email: 'bot@shop.test',
      firstname: 'Alex',
      lastname: 'Agent',
      name: 'Alex Agent',
      active: true
    })
    expect(first.json.meta.next_cursor).not.toBeNull()
    const ids = first.json.data.map(u => u.id)
    let cursor = first.json.meta.next_cursor
    while (cursor) {
      const next = await call<ListPage<{ id: number }>>(sim, 'GET', `/users?limit=2&cursor=${cursor}`) // prettier-ignore
      ids.push(...next.json.data.map(u => u.id))
      cursor = next.json.meta.next_cursor
    }
    expect(ids).toEqual([1, ...AGENTS.map(a => a.id)])
  })
})

describe('GET /api/integrations', () => {
  test('every integration with meta.address and deactivated_datetime; setIntegration changes one', async () => {
    const sim = await startSim()
    const all = await call<ListPage<{ id: number; type: string; meta: { address: string }; deactivated_datetime: string | null }>>(sim, 'GET', '/integrations?limit=100') // prettier-ignore
    expect(all.json.data).toHaveLength(INTEGRATIONS.length)
    expect(all.json.data.find(i => i.id === EMAIL_INTEGRATION_ID)).toMatchObject({
      type: 'email',
      meta: { address: SUPPORT_ADDRESS },
      deactivated_datetime: null
    })
    sim.setIntegration({ ...INTEGRATIONS[0]!, deactivated_datetime: '2026-01-02T03:04:05Z' })
    const after = await call<ListPage<{ id: number; deactivated_datetime: string | null }>>(sim, 'GET', '/integrations') // prettier-ignore
    expect(after.json.data.find(i => i.id === INTEGRATIONS[0]!.id)?.deactivated_datetime).toBe(
      '2026-01-02T03:04:05Z'
    )
  })
})

describe('GET /api/tags?search=', () => {
  test('keeps the tags whose name contains the search, in any case; a cursor stays with its search', async () => {
    const sim = await startSim()
    for (const name of ['VIP', 'vip-gold', 'escalated', 'Very Important']) {
      expect((await call(sim, 'POST', '/tags', { name })).status).toBe(201)
    }
    const found = await call<ListPage<{ name: string }>>(sim, 'GET', '/tags?search=vip&limit=1')
    expect(found.json.data.map(t => t.name)).toEqual(['VIP'])
    const next = await call<ListPage<{ name: string }>>(sim, 'GET', `/tags?search=vip&limit=1&cursor=${found.json.meta.next_cursor}`) // prettier-ignore
    expect(next.json.data.map(t => t.name)).toEqual(['vip-gold'])
    expect(next.json.meta.next_cursor).toBeNull()
    const other = await call(sim, 'GET', `/tags?search=esc&cursor=${found.json.meta.next_cursor}`)
    expect(other.status).toBe(400)
    const every = await call<ListPage<unknown>>(sim, 'GET', '/tags?limit=100')
    expect(every.json.data).toHaveLength(4)
  })
})
