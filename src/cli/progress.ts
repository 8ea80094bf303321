import type { BulletinStatus } from '../bulletins/bulletins.js';
import { terminalSafe, writeControl } from './terminal-safe.js';

/** "[#########---------]  50%  500/1000  sent 480  failed 2  skipped 18  pending 500" */
export function progressLine(s: BulletinStatus, width = 30): string {
  const done = s.sent + s.failed + s.skipped + s.cancelled;
  const ratio = s.total > 0 ? Math.min(1, done / s.total) : s.status === 'sent' ? 1 : 0;
  const filled = Math.round(ratio * width);
  const parts = [`sent ${s.sent}`, `failed ${s.failed}`, `skipped ${s.skipped}`, ...(s.cancelled ? [`cancelled ${s.cancelled}`] : []), `pending ${s.pending}`];
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${done}/${s.total}  ${parts.join('  ')}`;
}

/** Redraws the line in place on a terminal; elsewhere prints a line per change. */
export function progressWriter(out: NodeJS.WriteStream = process.stdout): { update(line: string): void; end(): void } {
  let last = '';
  return {
    update(line) {
      if (line === last) return;
      last = line;
      if (out.isTTY) writeControl(out, `\r${terminalSafe(line)}\u001b[K`);
      else out.write(`${line}\n`);
    },
    end() {
      if (out.isTTY && last) out.write('\n');
    },
  };
}
