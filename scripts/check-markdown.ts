/**
 * `npm run lint` → `node scripts/check-markdown.ts`: every Markdown file of the checkout renders as its
 * author meant it.
 *
 * - Tables (GitHub Flavored Markdown): each row has as many cells as the header (GitHub drops the extra
 *   ones and pads the missing ones, silently); no `|` inside a code span unless escaped as `\|` (GitHub
 *   splits the cell there even inside backticks); every code span in a cell is closed.
 * - Prose lines are at most 120 characters; tables, fenced code and lines that are one unbreakable
 *   word or link are exempt.
 *
 * No Markdown library is kept for this: a full parser (marked, remark) would answer "how does this
 * render", not "is this what the author meant", and the three table rules are a few lines each.
 * `docs/commands.md` is checked too; it is written by `oclif readme` (scripts/command-reference.ts).
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const MAX_LINE_LENGTH = 120

export interface MarkdownProblem {
  line: number
  message: string
}

const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/
const FENCE = /^\s{0,3}(`{3,}|~{3,})/

/** The cells of a table row as GitHub splits them: on every `|` not escaped by a backslash. */
export function splitRow(row: string): string[] {
  const cells: string[] = []
  let cell = ''
  for (let index = 0; index < row.length; index++) {
    const char = row[index]!
    if (char === '\\' && row[index + 1] === '|') {
      cell += '\\|'
      index++
    } else if (char === '|') {
      cells.push(cell)
      cell = ''
    } else cell += char
  }
  cells.push(cell)
  const trimmed = row.trim()
  if (trimmed.startsWith('|')) cells.shift()
  if (trimmed.endsWith('|') && !trimmed.endsWith('\\|')) cells.pop()
  return cells
}

/** Backtick runs of a text as [start, length] pairs. */
function backtickRuns(text: string): [number, number][] {
  return [...text.matchAll(/`+/g)].map((match) => [match.index, match[0].length])
}

/**
 * Code spans as CommonMark pairs them: a run of N backticks opens one, the next run of exactly N closes
 * it. Returns the spans and the offset of a run left open, if any.
 */
function codeSpans(text: string): {spans: [number, number][]; unclosedAt?: number} {
  const runs = backtickRuns(text)
  const spans: [number, number][] = []
  for (let open = 0; open < runs.length; open++) {
    const [start, length] = runs[open]!
    const close = runs.findIndex((run, index) => index > open && run[1] === length)
    if (close === -1) return {spans, unclosedAt: start}
    spans.push([start, runs[close]![0] + length])
    open = close
  }
  return {spans}
}

function checkTableRow(row: string, lineNumber: number, columns: number): MarkdownProblem[] {
  const problems: MarkdownProblem[] = []
  // A `|` the author put inside backticks: pair the backticks over the whole row, as they were meant.
  for (const [start, end] of codeSpans(row).spans) {
    const span = row.slice(start, end)
    const pipe = span.search(/(?<!\\)\|/)
    if (pipe !== -1) {
      problems.push({
        line: lineNumber,
        message: `unescaped | inside a code span (${span.slice(0, 40)}…): GitHub splits the cell there; write \\|`,
      })
      return problems
    }
  }
  const cells = splitRow(row)
  if (cells.length !== columns) {
    problems.push({
      line: lineNumber,
      message: `${cells.length} cells where the header has ${columns}: GitHub ${cells.length > columns ? 'drops the extra ones' : 'leaves the rest empty'}`,
    })
  }
  cells.forEach((cell, index) => {
    const {unclosedAt} = codeSpans(cell)
    if (unclosedAt !== undefined) {
      problems.push({
        line: lineNumber,
        message: `cell ${index + 1} opens a code span it never closes: ${cell.trim().slice(0, 40)}…`,
      })
    }
  })
  return problems
}

/** Every problem of one Markdown text, by line number (1-based). */
export function checkMarkdown(text: string): MarkdownProblem[] {
  const lines = text.split(/\r?\n/)
  const problems: MarkdownProblem[] = []
  let fence: string | undefined
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    const fenceMatch = FENCE.exec(line)
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length)
        fence = undefined
      continue
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!
      continue
    }
    const next = lines[index + 1]
    if (line.includes('|') && next !== undefined && DELIMITER_ROW.test(next) && next.includes('-')) {
      const columns = splitRow(line).length
      problems.push(...checkTableRow(line, index + 1, columns))
      const delimiterCells = splitRow(next).length
      if (delimiterCells !== columns) {
        problems.push({
          line: index + 2,
          message: `the delimiter row has ${delimiterCells} cells where the header has ${columns}`,
        })
      }
      index += 2
      for (; index < lines.length && lines[index]!.trim() !== ''; index++) {
        problems.push(...checkTableRow(lines[index]!, index + 1, columns))
      }
      continue
    }
    if (line.length > MAX_LINE_LENGTH && /\s\S/.test(line.trim())) {
      problems.push({
        line: index + 1,
        message: `${line.length} characters (at most ${MAX_LINE_LENGTH} outside tables and code)`,
      })
    }
  }
  return problems
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'tmp', 'release', '.git', '.bench'])

/** The Markdown files of a checkout, relative to it, sorted. */
export function markdownFiles(root: string): string[] {
  const found: string[] = []
  const walk = (directory: string) => {
    for (const entry of readdirSync(path.join(root, directory), {withFileTypes: true})) {
      const relative = path.join(directory, entry.name)
      if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) walk(relative)
      else if (entry.isFile() && entry.name.endsWith('.md')) found.push(relative)
    }
  }
  walk('')
  return found.sort()
}

if (import.meta.main) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  let count = 0
  for (const file of markdownFiles(root)) {
    for (const problem of checkMarkdown(readFileSync(path.join(root, file), 'utf8'))) {
      console.error(`${file}:${problem.line}: ${problem.message}`)
      count++
    }
  }
  if (count > 0) {
    console.error(
      `check-markdown: ${count} problem(s); tables must render as written (scripts/check-markdown.ts)`,
    )
    process.exit(1)
  }
}
