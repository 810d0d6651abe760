/**
 * Figures of the faults suite: numbers a case records besides passing (slowest answer, processes
 * killed, secrets scanned). Each file keeps its own; its last test hands them to the reporter as
 * diagnostics (`reportFigures`), and the reporter (reporter.ts) combines the files' figures.
 */
import type {TestContext} from 'node:test'

/**
 * How the reporter combines a figure that several files record: `add` sums, `max` keeps the largest,
 * `set` keeps the last file's value (for figures only one file records).
 */
export type FigureOp = 'add' | 'max' | 'set'
export interface Figure {
  name: string
  op: FigureOp
  value: string | number
}

const figures = new Map<string, Figure>()
export function setFigure(name: string, value: string | number): void {
  figures.set(name, {name, op: 'set', value})
}
export function maxFigure(name: string, value: number): void {
  const previous = figures.get(name)?.value
  if (typeof previous !== 'number' || value > previous) figures.set(name, {name, op: 'max', value})
}
export function addFigure(name: string, value = 1): void {
  const previous = figures.get(name)?.value
  figures.set(name, {name, op: 'add', value: (typeof previous === 'number' ? previous : 0) + value})
}
/** The prefix of the diagnostic lines that carry figures to the reporter (reporter.ts). */
export const FIGURE_DIAGNOSTIC = 'figure '
/** Hands this file's figures to the reporter: call it from the file's last test. */
export function reportFigures(t: TestContext): void {
  for (const figure of figures.values()) t.diagnostic(`${FIGURE_DIAGNOSTIC}${JSON.stringify(figure)}`)
}
