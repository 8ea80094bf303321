// What a mail says (a customer's words, a subject, a name) reaches an agent's terminal through the CLI's output. A
// terminal obeys the escape sequences in it: a hostile sender could clear the screen above their text, retitle the
// window, or write the agent's clipboard (OSC 52). So every text the CLI writes shows its control characters as
// visible escapes ("\u001b"), tabs and line ends kept. Written as JSON writes them, so `--json` output stays JSON and
// reads back the same (JSON.stringify escapes C0 itself, not DEL and C1). Bytes (`raw-mail`) pass as they are.

/** C0 controls but tab and line feed, a CR not ending a line, DEL and the C1 controls (U+009B is a CSI too). */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)/g;

export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type Write = NodeJS.WriteStream['write'];
const originals = new Map<NodeJS.WriteStream, Write>();

/** Makes every string written to stdout and stderr terminal-safe, from here on (cli/main.ts, before the program). */
export function guardTerminalOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (originals.has(stream)) continue;
    const write = stream.write.bind(stream) as Write;
    originals.set(stream, write);
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      (write as (c: unknown, ...r: unknown[]) => boolean)(typeof chunk === 'string' ? terminalSafe(chunk) : chunk, ...rest)) as Write;
  }
}

/** Writes the CLI's own control sequences (a progress line redrawn in place), past the guard. */
export function writeControl(stream: NodeJS.WriteStream, text: string): boolean {
  return (originals.get(stream) ?? (stream.write.bind(stream) as Write))(text);
}
