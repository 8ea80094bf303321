import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { richTextMail } from '../support/multipart-mail.js';
import { compressedRtf, tnefStream } from '../support/tnef-stream.js';

// Outlook set to "Rich Text" may send a mail whose only body is the compressed RTF in winmail.dat: the ticket had
// no text, and the agent saw nothing of what the customer wrote. Through the real ingest path.

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => app.dispose());

async function ticketOf(raw: Buffer) {
  const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
  expect(result.outcome).toBe('created');
  const ticket = await showTicket(app.db, result.ticketNumber as number);
  const message = await app.db.message.findFirstOrThrow({ where: { direction: 'in' }, include: { attachments: { orderBy: { id: 'asc' } } } });
  return { visibleText: ticket?.messages.find((m) => m.direction === 'in')?.visibleText, html: message.html, attachments: message.attachments.map((a) => a.filename) };
}

describe('a mail whose only body is in winmail.dat', () => {
  it("shows the text of a real Outlook winmail.dat's RTF, and its files as attachments", async () => {
    const winmail = readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', 'outlook-two-files.dat'));
    const ticket = await ticketOf(richTextMail('rtf-real', winmail));
    expect(ticket.visibleText).toMatch(/^Casdasdfasdfasd\nCasdasdfasdfasd\n/);
    expect(ticket.attachments).toEqual(['zappa_av1.jpg', 'bookmark.htm']);
  });

  it('shows what a Polish customer wrote in Rich Text, beside an empty text part', async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1250\deff0{\fonttbl{\f0\fswiss\fcharset238 Calibri;}}{\*\generator Riched20 10.0;}\viewkind4\uc1\pard\f0\fs22 Dzie\'f1 dobry,\par Faktura nr 12 nie dzia\'b3a.\par Impact: High\par}`;
    const winmail = tnefStream([{ title: 'faktura.pdf', content: Buffer.from('%PDF-1.4') }], 1250, { rtfCompressed: compressedRtf(Buffer.from(rtf, 'latin1')) });
    const ticket = await ticketOf(richTextMail('rtf-pl', winmail, ''));
    expect(ticket).toEqual({ visibleText: 'Dzień dobry,\nFaktura nr 12 nie działa.\nImpact: High', html: null, attachments: ['faktura.pdf'] });
  });

  it('shows the HTML an Outlook RTF encapsulates, as an HTML mail is shown', async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}{\*\htmltag19 <html><body>}{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 No puedo timbrar, se\'f1or.\htmlrtf }\htmlrtf0 {\*\htmltag72 </p>}{\*\htmltag27 </body></html>}}`;
    const winmail = tnefStream([], 1252, { rtfCompressed: compressedRtf(Buffer.from(rtf, 'latin1')) });
    const ticket = await ticketOf(richTextMail('rtf-html', winmail));
    expect(ticket).toEqual({ visibleText: 'No puedo timbrar, señor.', html: '<html><body><p>No puedo timbrar, señor.</p></body></html>', attachments: ['winmail.dat'] });
  });
});
