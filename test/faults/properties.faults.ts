/**
 * The property-based tests (test/unit/*.property.test.ts, which the unit suite runs with fewer
 * generated inputs) with 1000 generated inputs each: every file is imported here, so every `test(...)`
 * in it is a case of this suite.
 */
import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {pathToFileURL} from 'node:url'

import {reportFigures, ROOT, setFigure} from './harness.ts'

const RUNS = 1000
const UNIT = path.join(ROOT, 'test', 'unit')

process.env.ATCR_PROPERTY_RUNS ??= String(RUNS)
const files = readdirSync(UNIT).filter((name) => name.endsWith('.property.test.ts'))
for (const name of files) await import(pathToFileURL(path.join(UNIT, name)).href)

test('property-based › the property files were found and generate at least 1000 inputs each', (t) => {
  assert.ok(files.length >= 2, `property files in test/unit: ${files.join(', ') || 'none'}`)
  assert.ok(Number(process.env.ATCR_PROPERTY_RUNS) >= RUNS, 'ATCR_PROPERTY_RUNS')
  setFigure(
    'property tests: generated inputs per property (at least)',
    Number(process.env.ATCR_PROPERTY_RUNS),
  )
  setFigure('property tests: files', files.length)
  reportFigures(t)
})
