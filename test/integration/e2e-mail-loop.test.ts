import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';

// The whole loop as a customer lives it: they write to the support mailbox (real Dovecot), the daemon
// answers through a real SMTP server, and every way mail clients reply to that answer lands on the ticket.

/**
 * How long each step may take: a step takes about a second, up to 7 s seen with two busy loops on the two cores
 * (CI runs other test files beside this one). Every wait is for a row or a mail, so only a failure waits this long.
 */
const STEP_MS = 30_000;
describe.skipIf(!dovecotAvailable() || !cliBuilt)('customer <-> gateway over real IMAP and SMTP', () => {
  let dovecot: DovecotServer;
  let smtp: SmtpPeer;
  let daemon: Daemon;
  let dataDir: string;
  let db: Db;
  let env: Record<string, string>;

  beforeAll(async () => {
    [dovecot, smtp] = await Promise.all([startDovecot(), startSmtpPeer()]);
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-e2e-'));
    env = imapDaemonEnv(dovecot, dataDir, smtp.env());
    daemon = startDaemon(env);
    db = await openDatabase(join(dataDir, 'ventanilla.db'));
    await waitFor(() => daemon.log().includes('IMAP mailbox open'), 'the daemon to open the mailbox', STEP_MS);
  });

  afterAll(async () => {
    await daemon?.kill();
    await db?.$disconnect();
    await Promise.all([dovecot?.stop(), smtp?.stop()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const outcomeOf = (messageId: string) =>
    waitFor(async () => (await db.inboundLog.findFirst({ where: { messageId }, orderBy: { id: 'desc' } })) ?? null, `the outcome of ${messageId}`, STEP_MS);

  let ack: ReceivedMail;
  let number: number;

  it('a customer writes; the acknowledgement arrives with the threading headers', async () => {
    await dovecot.append(mail({ headers: { 'Message-ID': '<e2e-1@cliente.mx>', Subject: 'Error CFDI40102' }, body: 'Hola, el timbrado falla.\nImpacto: Alto\nUrgencia: Media' }));
    number = (await outcomeOf('e2e-1@cliente.mx')).ticketNumber as number;
    ack = (await smtp.waitFor(1, STEP_MS))[0] as ReceivedMail;
    expect(ack.parsed.subject).toMatch(new RegExp(`^\\[#${number}\\] `));
    expect(ack.parsed.inReplyTo).toBe('<e2e-1@cliente.mx>');
    expect(ack.header('auto-submitted')).toBe('auto-replied');
    expect(ack.parsed.text).toMatch(/Prioridad: Alta/);
  });

  it('replies in the style of Gmail, Outlook, Apple Mail and a client that keeps only the Reply-To all land on it', async () => {
    const ackId = ack.parsed.messageId as string;
    const plus = ack.parsed.replyTo?.value[0]?.address as string;
    const replies = {
      gmail: { 'In-Reply-To': ackId, References: `<e2e-1@cliente.mx> ${ackId}`, Subject: `Re: ${ack.parsed.subject}` },
      outlook: { 'In-Reply-To': ackId, Subject: `RE: ${ack.parsed.subject}`, 'Thread-Index': 'AQHZ1234abcd==' },
      // The tag lost on the way, the subject kept: which layer matches is not the tag.
      'references only': { References: ackId, Subject: 'Re: Error CFDI40102' },
      'apple mail, headers lost by a forwarder: tag only': { Subject: `Re: ${ack.parsed.subject}` },
      'reply-to only': { To: plus, Subject: 'Más información: Error CFDI40102' },
    };
    for (const [client, headers] of Object.entries(replies)) {
      const id = `reply-${client.replace(/\W+/g, '-')}@cliente.mx`;
      await dovecot.append(mail({ headers: { ...headers, 'Message-ID': `<${id}>` }, body: `Respuesta desde ${client}` }));
      expect(await outcomeOf(id), client).toMatchObject({ outcome: 'comment', ticketNumber: number });
    }
  });

  it('an agent answer from the CLI reaches the customer, and the customer answer to it reopens the conversation', async () => {
    const answer = join(dataDir, 'answer.txt');
    (await import('node:fs')).writeFileSync(answer, '¿Nos comparte el XML de la factura?');
    const r = await runCli(['tickets', 'reply', String(number), '--body-file', answer, '--status', 'pending', '--as', 'agent:maria'], { env });
    expect(r.code, r.stderr).toBe(0);
    const pending = await waitFor(() => smtp.received.find((m) => m.parsed.text?.includes('XML de la factura')), 'the pending notice', STEP_MS);
    expect(pending.parsed.subject).toContain(`[#${number}]`);
    await dovecot.append(mail({ headers: { 'Message-ID': '<xml@cliente.mx>', 'In-Reply-To': pending.parsed.messageId as string, Subject: `RE: ${pending.parsed.subject}` }, body: 'Adjunto el XML' }));
    expect(await outcomeOf('xml@cliente.mx')).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await db.ticket.findUniqueOrThrow({ where: { number } })).status).toBe('open');
  });
});
