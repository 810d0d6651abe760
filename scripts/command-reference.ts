/**
 * docs/commands.md, the command reference, written by `oclif readme` from the built commands.
 *
 *   npm run docs                                   build, then rewrite docs/commands.md
 *   node scripts/command-reference.ts --check      (in `npm run lint`) exit 1 when it is out of date
 *
 * Both generate into a temporary copy of the file, with the width fixed (oclif wraps help text to the
 * terminal, and a narrow one even breaks its templates) and formatted by prettier as `npm run format`
 * would, so the file in the repository is exactly what this writes. The commands come from dist/:
 * run `npm run build` first (`npm test` does).
 */
import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import * as prettier from 'prettier'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const REFERENCE = path.join(REPO, 'docs', 'commands.md')
const OCLIF = path.join(REPO, 'node_modules', 'oclif', 'bin', 'run.js')
const HELP_WIDTH = '120'

/** The reference as `oclif readme` writes it today, formatted; throws with the reason when it cannot. */
export async function generateCommandReference(): Promise<string> {
  if (!existsSync(path.join(REPO, 'dist', 'commands'))) {
    throw new Error('dist/commands is missing: run "npm run build" first')
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'atcr-command-reference-'))
  try {
    const draft = path.join(directory, 'commands.md')
    copyFileSync(REFERENCE, draft)
    const env: NodeJS.ProcessEnv = {...process.env, OCLIF_COLUMNS: HELP_WIDTH}
    delete env.COLUMNS
    const result = spawnSync(
      process.execPath,
      [
        OCLIF,
        'readme',
        '--readme-path',
        draft,
        '--no-source-links',
        '--tsconfig-path',
        'tsconfig.build.json',
      ],
      {cwd: REPO, env, encoding: 'utf8', timeout: 120_000},
    )
    if (result.status !== 0) throw new Error(`oclif readme failed:\n${result.stdout}${result.stderr}`)
    const options = await prettier.resolveConfig(REFERENCE)
    return await prettier.format(readFileSync(draft, 'utf8'), {...options, filepath: REFERENCE})
  } finally {
    rmSync(directory, {recursive: true, force: true})
  }
}

if (import.meta.main) {
  try {
    const generated = await generateCommandReference()
    if (process.argv.includes('--check')) {
      if (generated !== readFileSync(REFERENCE, 'utf8')) {
        console.error('docs/commands.md is out of date with the commands: run "npm run docs" and commit it')
        process.exit(1)
      }
    } else {
      writeFileSync(REFERENCE, generated)
      console.error('wrote docs/commands.md')
    }
  } catch (error) {
    console.error(`command-reference: ${(error as Error).message}`)
    process.exit(1)
  }
}
