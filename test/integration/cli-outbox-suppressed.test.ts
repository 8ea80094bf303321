import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { postfixDsn, sentHeaders } from '../support/dsn.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// `outbox list` as the owner reads it when a customer says she never got the desk's answer: the answer was waiting
// for a retry when her address bounced, and the bounce took her out of it (README "Bounces and suppression"). The
// list said `pending` to the colleague in copy, or `cancelled`, and nothing of her in a column of its own; `--json`
// had only the free text of lastError, and for the mail left to the copy not even that.

interface Listed {
  id: number;
  status: string;
  template: string;
  to: string[];
  lastError: string | null;
  suppressed: string[];
}

describe.skipIf(!cliBuilt)('outbox list: a mail not sent to an address because it is suppressed', () => {
  let smtp: SmtpPeer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-outbox-suppressed-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-outbox-secret-0123456789', ...smtp.env() };
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = async (): Promise<Listed[]> => {
    const run = await runCli(['outbox', 'list', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Listed[];
  };
  /** The hard bounce of the acknowledgement, for one of its recipients, piped in as the MTA does. */
  const bounce = async (failed: string) => {
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'), { readonly: true });
    const ack = db.prepare(`SELECT "messageId", "subject", "toList", "ccList" FROM "OutboxMail" WHERE "template" = 'acknowledgement'`).get() as { messageId: string; subject: string; toList: string; ccList: string };
    db.close();
    const run = await runCli(['ingest', '-'], { env, input: postfixDsn({ failed, original: sentHeaders(ack) }) });
    expect(run.code, run.stderr).toBe(0);
  };

  it('names the suppressed recipients the mail is not sent to, in a column and in --json, whether it goes to the others or to no one', async () => {
    // Ana writes with Luis in copy; the acknowledgement reaches them both.
    expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: 'No puedo timbrar', Cc: 'luis@cliente.mx' } }) })).code).toBe(0);
    expect((await runCli(['scheduler', 'run-once'], { env })).code).toBe(0);
    expect(smtp.received).toHaveLength(1);
    // The agent's answer meets a server that says "later": it waits for its retry.
    smtp.failWith = 451;
    const reply = await runCli(['tickets', 'reply', '1000', '--body-file', '-', '--as', 'maria'], { env, input: '¿Nos envía el XML de la factura?' });
    expect(reply.code, reply.stderr).toBe(0);
    smtp.failWith = null;
    expect((await list()).find((r) => r.template === 'answer')).toMatchObject({ status: 'pending', to: ['ana@cliente.mx'], suppressed: [] });

    // Ana's mailbox is gone: the answer goes to Luis alone, and the list says whom it left out.
    await bounce('ana@cliente.mx');
    const [answer, ack] = await list();
    expect(answer).toMatchObject({ template: 'answer', status: 'pending', to: ['luis@cliente.mx'], suppressed: ['ana@cliente.mx'] });
    expect(ack).toMatchObject({ template: 'acknowledgement', status: 'sent', suppressed: [] });
    const text = await runCli(['outbox', 'list'], { env });
    expect(text.code, text.stderr).toBe(0);
    const answerLine = text.stdout.split('\n').find((l) => l.startsWith(`${answer?.id}\t`)) ?? '';
    expect(answerLine).toMatch(/^\d+\tpending\tanswer\tluis@cliente\.mx\t.*\t\[not sent to ana@cliente\.mx: suppressed after bounces\]$/);
    expect(text.stdout.split('\n').find((l) => l.startsWith(`${ack?.id}\t`))).not.toContain('not sent to');

    // Luis's too: nobody is left, the answer is cancelled, and both are named.
    await bounce('luis@cliente.mx');
    const cancelled = (await list()).find((r) => r.template === 'answer');
    expect(cancelled).toMatchObject({ status: 'cancelled', suppressed: ['ana@cliente.mx', 'luis@cliente.mx'] });
    // lastError keeps what it said before: additive only.
    expect(cancelled?.lastError).toBe('the address is suppressed after bounces (ventanilla suppressions lift luis@cliente.mx)');
    const after = await runCli(['outbox', 'list'], { env });
    expect(after.stdout.split('\n').find((l) => l.startsWith(`${cancelled?.id}\t`))).toMatch(/^\d+\tcancelled\tanswer\t.*\t\[not sent to ana@cliente\.mx, luis@cliente\.mx: suppressed after bounces\]$/);
  }, 150_000);
});
