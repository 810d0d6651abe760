/**
 * Colour for people at a terminal, and only there: never when the stream is not a TTY (a pipe, a
 * file, a program reading the output), never with NO_COLOR set (https://no-color.org) or TERM=dumb.
 */

export type Colour = 'green' | 'red' | 'yellow' | 'bold'

const CODES: Record<Colour, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  bold: [1, 22],
}

export function colourEnabled(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv): boolean {
  if (!stream.isTTY) return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return env.TERM !== 'dumb'
}

export function paint(text: string, colour: Colour): string {
  const [open, close] = CODES[colour]
  return `\u001B[${open}m${text}\u001B[${close}m`
}
