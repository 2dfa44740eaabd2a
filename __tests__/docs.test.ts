import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, normalize } from 'node:path'
import { isMap, parseDocument } from 'yaml'
import { GorgiasSimulator } from '../simulator/server.js'
import { seedAccount } from '../simulator/seed.js'
import { dueTicket } from './helpers/action.js'

/**
 * What the docs show must work as shown, so that none of it goes stale:
 * - every shell block (```sh, ```bash, ```console) of README.md and docs/*.md is run, command by
 *   command, against a seeded simulator on loopback, and must exit 0. Lines that only export the
 *   reader's credentials are the reader's account: the test gives the simulator's instead. `npm ci`
 *   and `npm test` are what .ci/run runs: they are checked to be there, not run (no recursion, and
 *   `npm ci` would replace the installed node_modules);
 * - every workflow block (```yaml with `on:` and `jobs:`) is linted by scripts/lint-actions.mjs,
 *   with `uses: <owner>/gorgias-auto-close@...` read as `uses: ./`, so that its inputs and outputs
 *   are checked against action.yml;
 * - the README stays a ten-minute read: at most 400 lines, one inputs table with exactly
 *   action.yml's inputs, one outputs table with exactly its outputs, links that resolve.
 */

const DOCS = [
  'README.md',
  ...readdirSync('docs')
    .filter(f => f.endsWith('.md'))
    .sort()
    .map(f => join('docs', f))
]

interface Block {
  file: string
  line: number
  lang: string
  text: string
}

/** Fenced blocks, also those indented inside a list item. */
function fencedBlocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const found: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '')
    if (!open) continue
    const indent = open[1]?.length ?? 0
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? '')) body.push(lines[j++] ?? '')
    found.push({
      file,
      line: i + 1,
      lang: open[2] ?? '',
      text: body.map(l => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n')
    })
    i = j
  }
  return found
}

const blocks = DOCS.flatMap(fencedBlocks)

/** One block's commands: continuation lines joined, comments and blank lines left out. */
function commandsOf(block: Block): string[] {
  let lines = block.text.split('\n')
  if (block.lang === 'console') lines = lines.filter(l => l.startsWith('$ ')).map(l => l.slice(2))
  const commands: string[] = []
  let current = ''
  for (const line of lines) {
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `
      continue
    }
    current += line
    const command = current.trim()
    if (command !== '' && !command.startsWith('#')) commands.push(command)
    current = ''
  }
  return commands.flatMap(c => c.split(/\s+&&\s+/))
}

const CREDENTIALS =
  /^export(\s+(GORGIAS_DOMAIN|GORGIAS_EMAIL|GORGIAS_API_KEY|GORGIAS_API_URL)=\S*)+$/
const CI_RUN = readFileSync('.ci/run', 'utf8')
const IN_CI_RUN = /^npm (ci|test)\b/

const shellCommands = blocks
  .filter(b => ['sh', 'bash', 'console', 'shell'].includes(b.lang))
  .flatMap(b =>
    commandsOf(b).map(command => ({ where: `${b.file}:${b.line}`, command: stripComment(command) }))
  )
  .filter(c => !CREDENTIALS.test(c.command))

function stripComment(command: string): string {
  return command.replace(/\s+#\s.*$/, '').trim()
}

function run(
  command: string,
  env: Record<string, string>,
  timeoutMs: number
): Promise<{ code: number; output: string }> {
  return new Promise(resolve => {
    // Asynchronous on purpose: the simulator answers from this process.
    const child = spawn('bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, output })
    })
  })
}

describe('shell blocks of README.md and docs/', () => {
  let sim: GorgiasSimulator
  let home: string
  let env: Record<string, string>
  const outputs = new Map<string, string>()

  beforeAll(async () => {
    sim = new GorgiasSimulator()
    seedAccount(sim, {
      now: new Date(),
      tickets: 60,
      dueFollowUp: 4,
      dueClose: 2,
      followUpHours: 48,
      closeHours: 72
    })
    // The ticket ids the docs use: 4711 answered by an agent 3 hours ago (the rollout's test
    // ticket, with follow-up-hours 1), 4712 due for a follow-up.
    dueTicket(sim, 3, { id: 4711 })
    dueTicket(sim, 50, { id: 4712 })
    await sim.start()
    home = mkdtempSync(join(tmpdir(), 'docs-home-'))
    env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      GORGIAS_DOMAIN: 'acme',
      GORGIAS_EMAIL: sim.email,
      GORGIAS_API_KEY: sim.apiKey,
      GORGIAS_API_URL: sim.baseUrl
    }
  })
  afterAll(async () => {
    await sim.stop()
    rmSync(home, { recursive: true, force: true })
  })

  test('there are commands to run', () => {
    expect(shellCommands.length).toBeGreaterThan(3)
  })

  test.each(shellCommands)(
    '$where: $command',
    async ({ command }) => {
      if (IN_CI_RUN.test(command)) {
        expect(CI_RUN).toMatch(
          new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'm')
        )
        return
      }
      const { code, output } = await run(command, env, 170_000)
      outputs.set(command, output)
      expect({ command, code, output: code === 0 ? '' : output.slice(-3000) }).toEqual({
        command,
        code: 0,
        output: ''
      })
    },
    180_000
  )

  test("the demo ends with the README's starter workflow", () => {
    const demo = outputs.get('npm run demo')
    if (demo === undefined) return // the README no longer runs the demo: nothing to compare
    const workflow = blocks.find(b => b.file === 'README.md' && isWorkflow(b.text))
    expect(workflow).toBeDefined()
    const indented = (workflow?.text ?? '')
      .trimEnd()
      .split('\n')
      .map(l => (l === '' ? '' : `  ${l}`))
      .join('\n')
    expect(demo).toContain(indented)
    expect(demo).toContain('GORGIAS_AUTO_CLOSE_LIVE')
  })
})

function isWorkflow(text: string): boolean {
  const doc = parseDocument(text)
  return doc.errors.length === 0 && isMap(doc.contents) && doc.has('on') && doc.has('jobs')
}

describe('workflow blocks of README.md and docs/', () => {
  const workflows = blocks.filter(b => b.lang.startsWith('y') && isWorkflow(b.text))

  test('the README shows the starter workflow, dry until GORGIAS_AUTO_CLOSE_LIVE', () => {
    const readme = workflows.filter(b => b.file === 'README.md')
    expect(readme).toHaveLength(1)
    const text = readme[0]?.text ?? ''
    expect(text).toContain(
      "dry-run: ${{ vars.GORGIAS_AUTO_CLOSE_LIVE != 'true' || (github.event_name == 'workflow_dispatch' && inputs.dry-run) }}"
    )
    expect(text).toMatch(/uses: <owner>\/gorgias-auto-close@<commit sha> # v\d+\.\d+\.\d+$/m)
    expect(text).toContain('actions/cache/restore@')
    expect(text).toContain('actions/cache/save@')
  })

  test('each passes actionlint and the checks of lint-actions against action.yml', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-workflows-'))
    try {
      const files = workflows.map((b, i) => {
        const file = join(dir, `${b.file.replace(/[/.]/g, '-')}-line-${b.line}-${i}.yml`)
        const local = b.text.replace(/uses: <owner>\/gorgias-auto-close@.*$/gm, 'uses: ./')
        expect(local).toMatch(/^\s*(- )?uses: \.\/$/m)
        writeFileSync(file, local)
        return file
      })
      expect(files.length).toBeGreaterThan(0)
      const { code, output } = await run(
        `node scripts/lint-actions.mjs ${files.map(f => `'${f}'`).join(' ')}`,
        { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir },
        120_000
      )
      expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 130_000)
})

describe('README.md', () => {
  const readme = readFileSync('README.md', 'utf8')
  const action = parseDocument(readFileSync('action.yml', 'utf8')).toJS() as {
    inputs: Record<string, unknown>
    outputs: Record<string, unknown>
  }

  /** The first column of the table under `## <heading>`. */
  function tableNames(heading: string): string[] {
    const section = readme.split(/^## /m).find(s => s.startsWith(`${heading}\n`)) ?? ''
    return [...section.matchAll(/^\| `([a-z0-9-]+)` /gm)].map(m => m[1] ?? '')
  }

  test('is read in ten minutes: at most 400 lines', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(400)
  })

  test("its one inputs table lists exactly action.yml's inputs", () => {
    expect(tableNames('Inputs').sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test("its one outputs table lists exactly action.yml's outputs", () => {
    expect(tableNames('Outputs').sort()).toEqual(Object.keys(action.outputs).sort())
  })

  test('links to every page of docs/', () => {
    const pages = readdirSync('docs').filter(f => f.endsWith('.md'))
    const unlinked = pages.filter(p => !readme.includes(`](docs/${p}`))
    expect(unlinked).toEqual([])
  })

  test('the relative links of README.md and docs/ resolve, anchors included', () => {
    const anchors = (file: string): Set<string> =>
      new Set(
        [...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.*)$/gm)].map(m =>
          (m[1] ?? '')
            .trim()
            .toLowerCase()
            .replace(/[^\w\- ]/g, '')
            .replace(/ /g, '-')
        )
      )
    const broken: string[] = []
    for (const file of DOCS) {
      const text = readFileSync(file, 'utf8').replace(/^\s*```[\s\S]*?^\s*```/gm, '')
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue
        const [path = '', anchor] = target.split('#')
        const resolved = path === '' ? file : normalize(join(dirname(file), path))
        if (!existsSync(resolved)) broken.push(`${file}: ${target}`)
        else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
          broken.push(`${file}: ${target} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })
})
