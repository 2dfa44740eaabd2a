// Builds the two committed bundles: dist/index.js (the action) and dist/cli.js (the CLI).
// ncc emits each entry as index.js plus lazily loaded chunks in its own folder, so the CLI lives in
// dist/cli/ and dist/cli.js is a one-line entry that loads it.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'

rmSync('dist', { recursive: true, force: true })
const ncc = (entry, out, ...flags) =>
  execFileSync('npx', ['ncc', 'build', entry, '-o', out, ...flags], { stdio: 'inherit' })
ncc('src/index.ts', 'dist', '--license', 'licenses.txt')
ncc('src/cli.ts', 'dist/cli')
writeFileSync(
  'dist/cli.js',
  "// Entry of the CLI bundle (see scripts/bundle.mjs).\nimport './cli/index.js'\n"
)
