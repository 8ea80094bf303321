import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// Mailman's, majordomo's, LISTSERV's and Sympa's own notices (moderation, confirmation requests, command replies,
// reminders) are a machine's about a list: recorded as auto_reply, no ticket, no acknowledgement (list-notices.ts).
// A post a list distributes from a person stays a person's mail. The corpus holds no list server's own notice, only
// posts and bounces through lists: the notices below are written as Mailman 2.1 and 3, majordomo and LISTSERV send them.

const root = resolve(projectRoot, '..', 'shared', 'corpus');
const bsd = join(root, 'sisimai', 'set-of-emails', 'maildir', 'bsd');
const mailmanPost = join(root, 'stalwart-mail-parser', 'resources', 'eml', 'thirdparty', '014.eml');

const suite = timeTravelSuite();
let tt: TimeTravel;
const NOW = '2026-11-30T10:00:00-06:00';

/** Mailman 2.1's headers on every mail of the list "soporte" (posts and notices alike). */
const mailman = (extra: Record<string, string>) => ({
  'X-BeenThere': 'soporte@lists.cliente.mx',
  'X-Mailman-Version': '2.1.29',
  'List-Id': 'Soporte <soporte.lists.cliente.mx>',
  'List-Unsubscribe': '<https://lists.cliente.mx/mailman/options/soporte>, <mailto:soporte-request@lists.cliente.mx?subject=unsubscribe>',
  'Errors-To': 'soporte-bounces@lists.cliente.mx',
  Sender: '"Soporte" <soporte-bounces@lists.cliente.mx>',
  ...extra,
});

const notices: Record<string, Buffer> = {
  'Mailman 2.1: "awaits moderator approval" from the list\'s -owner': mail({ headers: mailman({
    From: 'soporte-owner@lists.cliente.mx', Subject: 'Your message to Soporte awaits moderator approval', Precedence: 'bulk', 'X-List-Administrivia': 'yes',
    'Message-ID': '<mailman.12.1606780800.1234.soporte@lists.cliente.mx>' }), body: 'Your mail to \'Soporte\' with the subject\n\n    Factura\n\nIs being held until the list moderator can review it for approval.' }),
  'Mailman 2.1: the monthly memberships reminder from mailman-owner@, no Precedence': mail({ headers: mailman({
    From: 'mailman-owner@lists.cliente.mx', Subject: 'lists.cliente.mx mailing list memberships reminder', 'X-List-Administrivia': 'yes',
    'List-Id': '<mailman.lists.cliente.mx>', 'X-BeenThere': 'mailman@lists.cliente.mx' }), body: 'This is a reminder, sent out once a month, about your lists.cliente.mx mailing list memberships.' }),
  'Mailman 2.1: a subscription confirmation request from -request, no X-List-Administrivia': mail({ headers: mailman({
    From: 'soporte-request@lists.cliente.mx', Subject: 'confirm 3f8a2c1d9e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f', 'Reply-To': 'soporte-request@lists.cliente.mx' }),
    body: 'Mailing list subscription confirmation notice for mailing list Soporte' }),
  'Mailman 3: a confirmation from -confirm+token, Auto-Submitted': mail({ headers: {
    From: 'soporte-confirm+8d4f1c@lists.cliente.mx', Subject: 'Your confirmation is needed to join the soporte@lists.cliente.mx mailing list.', 'Auto-Submitted': 'auto-generated',
    'List-Id': '<soporte.lists.cliente.mx>', 'X-Mailman-Version': '3.3.8', Precedence: 'bulk' }, body: 'Email Address Registration Confirmation' }),
  'Mailman 3: a bounce-processing notice from -bounces': mail({ headers: {
    From: 'soporte-bounces@lists.cliente.mx', Subject: 'Your soporte@lists.cliente.mx mailing list membership has been disabled',
    'List-Id': '<soporte.lists.cliente.mx>', 'X-Mailman-Version': '3.3.8' }, body: 'Your membership has been disabled due to excessive bounces.' }),
  'fml 4: a command\'s reply with Precedence: bulk': mail({ headers: {
    From: 'neko-ctl@example.co.jp', Subject: 'fml Command Status report (neko ML)', 'X-ML-Name': 'neko', 'X-MLServer': 'fml [fml 4.0.3 release]', Precedence: 'bulk' },
    body: '>>> help\nsee the guide' }),
  'majordomo: a command\'s reply, no list header': mail({ headers: {
    From: 'Majordomo@lists.cliente.mx', Subject: 'Majordomo results: subscribe soporte', 'Reply-To': 'Majordomo@lists.cliente.mx' },
    body: '--\n\n>>>> subscribe soporte\nSucceeded.\n>>>> \n>>>> END\n' }),
  'LISTSERV: a command\'s reply': mail({ headers: {
    From: '"L-Soft list server at LISTS.CLIENTE.MX (16.0)" <LISTSERV@LISTS.CLIENTE.MX>', Subject: 'Output of your job "ana"' },
    body: '> SIGNOFF SOPORTE-L\nYou have been removed from the SOPORTE-L list.' }),
  'Sympa: a subscription request to confirm': mail({ headers: {
    From: 'SYMPA <sympa@lists.cliente.mx>', Subject: 'confirm 4f2a subscribe soporte', 'List-Id': '<soporte.lists.cliente.mx>' },
    body: 'To confirm your subscription to list soporte@lists.cliente.mx, please click the link below.' }),
  // Review (parsing2): each robot's real notices with no list header, each caught by its own mark.
  'Sympa 6: a command report from the robot, Auto-Submitted only (no List-*)': mail({ headers: {
    From: 'SYMPA <sympa@lists.cliente.mx>', Subject: 'Results of your commands', 'Auto-Submitted': 'auto-replied' },
    body: '> which\nYou are subscribed to the following lists:' }),
  'ListProc: a command\'s reply, its version header': mail({ headers: {
    From: 'listproc@lists.cliente.mx', Subject: 'Re: help', 'X-Listprocessor-Version': '8.2.10/020311/17:52 -- ListProc(tm) by CREN' },
    body: 'ListProc commands:' }),
  'Ecartis: a command\'s reply, its version header': mail({ headers: {
    From: 'ecartis@lists.cliente.mx', Subject: 'Ecartis command results: --- Help ---', 'X-ecartis-version': 'Ecartis v1.0.0' },
    body: '>> help' }),
};

describe('a list server\'s own notices', () => {
  for (const [name, raw] of Object.entries(notices)) {
    it(`${name}: auto_reply, no ticket, no mail`, async () => {
      tt = await suite.start(NOW);
      expect(await tt.ingest(NOW, raw)).toMatchObject({ outcome: 'auto_reply', ticketNumber: null, detail: expect.stringMatching(/mailing-list server's own notice.*answers no ticket/) });
      expect(await tt.app.db.ticket.count()).toBe(0);
      await tt.flush();
      expect(tt.take()).toEqual([]);
    });
  }
});

describe('a person\'s mail through a list stays a person\'s', () => {
  it('a post a Mailman list distributes (Sender: -bounces, Precedence: list) opens a ticket, unanswered', async () => {
    tt = await suite.start(NOW);
    const raw = mail({ headers: mailman({ Precedence: 'list' }), body: 'No puedo timbrar la factura A-12.' });
    expect(await tt.ingest(NOW, raw)).toMatchObject({ outcome: 'created', detail: expect.stringMatching(/through a mailing list/) });
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it('a person whose address is a list\'s name, or who writes about majordomo, is a person', async () => {
    tt = await suite.start(NOW);
    const post = mail({ headers: { From: 'Soporte Mailman <soporte@lists.cliente.mx>', Subject: 'Majordomo results: no llegan', 'List-Id': '<soporte.lists.cliente.mx>' }, body: 'Ana via Soporte' });
    expect((await tt.ingest(NOW, post)).outcome).toBe('created');
    const owner = mail({ headers: mailman({ From: 'Luis <product-owner@cliente.mx>', Precedence: 'list' }), body: 'La factura A-12 no timbra.' });
    expect((await tt.ingest(NOW, owner)).outcome).toBe('created');
    const person = mail({ headers: { From: 'Ana <ana.owner@cliente.mx>', Subject: 'Your message awaits moderator approval: ¿qué significa?' } });
    expect((await tt.ingest(NOW, person)).outcome).toBe('created');
  });

  it('a person writing from a mailroom\'s "mailman@" address, with no list or machine header, opens a ticket (review: a bare robot name)', async () => {
    tt = await suite.start(NOW);
    const person = mail({ headers: { From: 'Mensajería <mailman@logistica.mx>', Subject: 'La factura del envío 4521 no llegó' }, body: 'Buenos días, no recibimos la factura del envío 4521.' });
    expect((await tt.ingest(NOW, person)).outcome).toBe('created');
  });

  for (const robot of ['listserv', 'sympa', 'sympa-request', 'majordomo', 'listproc', 'ecartis']) {
    it(`a person writing from a company's "${robot}@" mailbox, with no list or machine header, opens a ticket (review: every bare robot name)`, async () => {
      tt = await suite.start(NOW);
      const person = mail({ headers: { From: `Administración <${robot}@logistica.mx>`, Subject: 'La factura del envío 4521 no llegó' }, body: 'Buenos días, no recibimos la factura del envío 4521.' });
      expect((await tt.ingest(NOW, person)).outcome).toBe('created');
    });
  }

  it('a post an fml list distributes (numbered) from a person whose address ends in -admin opens a ticket, unanswered', async () => {
    tt = await suite.start(NOW);
    const post = mail({ headers: { From: 'Luis <sistemas-admin@cliente.mx>', 'X-ML-Name': 'facturacion', 'X-Mail-Count': '00042', 'X-MLServer': 'fml [fml 4.0.3 release]' }, body: 'No puedo timbrar la factura A-12.' });
    expect(await tt.ingest(NOW, post)).toMatchObject({ outcome: 'created', detail: expect.stringMatching(/through a mailing list/) });
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it.skipIf(!existsSync(mailmanPost))('the corpus\'s Mailman post (stalwart thirdparty/014) opens a ticket, unanswered', async () => {
    tt = await suite.start(NOW);
    expect(await tt.ingest(NOW, readFileSync(mailmanPost))).toMatchObject({ outcome: 'created', detail: expect.stringMatching(/through a mailing list/) });
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it.skipIf(!existsSync(bsd))('the corpus\'s bounce sent through a Mailman list (Sender: -owner, X-BeenThere) stays a bounce', async () => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, readFileSync(join(bsd, 'rfc3464-07.eml')));
    expect(r.detail ?? '').not.toMatch(/mailing-list server's own notice/);
    expect(r.ticketNumber).toBeNull();
  });
});
