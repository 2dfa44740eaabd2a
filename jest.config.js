import { availableParallelism } from 'node:os'

/** Jest runs the TypeScript sources as ESM through ts-jest (see CONTRIBUTING.md for why). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Jest's default on a 2-core machine is one worker. The end-to-end suites mostly wait on the
  // bundle's child processes and loopback HTTP, not on the CPU: two workers overlap those waits.
  maxWorkers: Math.max(2, availableParallelism() - 1)
}
