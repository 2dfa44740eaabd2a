import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'

/**
 * Runs code of src/ in a child `node` whose TZ is `timeZone`. Jest's sandbox hands tests a copy of
 * `process`, so setting `process.env.TZ` in a test does not reach the engine's clock: a child
 * process is the only honest way to see what a machine in another zone computes.
 *
 * `body` is the inside of an async ES module function that gets `src(name)` (imports
 * `src/<name>.js`) and `input` (the JSON-able value given here), and returns a JSON-able result.
 */
export function inTimeZone<T>(timeZone: string, body: string, input: unknown = null): T {
  const script = [
    `const base = ${JSON.stringify(pathToFileURL(compiledSources()).href)}`,
    'const src = name => import(`${base}/${name}.js`)',
    `const input = ${JSON.stringify(input)}`,
    `const result = await (async () => { ${body} })()`,
    'process.stdout.write(JSON.stringify(result))'
  ].join('\n')
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TZ: timeZone, NODE_OPTIONS: '' },
    encoding: 'utf8'
  })
  if (run.status !== 0) throw new Error(`child node under TZ=${timeZone} failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as T
}

let compiled: string | null = null

/** src/ transpiled once per test file to plain ES modules (no type check: tsc does that). */
function compiledSources(): string {
  if (compiled) return compiled
  const root = join(process.cwd(), 'src')
  // Inside the project, so that the child resolves src/'s packages (yaml) from node_modules.
  const parent = join(process.cwd(), 'build')
  mkdirSync(parent, { recursive: true })
  // Copies of earlier runs: a jest worker ends without a chance to clean up after itself.
  for (const old of readdirSync(parent).filter(name => name.startsWith('tz-src-'))) {
    rmSync(join(parent, old), { recursive: true, force: true })
  }
  const out = mkdtempSync(join(parent, 'tz-src-'))
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n')
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap(e =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []
    )
  for (const file of walk(root)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file
    })
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText)
  }
  compiled = out
  return out
}
