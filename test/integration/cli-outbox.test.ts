import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// `outbox list` as the operator reads it after a mail failed: "failed" reads as never delivered, but a try whose
// connection broke after the end of the mail (the server's answer lost) may have left it with its reader, and
// close-undone and CSAT withdrawal act on that (OutboxMail.mayHaveReached). The list says so.

interface Listed {
  status: string;
  subject: string;
  mayHaveReached: boolean;
}

describe.skipIf(!cliBuilt)('outbox list: a mail not sent that may have reached its reader', () => {
  let smtp: SmtpPeer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-outbox-'));
    // One try: a mail the try did not deliver is failed at once, as after days of retries.
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-outbox-secret-0123456789', OUTBOX_MAX_ATTEMPTS: '1', ...smtp.env() };
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A customer's mail piped in, its acknowledgement tried once by the scheduler's drain. */
  async function acknowledgementTried(subject: string): Promise<void> {
    expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: subject } }) })).code).toBe(0);
    const run = await runCli(['scheduler', 'run-once'], { env });
    expect(run.code, run.stderr).toBe(0);
  }

  it('says "may have reached the recipient" for a failed, cancelled or pending one whose try may have, and not for one the server refused', async () => {
    smtp.dropAfterDot = 1;
    await acknowledgementTried('Conexión perdida tras el punto');
    expect(smtp.droppedAfterDot).toHaveLength(1);
    smtp.failWith = 550;
    await acknowledgementTried('Rechazado por el servidor');
    smtp.failWith = null;
    // A closing mail taken back (close-undone) after such a try: cancelled, and its reader may have it all the same.
    await acknowledgementTried('Cerrado y cancelado');
    // One still to be retried after such a try: its reader may get it twice, which the operator should know too.
    smtp.dropAfterDot = 1;
    const retried = env;
    env = { ...env, OUTBOX_MAX_ATTEMPTS: '3' };
    await acknowledgementTried('Reintento tras el punto');
    env = retried;
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    db.prepare(`UPDATE "OutboxMail" SET "status" = 'cancelled', "mayHaveReached" = 1, "lastError" = 'not sent: the close was undone' WHERE "subject" LIKE '%Cerrado y cancelado%'`).run();
    db.close();

    const json = await runCli(['outbox', 'list', '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const rows = (JSON.parse(json.stdout) as Listed[]).map((r) => ({ status: r.status, subject: r.subject, mayHaveReached: r.mayHaveReached }));
    expect(rows).toEqual([
      { status: 'pending', subject: expect.stringContaining('Reintento tras el punto'), mayHaveReached: true },
      { status: 'cancelled', subject: expect.stringContaining('Cerrado y cancelado'), mayHaveReached: true },
      { status: 'failed', subject: expect.stringContaining('Rechazado por el servidor'), mayHaveReached: false },
      { status: 'failed', subject: expect.stringContaining('Conexión perdida tras el punto'), mayHaveReached: true },
    ]);

    const text = await runCli(['outbox', 'list'], { env });
    expect(text.code, text.stderr).toBe(0);
    const lineOf = (subject: string) => text.stdout.split('\n').find((l) => l.includes(subject)) ?? '';
    expect(lineOf('Conexión perdida tras el punto')).toMatch(/^\d+\tfailed \t.*\t\[may have reached the recipient\]$/);
    expect(lineOf('Cerrado y cancelado')).toMatch(/\(not sent: the close was undone\)\t\[may have reached the recipient\]$/);
    expect(lineOf('Reintento tras el punto')).toMatch(/^\d+\tpending\t.*\t\[may have reached the recipient\]$/);
    expect(lineOf('Rechazado por el servidor')).toMatch(/^\d+\tfailed \t/);
    expect(lineOf('Rechazado por el servidor')).not.toContain('may have reached');
  }, 150_000);

  // A server's reply of several lines (421-... 421 ...), or OpenSSL's text ending in a line break, kept as the row's
  // lastError: the list's line for the mail broke in two, and a script reading one mail a line read half of one.
  it('keeps each mail on one line when its last error has several', async () => {
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    db.prepare(`UPDATE "OutboxMail" SET "lastError" = ? WHERE "subject" LIKE '%Rechazado por el servidor%'`).run('EENVELOPE 550 550-5.7.1 Refused\n550 5.7.1 see https://example.test\n');
    db.close();
    const text = await runCli(['outbox', 'list'], { env });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.includes('Rechazado por el servidor'))).toMatch(/\(EENVELOPE 550 550-5\.7\.1 Refused 550 5\.7\.1 see https:\/\/example\.test\)$/);
    const json = JSON.parse((await runCli(['outbox', 'list', '--json'], { env })).stdout) as Array<{ lastError: string | null }>;
    expect(json.some((r) => r.lastError?.includes('Refused\n550'))).toBe(true);
  });
});
