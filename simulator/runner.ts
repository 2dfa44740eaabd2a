import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parse } from 'yaml'

/**
 * Runs the committed bundle the way the GitHub runner does, for the end-to-end tests and the demo:
 * a fresh `node dist/index.js` with every input as an `INPUT_*` variable (action.yml's defaults
 * filled in, as the runner does), `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT` pointing at files,
 * and a clean environment, so that nothing from the caller's shell (a real GORGIAS_API_KEY, say)
 * leaks in.
 */

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  summary: string
  outputs: Record<string, string>
  ms: number
}

export interface RunOptions {
  /** Fill in action.yml's defaults like the runner (default true); false passes only `inputs`. */
  defaults?: boolean
  env?: Record<string, string>
  /** The repository root holding action.yml and dist/ (default: the working directory). */
  root?: string
  timeoutMs?: number
}

/** The runner's mapping: `INPUT_` + name with spaces as `_`, upper-cased; hyphens are kept. */
export const inputVar = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

export function actionDefaults(root: string): Record<string, string> {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>
  }
  const defaults: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const value = spec?.default
    defaults[name] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : ''
  }
  return defaults
}

/** Parses the `name<<DELIMITER\nvalue\nDELIMITER` (and `name=value`) records of GITHUB_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^<=]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '')
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      out[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return out
}

export async function runAction(
  inputs: Record<string, string>,
  opts: RunOptions = {}
): Promise<ActionRun> {
  const root = resolve(opts.root ?? process.cwd())
  const timeoutMs = opts.timeoutMs ?? 60_000
  const dir = mkdtempSync(join(tmpdir(), 'gorgias-auto-close-run-'))
  try {
    const summaryFile = join(dir, 'step_summary.md')
    const outputFile = join(dir, 'output.txt')
    writeFileSync(summaryFile, '')
    writeFileSync(outputFile, '')
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: root,
      RUNNER_TEMP: dir,
      ...opts.env
    }
    const all = opts.defaults === false ? inputs : { ...actionDefaults(root), ...inputs }
    for (const [name, value] of Object.entries(all)) env[inputVar(name)] = value

    const started = performance.now()
    const child = spawn(process.execPath, [join(root, 'dist', 'index.js')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        fail(new Error(`the action did not finish in ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`))
      }, timeoutMs)
      child.on('error', err => {
        clearTimeout(timer)
        fail(err)
      })
      child.on('close', c => {
        clearTimeout(timer)
        done(c ?? -1)
      })
    })
    return {
      code,
      stdout,
      stderr,
      summary: readFileSync(summaryFile, 'utf8'),
      outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
      ms: performance.now() - started
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
