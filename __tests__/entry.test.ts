import { expect, test } from '@jest/globals'
import * as main from '../src/main.js'

/** The names the entry points are called by, outside this repository's own code. */
test('src/main.ts exports run(), the entry @github/local-action calls (npm run local-action)', () => {
  expect(typeof main.run).toBe('function')
  expect(main.run).toBe(main.runAction)
})
