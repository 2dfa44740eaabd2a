import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { GorgiasSimulator } from '../../src/simulator/server.js'

/**
 * Runs the committed bundle the way the GitHub runner does: a fresh `node dist/index.js` process
 * with every input as an `INPUT_*` variable (defaults from action.yml filled in, as the runner
 * does), and `GITHUB_STEP_SUMMARY` / `GITHUB_OUTPUT` pointing at files.
 */

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  summary: string
  outputs: Record<string, string>
}

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}

/** The runner's mapping: `INPUT_` + name with spaces as `_`, upper-cased; hyphens are kept. */
const inputVar = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

/** Parses the `name<<DELIMITER\nvalue\nDELIMITER` records that @actions/core writes. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!)
    if (m) {
      const [, name, delimiter] = m
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!)
      out[name!] = value.join('\n')
    } else if (lines[i]!.includes('=')) {
      const at = lines[i]!.indexOf('=')
      out[lines[i]!.slice(0, at)] = lines[i]!.slice(at + 1)
    }
  }
  return out
}

export interface RunOptions {
  /** Fill in action.yml defaults like the runner (default true); false passes only `inputs`. */
  defaults?: boolean
  env?: Record<string, string>
  entry?: string
  timeoutMs?: number
}

export async function runAction(
  inputs: Record<string, string>,
  opts: RunOptions = {}
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gac-run-'))
  const summaryFile = join(dir, 'summary.md')
  const outputFile = join(dir, 'output.txt')
  writeFileSync(summaryFile, '')
  writeFileSync(outputFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    GITHUB_WORKSPACE: process.cwd(),
    RUNNER_TEMP: dir,
    ...opts.env
  }
  if (opts.defaults !== false) {
    for (const [name, spec] of Object.entries(action.inputs))
      env[inputVar(name)] = spec.default ?? ''
  }
  for (const [name, value] of Object.entries(inputs)) env[inputVar(name)] = value

  const child = spawn(process.execPath, [opts.entry ?? 'dist/index.js'], { env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`action did not finish in ${opts.timeoutMs ?? 60000} ms:\n${stdout}\n${stderr}`)
      )
    }, opts.timeoutMs ?? 60000)
    child.on('close', c => {
      clearTimeout(timer)
      resolve(c ?? -1)
    })
  })
  return {
    code,
    stdout,
    stderr,
    summary: readFileSync(summaryFile, 'utf8'),
    outputs: parseOutputs(readFileSync(outputFile, 'utf8'))
  }
}

/** Inputs that point the action at a simulator. */
export function simInputs(sim: GorgiasSimulator, extra: Record<string, string> = {}) {
  return {
    'gorgias-domain': 'acme',
    'gorgias-email': sim.email,
    'gorgias-api-key': sim.apiKey,
    'api-url': sim.baseUrl,
    ...extra
  }
}

/** An open email ticket whose agent replied `hoursAgo` hours ago, after the customer wrote. */
export function dueTicket(
  sim: GorgiasSimulator,
  hoursAgo = 50,
  extra: Record<string, unknown> = {}
) {
  const now = Date.now()
  const iso = (h: number): string => new Date(now - h * 3_600_000).toISOString()
  return sim.addTicket({
    created_datetime: iso(hoursAgo + 10),
    messages: [
      { from_agent: false, created_datetime: iso(hoursAgo + 5) },
      { from_agent: true, created_datetime: iso(hoursAgo) }
    ],
    ...extra
  })
}

/** Runs the CLI bundle (`node dist/cli.js ...`) with the given environment. */
export async function runCli(
  args: string[],
  env: Record<string, string>
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number>(resolve => child.on('close', c => resolve(c ?? -1)))
  return { code, stdout, stderr }
}
