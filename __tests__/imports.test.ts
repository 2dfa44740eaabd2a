import { expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** Every module of src/ and the modules of src/ it imports (type imports too). */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts'))
    .map(f => join(root, f))
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    const specifiers = [
      ...text.matchAll(/^(?:import|export)\s[^'"]*?\sfrom\s+'(\.[^']+)'/gms),
      ...text.matchAll(/^import\s+'(\.[^']+)'/gm)
    ].map(m => m[1]!)
    graph.set(
      file,
      specifiers.map(s => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
    )
  }
  return graph
}

/** Each import circle once, as the modules in it, e.g. "config.ts -> messages.ts". */
function circles(graph: Map<string, string[]>, root: string): string[] {
  const found = new Set<string>()
  const done = new Set<string>()
  const path: string[] = []
  const visit = (file: string): void => {
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (path.includes(next)) {
        found.add(
          path
            .slice(path.indexOf(next))
            .map(f => relative(root, f))
            .join(' -> ')
        )
      } else if (!done.has(next) && graph.has(next)) visit(next)
    }
    path.pop()
    done.add(file)
  }
  for (const file of graph.keys()) if (!done.has(file)) visit(file)
  return [...found]
}

test('no import circle in src/, type-only imports included (import-x/no-cycle skips them)', () => {
  const root = resolve('src')
  const graph = importGraph(root)
  expect(graph.get(join(root, 'config.ts'))).toContain(join(root, 'messages.ts'))
  expect(circles(graph, root)).toEqual([])
})

/** The files CONTRIBUTING.md's layout names under src/, e.g. "sweep/act.ts". */
function mappedFiles(): string[] {
  const layout = readFileSync('CONTRIBUTING.md', 'utf8').split('## Project layout')[1]!
  // From the src/ line to the next top-level entry (simulator/ has files of the same names).
  const map = /^src\/.*?\n(?=\S)/ms.exec(layout.split('```')[1]!)![0]
  const files: string[] = []
  let dir = ''
  for (const line of map.split('\n')) {
    const entry = /^( {2,4})(\S+)\s/.exec(line)
    if (!entry) continue
    if (entry[2]!.endsWith('/') && entry[1] === '  ') dir = entry[2]!
    else if (entry[2]!.endsWith('.ts')) files.push(entry[1] === '  ' ? entry[2]! : dir + entry[2]!)
  }
  return files.sort()
}

test("CONTRIBUTING's map names every file of src/ and no file that is gone", () => {
  const onDisk = readdirSync('src', { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts'))
    .map(f => f.split('\\').join('/'))
    .sort()
  expect(mappedFiles()).toEqual(onDisk)
})
