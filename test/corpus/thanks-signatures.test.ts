/**
 * Real signatures of the corpora (talon's signature fixtures, a disclaimer from discourse's reply trimmer tests),
 * signed below a customer's thanks to a solved ticket, as Outlook does: no "-- " line above them. The thanks
 * keeps the ticket solved; the same signature below a problem, or above one written in capitalised words,
 * reopens it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

const signatures = path.join(corpusRoot, 'talon', 'tests', 'fixtures', 'signature', 'emails', 'stripped');
const trimmer = path.join(corpusRoot, 'discourse-email_reply_trimmer', 'test', 'emails');
const haveCorpus = fs.existsSync(signatures) && fs.existsSync(trimmer);
if (!haveCorpus) console.warn(`thanks-signatures: ${signatures} or ${trimmer} is absent; skipped (see ../shared/corpus/README.md)`);

const read = (file: string) => fs.readFileSync(file, 'utf8').replace(/^#sig#/gm, '').trim();
/** The last paragraph of a mail of the trimmer's tests: its sender's company disclaimer. */
const disclaimerOf = (name: string) => read(path.join(trimmer, name)).split(/\n\s*\n/).at(-1) ?? '';

/** talon's fixture name, its sender (From), and a disclaimer to sign below it (or none). */
const CASES = [
  { fixture: 'long', from: 'Gina Xxxxxxxxx <gina@example.com>', disclaimer: null },
  { fixture: 'johndoeexamplecom', from: 'john@example.com', disclaimer: 'email_headers_5.txt' },
];

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => app.dispose());

describe.skipIf(!haveCorpus)('thanks above a real signature without "-- "', () => {
  it.each(CASES)('$fixture: thanks keeps the ticket solved, a problem reopens it', async ({ fixture, from, disclaimer }) => {
    const opened = mail({ headers: { From: from } });
    const { ticketNumber } = await app.pipeline.ingest(opened, { source: 'file', sourceRef: 'test' });
    const messageId = /Message-ID: (<[^>]+>)/.exec(opened.toString())?.[1] as string;
    await app.db.ticket.update({ where: { number: ticketNumber as number }, data: { status: 'solved' } });
    const signed = (below: string) => [read(path.join(signatures, `${fixture}_signature`)) + below, ...(disclaimer ? [disclaimerOf(disclaimer)] : [])].join('\n\n');
    const reply = (first: string, below = '') =>
      app.pipeline.ingest(mail({ headers: { From: from, 'In-Reply-To': messageId }, body: `${first}\n\n${signed(below)}` }), { source: 'file', sourceRef: 'test' });

    expect(await reply('Thanks a lot!')).toMatchObject({ outcome: 'comment', ticketNumber });
    expect((await showTicket(app.db, ticketNumber as number))?.status).toBe('solved');
    // A complaint in capitalised words below the signature is no line of it.
    expect(await reply('Thanks a lot!', '\nThe Invoice Came Empty')).toMatchObject({ outcome: 'reopened', ticketNumber });
    await app.db.ticket.update({ where: { number: ticketNumber as number }, data: { status: 'solved' } });
    // So is one with neither a verb nor a pronoun, in a paragraph of its own.
    expect(await reply('Thanks a lot!', '\n\nDouble Charge')).toMatchObject({ outcome: 'reopened', ticketNumber });
    await app.db.ticket.update({ where: { number: ticketNumber as number }, data: { status: 'solved' } });
    // And one of something owed still pending; an overdue-accounts team is the sender's department.
    expect(await reply('Thanks a lot!', '\n\nPayment Pending')).toMatchObject({ outcome: 'reopened', ticketNumber });
    expect((await showTicket(app.db, ticketNumber as number))?.status).toBe('open');
    await app.db.ticket.update({ where: { number: ticketNumber as number }, data: { status: 'solved' } });
    expect(await reply('Thanks a lot!', '\nOverdue Accounts Team')).toMatchObject({ outcome: 'comment', ticketNumber });
    expect((await showTicket(app.db, ticketNumber as number))?.status).toBe('solved');
    expect(await reply("Thanks, but it still doesn't work.")).toMatchObject({ outcome: 'reopened', ticketNumber });
  });
});
