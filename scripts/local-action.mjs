/**
 * `npm run local-action`: GitHub's local runner (@github/local-action) on src/main.ts with the
 * inputs of `.env`. Its job summary goes to the file `.env` names (GITHUB_STEP_SUMMARY), which
 * @actions/core requires to exist: on a fresh clone there is no `.tmp/`, and the summary was
 * lost with "Unable to access summary file". The file is created here, empty, so each run's
 * summary stands alone (@actions/core appends to it).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

const ENV_FILE = '.env'

if (!existsSync(ENV_FILE)) {
  console.error(
    `${ENV_FILE} not found: cp .env.example .env (it points at \`npm run simulator\` and makes a dry run)`
  )
  process.exit(2)
}
const line = /^GITHUB_STEP_SUMMARY=(.*)$/m.exec(readFileSync(ENV_FILE, 'utf8'))
const summary = line?.[1]?.trim().replace(/^(['"])(.*)\1$/, '$2')
if (summary) {
  mkdirSync(dirname(summary), { recursive: true })
  writeFileSync(summary, '')
}
const run = spawnSync('local-action', ['.', 'src/main.ts', ENV_FILE], {
  stdio: 'inherit',
  shell: process.platform === 'win32'
})
if (run.error) console.error(`local-action could not start: ${run.error.message}`)
process.exit(run.status ?? 1)
