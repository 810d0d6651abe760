/**
 * The faults suite's node:test reporter (`npm run test:faults`): one line per case, then the cases by
 * category, the figures the files recorded, reruns, and one last line `N passed, N failed`.
 *
 * Each `*.faults.ts` file runs in its own process; its last test hands the file's figures over as
 * diagnostics (harness.ts `reportFigures`), which are combined here: `add` figures are summed over
 * the files, `max` figures keep the largest, `set` figures the last value.
 *
 * With ATCR_RELIABILITY_DOC=<file>, the same tables (and the machine they were measured on) also
 * replace the part of that Markdown file between the two `faults-figures` markers: that is how
 * docs/reliability.md gets its figures.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import type {TestEvent} from 'node:test/reporters'

import prettier from 'prettier'

import {type Figure, FIGURE_DIAGNOSTIC} from './figures.ts'

const BEGIN = '<!-- faults-figures: begin (written by test/faults/reporter.ts) -->'
const END = '<!-- faults-figures: end -->'

interface Tally {
  cases: number
  failed: number
  skipped: number
}

/** "category › name" names a case; the file name stands in for the category of other tests. */
function categoryOf(name: string, file: string | undefined): string {
  const at = name.indexOf(' › ')
  if (at !== -1) return name.slice(0, at)
  if (file?.endsWith('.property.test.ts'))
    return `property-based: ${file.replace(/^.*\//, '').replace('.property.test.ts', '')}`
  return (file ?? 'unknown').replace(/^.*\//, '').replace(/\.(faults|property\.test|test)\.ts$/, '')
}

function combine(previous: Figure | undefined, next: Figure): Figure {
  if (previous === undefined || typeof previous.value !== 'number' || typeof next.value !== 'number')
    return next
  if (next.op === 'add') return {...next, value: previous.value + next.value}
  if (next.op === 'max') return {...next, value: Math.max(previous.value, next.value)}
  return next
}

function firstLine(error: unknown): string {
  const cause = (error as {cause?: unknown})?.cause ?? error
  const message = (cause as Error)?.message ?? String(cause)
  return message
}

export default async function* faultsReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const started = new Date()
  const loadAtStart = os.loadavg()[0]!
  const categories = new Map<string, Tally>()
  const figures = new Map<string, Figure>()
  const failures: string[] = []
  let passed = 0
  let failed = 0
  let skipped = 0
  let passedOnRerun = 0
  let carriedOver = 0
  let attempt = 0
  let durationMs: number | undefined

  for await (const event of source) {
    switch (event.type) {
      case 'test:pass':
      case 'test:fail': {
        const {name, details, file, skip, todo} = event.data
        if (details.type === 'suite' && event.type === 'test:pass') break
        const category = categoryOf(name, file)
        const tally = categories.get(category) ?? {cases: 0, failed: 0, skipped: 0}
        categories.set(category, tally)
        tally.cases++
        const ms = Math.round(details.duration_ms)
        attempt = Math.max(attempt, details.attempt ?? 0)
        if (event.type === 'test:pass' && (skip !== undefined || todo !== undefined)) {
          skipped++
          tally.skipped++
          yield `skip  ${name}${typeof skip === 'string' ? `: ${skip}` : ''}\n`
        } else if (event.type === 'test:pass') {
          passed++
          // On a rerun (attempt > 0), a case that passed before is reported with the attempt it passed
          // on and not run again; a case that runs again has no passed_on_attempt.
          if (event.data.details.passed_on_attempt !== undefined) carriedOver++
          else if ((details.attempt ?? 0) > 0) passedOnRerun++
          yield `ok    ${name} (${ms} ms)\n`
        } else {
          failed++
          tally.failed++
          const message = firstLine(event.type === 'test:fail' ? event.data.details.error : undefined)
          failures.push(`- ${name}: ${message.split('\n')[0]}`)
          yield `FAIL  ${name} (${ms} ms)\n      ${message.replaceAll('\n', '\n      ')}\n`
        }
        break
      }
      case 'test:diagnostic': {
        const {message} = event.data
        if (message.startsWith(FIGURE_DIAGNOSTIC)) {
          const figure = JSON.parse(message.slice(FIGURE_DIAGNOSTIC.length)) as Figure
          figures.set(figure.name, combine(figures.get(figure.name), figure))
        }
        break
      }
      case 'test:stderr':
      case 'test:stdout': {
        yield event.data.message
        break
      }
      case 'test:summary': {
        if (event.data.file === undefined) durationMs = event.data.duration_ms
        break
      }
    }
  }

  const wallS = Math.round((durationMs ?? Date.now() - started.getTime()) / 100) / 10
  const lines: string[] = []
  lines.push('## Cases by category', '', '| category | cases | failed | skipped |', '|---|---:|---:|---:|')
  for (const [category, tally] of categories)
    lines.push(`| ${category} | ${tally.cases} | ${tally.failed} | ${tally.skipped} |`)
  lines.push(`| **all** | **${passed + failed + skipped}** | **${failed}** | **${skipped}** |`)
  lines.push('', '## Figures', '', '| figure | value |', '|---|---:|')
  for (const figure of [...figures.values()].sort((a, b) => a.name.localeCompare(b.name)))
    lines.push(`| ${figure.name} | ${figure.value} |`)
  lines.push(`| suite wall time (s) | ${wallS} |`)
  lines.push(
    '',
    '## Reruns',
    '',
    attempt === 0
      ? 'First attempt (no `--test-rerun-failures` state, or no failure to rerun).'
      : `Attempt ${attempt} (\`--test-rerun-failures\`): ${carriedOver} cases passed on an earlier attempt and were not run again, ${passedOnRerun} passed on a rerun.`,
  )
  const tables = lines.join('\n')
  yield `\n${tables}\n`
  if (failures.length > 0) yield `\n## Failures\n\n${failures.join('\n')}\n`

  const doc = process.env.ATCR_RELIABILITY_DOC
  if (doc) {
    const text = readFileSync(doc, 'utf8')
    const begin = text.indexOf(BEGIN)
    const end = text.indexOf(END)
    if (begin === -1 || end < begin) {
      yield `\n${doc}: no figures markers, left unchanged\n`
    } else {
      const machine =
        `Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores ` +
        `(load average ${loadAtStart.toFixed(1)} at the start), Node.js ${process.version}: ` +
        `**${passed} passed, ${failed} failed, ${skipped} skipped** in ${wallS} s.`
      // One level below the document's own "## Figures".
      const sections = tables.replaceAll(/^## /gm, '### ')
      const updated = `${text.slice(0, begin + BEGIN.length)}\n\n${machine}\n\n${sections}\n\n${text.slice(end)}`
      // In the project's Markdown style, so that `npm run lint` (prettier --check) keeps passing.
      const options = await prettier.resolveConfig(doc)
      writeFileSync(doc, await prettier.format(updated, {...options, filepath: doc}))
      yield `\nfigures written to ${doc}\n`
    }
  }
  yield `\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`
}
