import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'

/**
 * dist/licenses.txt ships with the bundles, which contain third-party code: it must name every
 * package they include (scripts/bundle.mjs writes it from webpack's stats of both builds).
 */

interface Entry {
  id: string
  name: string
  license: string
  text: string
}

function entries(): Entry[] {
  const [, ...blocks] = readFileSync('dist/licenses.txt', 'utf8').split(/^={80}\n/m)
  return blocks.map(block => {
    const [id = '', license = '', ...rest] = block.split('\n')
    return { id, name: id.replace(/@[^@]+$/, ''), license, text: rest.join('\n').trim() }
  })
}

interface Lock {
  packages: Record<string, { version?: string; dev?: boolean }>
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>
}

describe('dist/licenses.txt', () => {
  test('names the runtime dependencies and the packages they bring', () => {
    const names = entries().map(e => e.name)
    for (const name of [
      '@actions/core',
      '@actions/github',
      'node-fetch',
      'yaml',
      '@octokit/core'
    ]) {
      expect(names).toContain(name)
    }
  })

  test('names every direct runtime dependency of package.json', () => {
    const names = entries().map(e => e.name)
    expect(Object.keys(manifest.dependencies).filter(d => !names.includes(d))).toEqual([])
  })

  test('lists only runtime packages, at the versions package-lock.json installs', () => {
    const runtime = new Set(
      Object.entries(lock.packages)
        .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev)
        .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version}`)
    )
    expect(entries().filter(e => !runtime.has(e.id))).toEqual([])
  })

  test('has a license and its text for each package, once, in a stable order', () => {
    const list = entries()
    expect(list.length).toBeGreaterThan(10)
    for (const e of list) {
      expect([e.id, e.license]).toEqual([e.id, expect.stringMatching(/^[A-Za-z0-9.() -]+$/)])
      expect(e.text.length).toBeGreaterThan(20)
    }
    const ids = list.map(e => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    const byName = [...list].sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1))
    expect(ids).toEqual(byName.map(e => e.id))
  })
})
