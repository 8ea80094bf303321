import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/ingest/parse.js';
import { classifyAutomatic } from '../../src/ingest/stages/automatic.js';
import { projectRoot } from '../../src/paths.js';

const sisimai = resolve(projectRoot, '..', 'shared', 'corpus', 'sisimai');
const present = existsSync(join(sisimai, 'expected-results.json'));

describe.skipIf(!present)(`machine-written mail in sisimai's corpus${present ? '' : ' (skipped: ../shared/corpus/sisimai is absent)'}`, () => {
  it("recognises every auto-reply (reason 'vacation') and every bounce as machine-written", async () => {
    const expected = JSON.parse(readFileSync(join(sisimai, 'expected-results.json'), 'utf8')).files as Record<string, { recipients: Array<{ reason: string }> }>;
    const dir = join(sisimai, 'set-of-emails', 'maildir', 'bsd');
    const counts = { vacation: 0, vacationRecognised: 0, bounces: 0, bouncesAutomatic: 0 };
    const missed: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()) {
      const reasons = expected[file]?.recipients.map((r) => r.reason) ?? [];
      if (reasons.length === 0 || reasons.includes('delivered')) continue;
      const verdict = classifyAutomatic(await parseMail(readFileSync(join(dir, file))));
      if (reasons.includes('vacation')) {
        counts.vacation++;
        if (verdict) counts.vacationRecognised++;
        else missed.push(file);
      } else if (!reasons.includes('feedback')) {
        counts.bounces++;
        if (verdict) counts.bouncesAutomatic++;
      }
    }
    console.log(
      `auto-replies recognised: ${counts.vacationRecognised}/${counts.vacation}; bounces seen as machine-written by headers alone: ${counts.bouncesAutomatic}/${counts.bounces} (the rest are caught by the bounce classifier)`,
    );
    expect(missed, 'auto-replies not recognised').toEqual([]);
    expect(counts.vacation).toBeGreaterThanOrEqual(5);
  });

  it('does not take the messages of maildir/not (not bounces) for bounces', async () => {
    const dir = join(sisimai, 'set-of-emails', 'maildir', 'not');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
      const verdict = classifyAutomatic(await parseMail(readFileSync(join(dir, file))));
      expect(verdict?.kind, file).not.toBe('mailer-daemon');
    }
  });
});
