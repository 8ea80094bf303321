import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTOMATIC_COPIES_SQL, AUTOMATIC_TEMPLATES } from '../../src/outbound/automatic-copies.js';
import { sqlOf } from '../../src/store/sql.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// The desk's automatic answers (an acknowledgement, a receipt) go to the ticket's copies too: whoever writes a mail
// chooses them, and its subject is repeated in the answer. An attacker who writes from addresses of their own (no
// forgery, nothing a spam filter or DMARC would catch) Cc'd third parties: each acknowledgement went to every one of
// them, uncounted, so the desk's mail server mailed one victim without end and hundreds with each mail.

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp({ AUTO_MAIL_LIMIT: '3', AUTO_MAIL_WINDOW_MINUTES: '60' });
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const outbox = () => app.db.outboxMail.findMany({ orderBy: { id: 'asc' } });
const mailsReaching = async (address: string) => (await outbox()).filter((m) => [...(JSON.parse(m.toList) as string[]), ...(JSON.parse(m.ccList) as string[])].includes(address));

describe('automatic answers and the addresses in copy', () => {
  it('a third party in Cc of mail from many senders gets at most AUTO_MAIL_LIMIT automatic mails per window, as a requester does', async () => {
    for (let i = 0; i < 5; i++) {
      await ingest(mail({ headers: { From: `bot${i}@spammer.example`, Cc: 'victima@tercero.example', Subject: `Compre ya ${i}: oferta.example` } }));
    }
    // Every sender got its own acknowledgement; the victim only the first three.
    expect((await outbox()).filter((m) => m.template === 'acknowledgement')).toHaveLength(5);
    expect(await mailsReaching('victima@tercero.example')).toHaveLength(3);
    const capped = await app.db.ticketEvent.findMany({ where: { type: 'notice_capped' } });
    expect(capped).toHaveLength(2);
    expect(capped[0]?.detail).toMatch(/victima@tercero\.example/);
    // An agent's answer is a person's mail: the copy the ticket keeps gets it.
    const tickets = await app.db.ticket.findMany({ orderBy: { id: 'desc' }, take: 1 });
    expect(await app.db.ticketCc.count({ where: { ticketId: tickets[0]?.id } })).toBe(1);
  });

  it('one mail Cc\'d to hundreds: its acknowledgement goes to the sender and at most ten copies', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `persona${i}@lista.example`).join(', ');
    await ingest(mail({ headers: { From: 'bot@spammer.example', Cc: many, Subject: 'Gane dinero: oferta.example' } }));
    const [ack] = (await outbox()).filter((m) => m.template === 'acknowledgement');
    expect(JSON.parse(ack?.toList ?? '[]')).toEqual(['bot@spammer.example']);
    expect(JSON.parse(ack?.ccList ?? '[]')).toHaveLength(10);
    const capped = await app.db.ticketEvent.findMany({ where: { type: 'notice_capped' } });
    expect(capped).toHaveLength(1);
    expect(capped[0]?.detail).toMatch(/190 more/);
  });

  it('a customer\'s few colleagues in copy still get the acknowledgement', async () => {
    await ingest(mail({ headers: { Cc: 'luis@cliente.mx, contador@despacho.mx' } }));
    const [ack] = (await outbox()).filter((m) => m.template === 'acknowledgement');
    expect(JSON.parse(ack?.ccList ?? '[]')).toEqual(['contador@despacho.mx', 'luis@cliente.mx']);
    expect(await app.db.ticketEvent.count({ where: { type: 'notice_capped' } })).toBe(0);
  });

  it('the copies are counted over the window\'s rows alone, by the (template, createdAt) index, whatever tickets the address was copied on before', async () => {
    const plan = sqlOf(app.db).all<{ detail: string }>(`EXPLAIN QUERY PLAN ${AUTOMATIC_COPIES_SQL}`, ...AUTOMATIC_TEMPLATES, new Date(), 'a', 'a', 'a');
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX OutboxMail_template_createdAt_idx \(template=\? AND createdAt>\?\)/);
    // Every template an automatic mail is written under is listed (else its copies went uncounted).
    for (const template of ['acknowledgement', 'too_large', 'escalation_digest', 'csat_survey', 'nps_survey', 'access_request', 'bulletin_confirm']) expect(AUTOMATIC_TEMPLATES).toContain(template);
  });

  it('a mail Cc\'d to many, all at the cap: the notice_capped event names ten and counts the rest', async () => {
    // 25 addresses, ten reached by each acknowledgement until each had 3 (AUTO_MAIL_LIMIT): nine mails; the tenth finds all full.
    const many = Array.from({ length: 25 }, (_, i) => `persona${i}@lista.example`).join(', ');
    for (let i = 0; i < 10; i++) await ingest(mail({ headers: { From: `bot${i}@spammer.example`, Cc: many, Subject: `Oferta ${i}` } }));
    const details = (await app.db.ticketEvent.findMany({ where: { type: 'notice_capped' } })).map((e) => e.detail ?? '');
    expect(details.some((d) => /and \d+ more: 3 automatic mails/.test(d))).toBe(true);
    expect(details.every((d) => d.length < 2000)).toBe(true);
  });
});
