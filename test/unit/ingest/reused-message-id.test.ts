import { describe, expect, it } from 'vitest';
import { contentFingerprint, type MailContent } from '../../../src/ingest/stages/reused-message-id.js';

// Whether a mail under a Message-ID already recorded is that mail again (a duplicate) or another one.

const mail: MailContent = {
  sentAt: new Date('2026-11-23T16:00:00Z'),
  subject: 'Factura 88 sin timbrar',
  text: 'Hola,\n\nla factura 88 no timbra.\n',
  html: '<p>Hola,</p><p>la factura 88 no timbra.</p>',
  attachments: [{ sha256: 'a'.repeat(64) }, { sha256: 'b'.repeat(64) }],
};

describe('the content a mail under a reused Message-ID is compared by', () => {
  it('is the same for copies that differ only as servers and mailboxes make them', () => {
    const expected = contentFingerprint(mail);
    const copies: MailContent[] = [
      { ...mail, text: mail.text.replace(/\n/g, '\r\n') },
      { ...mail, text: `${mail.text}\n\n`, subject: ' Factura 88  sin timbrar' },
      { ...mail, text: 'Hola,  \n\nla factura 88 no timbra.' },
      { ...mail, attachments: [...mail.attachments].reverse() },
      { ...mail, sentAt: new Date('2026-11-23T10:00:00-06:00') },
    ];
    for (const copy of copies) expect(contentFingerprint(copy), JSON.stringify(copy)).toBe(expected);
  });

  it('differs in the Date, the Subject, the words or an attachment', () => {
    const expected = contentFingerprint(mail);
    const others: MailContent[] = [
      { ...mail, sentAt: new Date('2026-11-23T16:00:01Z') },
      { ...mail, sentAt: null },
      { ...mail, subject: 'Factura 89 sin timbrar' },
      { ...mail, text: mail.text.replace('88', '89') },
      { ...mail, attachments: mail.attachments.slice(0, 1) },
    ];
    for (const other of others) expect(contentFingerprint(other), JSON.stringify(other)).not.toBe(expected);
  });

  it('reads the HTML of a mail without text', () => {
    const htmlOnly = { ...mail, text: '' };
    expect(contentFingerprint(htmlOnly)).not.toBe(contentFingerprint({ ...htmlOnly, html: '<p>Otra cosa</p>' }));
  });
});
