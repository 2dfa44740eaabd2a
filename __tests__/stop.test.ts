import { describe, expect, test } from '@jest/globals'
import { parseSettings } from '../src/config.js'
import { TransientError } from '../src/gorgias/errors.js'
import type { InputName } from '../src/inputs.js'
import { stopNotice } from '../src/stop.js'

const settings = (inputs: Partial<Record<InputName, string>> = {}) =>
  parseSettings(
    name =>
      ({
        'gorgias-domain': 'acme',
        'gorgias-email': 'a@acme.test',
        'gorgias-api-key': 'k',
        ...inputs
      })[name] ?? '',
    { env: {}, workspace: '/repo' }
  )

describe('a run stopped because the API never answered', () => {
  const info = { method: 'PUT', path: '/views/0/items', kind: 'list-view' } as const
  const never = new TransientError(
    'PUT /views/0/items still failing after 5 attempts: ENOTFOUND',
    info
  )

  test('names the host and the input that chose it, and says the next run tries again', () => {
    const notice = stopNotice(never, settings())
    expect(notice.exitCode).toBe(1)
    expect(notice.message).toContain('ENOTFOUND. acme.gorgias.com did not answer')
    expect(notice.message).toContain('check gorgias-domain (now "acme")')
    expect(notice.message).toContain('the next run tries again')
  })

  test('with api-url set, points at api-url', () => {
    const notice = stopNotice(never, settings({ 'api-url': 'https://proxy.example.test/api' }))
    expect(notice.message).toContain('proxy.example.test did not answer: check api-url')
  })

  test('an answer that kept failing (a 503) is not called unreachable', () => {
    const answered = new TransientError('still failing after 5 attempts: HTTP 503', {
      ...info,
      status: 503
    })
    expect(stopNotice(answered, settings()).message).not.toContain('did not answer')
  })
})
