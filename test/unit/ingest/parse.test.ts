import { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { safeFilename, storedContentType } from '../../../src/ingest/attachment-names.js';
import { parseMail } from '../../../src/ingest/parse.js';
import { bareCrsIn, endsLinesWithBareCr, headerHasBareCr } from '../../../src/ingest/raw-head.js';
import { peekHeaders } from '../../../src/ingest/peek-headers.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

const latin1 = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

describe('headers written in legacy bytes (not UTF-8)', () => {
  it('a raw Latin-1 subject and display name keep their letters', async () => {
    const m = await parseMail(latin1(['From: José Muñoz <jose@cliente.mx>', 'To: soporte@example.test', 'Subject: Facturación electrónica rechazada', 'Content-Type: text/plain; charset=iso-8859-1', '', 'La factura fue rechazada.']));
    expect(m.subject).toBe('Facturación electrónica rechazada');
    expect(m.from).toEqual({ address: 'jose@cliente.mx', name: 'José Muñoz' });
  });
  it('control characters inside encoded words (a bell, an escape sequence for the terminal) become spaces', async () => {
    const m = await parseMail(crlf(['From: a@b.de', 'Subject: =?utf-8?Q?Factura=07_90=1B[31m=0D=0Afin?=', '', 'x']));
    expect(m.subject).toBe('Factura 90 [31m fin');
  });
  it('so do they in every display name (From, To, Cc, Reply-To); a name of nothing else is none', async () => {
    const m = await parseMail(crlf([
      'From: =?utf-8?Q?Ana=1B=5D0=3Bt=07_P=C3=A9rez?= <ana@b.mx>',
      'To: =?utf-8?Q?Soporte=00?= <soporte@example.test>',
      'Cc: =?utf-8?Q?Luis=0D=0ABcc=3A_x?= <luis@b.mx>',
      'Reply-To: =?utf-8?Q?=1B=0D=0A?= <ana@b.mx>',
      'Subject: x', '', 'x',
    ]));
    expect(m.from).toEqual({ address: 'ana@b.mx', name: 'Ana ]0;t Pérez' });
    expect([...m.to, ...m.cc, ...(m.replyTo ?? [])].map((a) => a.name)).toEqual(['Soporte', 'Luis Bcc: x', null]);
  });
  it('an encoded word with raw 8-bit bytes in it is read in its declared charset', async () => {
    const m = await parseMail(latin1(['From: a@b.de', 'Subject: =?iso-8859-1?Q?Die_Hasen_und_die_Fr\xf6sche?=', '', 'x']));
    expect(m.subject).toBe('Die Hasen und die Frösche');
  });
  it('UTF-7 encoded words (Outlook 2000) are decoded; adjacent encoded words join without their space', async () => {
    const m = await parseMail(crlf(['From: a@b.de', 'Subject: =?utf-7?Q?Die_Hasen_und_die_Fr+APY-sche?= (Outlook)', '', 'x']));
    expect(m.subject).toBe('Die Hasen und die Frösche (Outlook)');
    const joined = await parseMail(latin1(['From: a@b.mx', 'Subject: =?iso-8859-1?Q?Cancelaci\xf3n?= =?iso-8859-1?Q?_de_CFDI?=', '', 'x']));
    expect(joined.subject).toBe('Cancelación de CFDI');
  });
  it('a raw UTF-7 subject in a mail declaring charset=utf-7, and a "unicode-1-1-utf-7" word, read as letters, not "+AOE-rbol"', async () => {
    const raw = crlf(['From: a@b.mx', 'Subject: Problema con el +AOE-rbol de cuentas', 'Content-Type: text/plain; charset="UTF-7"', '', 'Fr+APY-sche']);
    expect([(await parseMail(raw)).subject, (await peekHeaders(raw))?.subject]).toEqual(['Problema con el árbol de cuentas', 'Problema con el árbol de cuentas']);
    const word = crlf(['From: a@b.mx', 'Subject: =?unicode-1-1-utf-7?Q?+AOE-rbol?=', '', 'x']);
    expect([(await parseMail(word)).subject, (await peekHeaders(word))?.subject]).toEqual(['árbol', 'árbol']);
    // Not declared UTF-7, or not UTF-7 at all though declared: the subject keeps its bytes.
    expect((await parseMail(crlf(['From: a@b.mx', 'Subject: +AOE-rbol', 'Content-Type: text/plain; charset=us-ascii', '', 'x']))).subject).toBe('+AOE-rbol');
    expect((await parseMail(crlf(['From: a@b.mx', 'Subject: C++ y a+b', 'Content-Type: text/plain; charset=utf-7', '', 'x']))).subject).toBe('C++ y a+b');
  });
  it('so does the sender\'s name, and the text under "unicode-1-1-utf-7" (Outlook\'s name for UTF-7)', async () => {
    const raw = crlf(['From: "Jos+AOk- Mu+APE-oz" <jose@cliente.mx>', 'Subject: +AOE-rbol', 'Content-Type: text/plain; charset=unicode-1-1-utf-7', '', 'Fr+APY-sche']);
    const m = await parseMail(raw);
    expect([m.subject, m.from?.name, m.text.trim(), (await peekHeaders(raw))?.fromName]).toEqual(['árbol', 'José Muñoz', 'Frösche', 'José Muñoz']);
  });
  it('UTF-8 headers, encoded or raw, are left as mailparser reads them', async () => {
    const m = await parseMail(Buffer.from(['From: Zoë <z@b.mx>', 'Subject: Año fiscal =?UTF-8?Q?=E2=82=AC?=', '', 'x'].join('\r\n')));
    expect(m.subject).toBe('Año fiscal €');
    expect(m.from?.name).toBe('Zoë');
  });
});

describe('a part whose parameter lost its fold ("boundary=" at the start of a line)', () => {
  const broken = crlf([
    'From: post_master@vtext.example', 'To: a@b.example', 'Subject: Re: Nyaan', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="outer"', '',
    '--outer', 'Content-Type: multipart/alternative;', 'boundary="inner"', '',
    '--inner', 'Content-Type: text/plain; charset=us-ascii', '', 'Error: Invalid user address', '550 no such user here', '--inner--', '--outer--', '',
  ]);
  it('keeps the text, read again with the parameter folded back', async () => {
    expect((await parseMail(broken)).text).toContain('550 no such user here');
  });
  it('a mail read whole the first time is not read again, so its body is never touched', async () => {
    const text = (await parseMail(crlf(['From: a@b.mx', 'Subject: x', '', 'Precio;', 'name=valor']))).text;
    expect(text).toMatch(/^Precio;\r?\nname=valor/);
  });
});

describe('parsing a raw mail', () => {
  it('reads addresses, ids and every recipient, lower-cased', async () => {
    const m = await parseMail(
      crlf([
        'From: "Ana" <Ana@Cliente.MX>',
        'To: Soporte <soporte@example.test>, undisclosed-recipients:;',
        'Cc: luis@cliente.mx',
        'Delivered-To: soporte+1000-abc@example.test',
        'Message-ID: <X1@cliente.mx>',
        'In-Reply-To: <p1@x> <p2@x>',
        'References: <a@x>\r\n <b@x>',
        'Subject: =?ISO-8859-1?Q?Aj=FAste?=',
        '',
        'hola',
      ]),
    );
    expect(m.from).toEqual({ address: 'ana@cliente.mx', name: 'Ana' });
    expect(m.messageId).toBe('X1@cliente.mx');
    expect(m.inReplyTo).toBe('p2@x');
    expect(m.references).toEqual(['a@x', 'b@x']);
    expect(m.subject).toBe('Ajúste');
    expect(m.recipients).toEqual(['soporte@example.test', 'luis@cliente.mx', 'soporte+1000-abc@example.test']);
  });

  it('keeps every value of a repeated header, in order, unfolded, under its lower-cased name', async () => {
    const m = await parseMail(
      crlf([
        'Received: from a by b; Mon, 23 Nov 2026 10:00:00 +0000',
        'From: a@b.mx',
        'RECEIVED: from c\r\n\tby d; Mon, 23 Nov 2026 10:00:01 +0000',
        'X-Tag: uno',
        'received: from e by f; Mon, 23 Nov 2026 10:00:02 +0000',
        'X-Tag: dos',
        '',
        'hola',
      ]),
    );
    expect(m.headers.get('received')).toEqual([
      'from a by b; Mon, 23 Nov 2026 10:00:00 +0000',
      'from c by d; Mon, 23 Nov 2026 10:00:01 +0000',
      'from e by f; Mon, 23 Nov 2026 10:00:02 +0000',
    ]);
    expect(m.headers.get('x-tag')).toEqual(['uno', 'dos']);
    expect(m.headers.get('from')).toEqual(['a@b.mx']);
  });

  it('reads old Mac mail with bare CR line ends', async () => {
    const m = await parseMail(Buffer.from('From: a@b.mx\rSubject: hola\rMessage-ID: <cr@b.mx>\r\rcuerpo\r'));
    expect(m).toMatchObject({ messageId: 'cr@b.mx', subject: 'hola', from: { address: 'a@b.mx' } });
    expect(m.text.trim()).toBe('cuerpo');
  });

  it('tells bare-CR mail by counting line ends on the bytes, as the text scan it replaced did', () => {
    // The scan it replaced: more CRs not followed by LF than LFs.
    const byText = (raw: Buffer) => {
      const text = raw.toString('latin1');
      return (text.match(/\r(?!\n)/g)?.length ?? 0) > (text.match(/\n/g)?.length ?? 0);
    };
    expect(endsLinesWithBareCr(Buffer.from('From: a@b.mx\rSubject: x\r\rbody\r'))).toBe(true);
    expect(endsLinesWithBareCr(Buffer.from('From: a@b.mx\r\nSubject: x\r\n\r\nbody with a stray \r inside\r\n'))).toBe(false);
    expect(endsLinesWithBareCr(Buffer.from('From: a@b.mx\nSubject: x\n\nbody\n'))).toBe(false);
    expect(endsLinesWithBareCr(Buffer.from(''))).toBe(false);
    expect(endsLinesWithBareCr(Buffer.from('\r'))).toBe(true);
    // Every mix of CR, LF and text up to six bytes, and random longer ones.
    const alphabet = ['\r', '\n', 'a'];
    const all = (length: number): string[] => (length === 0 ? [''] : all(length - 1).flatMap((s) => alphabet.map((c) => s + c)));
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const long = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(random() * 80) }, () => alphabet[Math.floor(random() * 3)]).join(''));
    for (const text of [...[0, 1, 2, 3, 4, 5, 6].flatMap(all), ...long]) {
      const raw = Buffer.from(text, 'latin1');
      expect(endsLinesWithBareCr(raw), JSON.stringify(text)).toBe(byText(raw));
    }
  });

  it('finds no bare CR in the header block of an ordinary CRLF or LF mail: its trust fields are not read a second time', () => {
    // The block used to be cut before the empty line's LF only: every CRLF mail's last field kept a CR without its LF.
    const ordinary = ['From: a@b.mx\r\nSubject: x\r\n\r\nbody\r\n', 'From: a@b.mx\nSubject: x\n\nbody\n', 'From: a@b.mx\r\nSubject: x\r\n\nbody\n', 'From: a@b.mx\r\nSubject: x\r\n'];
    for (const text of ordinary) {
      expect(bareCrsIn(Buffer.from(text)), JSON.stringify(text)).toBeNull();
      expect(headerHasBareCr(Buffer.from(text)), JSON.stringify(text)).toBe(false);
    }
    const hidden = 'Subject: x\r\nX-A: 1\rFrom: forged@b.mx\r\nFrom: a@b.mx\r\n\r\nbody\r\n';
    expect(bareCrsIn(Buffer.from(hidden))).not.toBeNull();
    expect(headerHasBareCr(Buffer.from(hidden))).toBe(true);
    expect(headerHasBareCr(Buffer.from('From: a@b.mx\r\nSubject: x\r\r\n\r\nbody\r\n'))).toBe(true);
  });

  it('decodes UTF-7 plain text, which mailparser refuses for HTML safety', async () => {
    const m = await parseMail(crlf(['From: a@b.mx', 'Content-Type: text/plain; charset=utf-7', '', 'Fr+APY-sche']));
    expect(m.text.trim()).toBe('Frösche');
  });

  it('keeps attachments with safe names', async () => {
    const m = await parseMail(
      crlf([
        'From: a@b.mx',
        'Content-Type: multipart/mixed; boundary=x',
        '',
        '--x',
        'Content-Type: text/plain',
        '',
        'ver adjunto',
        '--x',
        'Content-Type: image/png; name="..\\\\..\\\\evil.png"',
        'Content-Disposition: inline; filename="..\\\\..\\\\evil.png"',
        'Content-ID: <img1@b.mx>',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('png').toString('base64'),
        '--x--',
      ]),
    );
    expect(m.attachments).toEqual([{ filename: 'evil.png', contentType: 'image/png', content: Buffer.from('png'), contentId: 'img1@b.mx', inline: true }]);
  });
});

describe('the parser ends each part once', () => {
  it('builds no "stream already finished" error for a multipart mail (mailparser ended each decoder twice)', async () => {
    const endedAgain: string[] = [];
    const realEnd = Duplex.prototype.end;
    const end = vi.spyOn(Duplex.prototype, 'end').mockImplementation(function (this: Duplex, ...args: unknown[]) {
      if (this.writableEnded) endedAgain.push(this.constructor.name);
      return (realEnd as (...a: unknown[]) => Duplex).apply(this, args);
    });
    try {
      const m = await parseMail(
        crlf([
          'From: ana@cliente.mx',
          'Subject: dos partes',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="P"',
          '',
          '--P',
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from('El error sigue.').toString('base64'),
          '--P',
          'Content-Type: text/plain; name="log.txt"',
          'Content-Disposition: attachment; filename="log.txt"',
          'Content-Transfer-Encoding: quoted-printable',
          '',
          'l=C3=ADnea 1',
          '--P--',
          'epilogue',
        ]),
      );
      expect(m.text).toContain('El error sigue.');
      expect(m.attachments.map((a) => a.content.toString())).toEqual(['línea 1']);
    } finally {
      end.mockRestore();
    }
    expect(endedAgain).toEqual([]);
  });
});

describe('safe file names', () => {
  it('drops paths, control characters and leading dots', () => {
    expect(safeFilename('../../etc/passwd', 'f')).toBe('passwd');
    expect(safeFilename('C:\\temp\\a.exe', 'f')).toBe('a.exe');
    expect(safeFilename('a\u0000b\nc.txt', 'f')).toBe('a_b_c.txt');
    expect(safeFilename('..', 'attachment-1')).toBe('attachment-1');
    expect(safeFilename(undefined, 'attachment-2')).toBe('attachment-2');
  });
  it('keeps the base name of a Windows path, a share or a drive, and names a folder path as it names no name', () => {
    expect(safeFilename('C:/TEMP/x.png', 'f')).toBe('x.png');
    expect(safeFilename('\\\\server\\share\\x.png', 'f')).toBe('x.png');
    expect(safeFilename('C:x.png', 'f')).toBe('x.png');
    expect(safeFilename('C:\\TEMP\\', 'attachment-1.png')).toBe('attachment-1.png');
    expect(safeFilename('C:', 'attachment-1.png')).toBe('attachment-1.png');
    // A colon that is no drive's is only unsafe.
    expect(safeFilename('Factura 10:30.pdf', 'f')).toBe('Factura 10_30.pdf');
  });
});

describe('a file name written as a Windows path without escapes (Netscape 4: filename="C:\\TEMP\\nsmailEG.png")', () => {
  /** The stored names of a mail's one picture, its Content-Disposition and Content-Type given these parameters. */
  const names = async (disposition: string, type = '') => {
    const raw = crlf(['From: a@b.mx', 'To: soporte@example.test', 'Subject: x', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'x', '--b', `Content-Type: image/png${type}`, 'Content-Transfer-Encoding: base64', `Content-Disposition: inline${disposition}`, '', 'iVBORw0KGgo=', '--b--', '']);
    return (await parseMail(raw)).attachments.map((a) => a.filename);
  };
  it("is the path's base name, not its letters run together", async () => {
    expect(await names('; filename="C:\\TEMP\\nsmailEG.png"')).toEqual(['nsmailEG.png']);
    expect(await names('; filename="\\\\server\\share\\x.png"')).toEqual(['x.png']);
    expect(await names('; filename="C:/TEMP/x.png"')).toEqual(['x.png']);
    // In the type's name alone, folded onto a line of its own.
    expect(await names('', ';\r\n name="C:\\Mis documentos\\logo.png"')).toEqual(['logo.png']);
  });
  it('a folder alone is named as a file without a name is; escapes written as RFC 2045 asks still read as escapes', async () => {
    expect(await names('; filename="C:\\TEMP\\"')).toEqual(['attachment-1.png']);
    expect(await names('; filename="C:\\\\TEMP\\\\nsmailEG.png"')).toEqual(['nsmailEG.png']);
    expect(await names('; filename="el \\"bueno\\".png"')).toEqual(['el _bueno_.png']);
  });
});

describe('an attachment without a name', () => {
  it("gets the extension of its type, so that the agent's computer opens it: a forwarded mail is an .eml", async () => {
    const m = await parseMail(crlf([
      'From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: RV: Rechazo', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'Les reenvío el correo del SAT.',
      '--b', 'Content-Type: message/rfc822', 'Content-Disposition: attachment', '', 'From: sat@sat.gob.mx', 'Subject: Rechazo', '', 'Su factura fue rechazada.',
      '--b', 'Content-Type: image/png', 'Content-Disposition: attachment', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=',
      '--b', 'Content-Type: application/x-unknown', 'Content-Disposition: attachment', '', 'datos',
      '--b--', '',
    ]));
    expect(m.attachments.map((a) => a.filename)).toEqual(['attachment-1.eml', 'attachment-2.png', 'attachment-3']);
  });
});

describe('peeking at the headers of a mail too large to parse', () => {
  it('finds Message-ID, From and Subject without reading the body', async () => {
    const raw = Buffer.concat([crlf(['From: Ana <ana@x.mx>', 'Subject: big', ' one', 'Message-ID: <big@x.mx>', '', '']), Buffer.alloc(1000, 'x')]);
    expect(await peekHeaders(raw)).toMatchObject({ messageId: 'big@x.mx', from: 'ana@x.mx', fromName: 'Ana', subject: 'big one', fromCount: 1 });
  });
  it('reads subject and display name as the full parse does (encoded words, raw Latin-1, UTF-7 words)', async () => {
    const raw = latin1(['From: =?utf-7?Q?Jos+AOk-?= Mu\xf1oz <jose@cliente.mx>', 'Subject: =?utf-7?Q?Facturaci+APM-n?=', ' =?iso-8859-1?Q?_electr=F3nica?= rechazada', '', 'x']);
    const parsed = await parseMail(raw);
    expect(await peekHeaders(raw)).toMatchObject({ from: 'jose@cliente.mx', fromName: parsed.from?.name, subject: parsed.subject });
    expect(await peekHeaders(raw)).toMatchObject({ fromName: 'José Muñoz', subject: 'Facturación electrónica rechazada' });
  });
});

describe('declared content types are not trusted for anything that runs', () => {
  it('stores executables and active content as opaque bytes', () => {
    expect(storedContentType('application/pdf', 'factura.exe')).toBe('application/octet-stream');
    expect(storedContentType('text/html', 'pagina.html')).toBe('application/octet-stream');
    expect(storedContentType('image/svg+xml', 'logo.svg')).toBe('application/octet-stream');
    expect(storedContentType('application/x-msdownload', 'setup')).toBe('application/octet-stream');
    expect(storedContentType('image/png', 'foto.png.js')).toBe('application/octet-stream');
    expect(storedContentType('text/plain; charset=x\r\nX-Evil: y', 'a.txt')).toBe('text/plain');
  });
  it('keeps ordinary document and image types', () => {
    expect(storedContentType('application/pdf', 'factura.pdf')).toBe('application/pdf');
    expect(storedContentType('IMAGE/PNG', 'captura.png')).toBe('image/png');
    expect(storedContentType(undefined, 'datos.bin')).toBe('application/octet-stream');
  });
});

describe('an attachment whose Content-Type has no value', () => {
  // "Content-Type:" with nothing after it (a broken sender; the fuzz test found it): mailparser gives the part
  // the type `false`, and parsing failed on it, so the mail went to the quarantine instead of becoming a ticket.
  it('is kept, with a type from its name (or application/octet-stream)', async () => {
    const m = await parseMail(
      crlf(['From: a@b.mx', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"', '', '--XX', 'Content-Type: text/plain', '', 'hola', '--XX', 'Content-Type:', 'Content-Disposition: attachment; filename="factura.pdf"', 'Content-Transfer-Encoding: base64', '', 'SG9sYQ==', '--XX', 'Content-Type: ;name=x', 'Content-Disposition: attachment', '', 'datos', '--XX--', '']),
    );
    expect(m.text.trim()).toBe('hola');
    expect(m.attachments.map((a) => [a.filename, a.contentType, a.content?.toString()])).toEqual([
      ['factura.pdf', 'application/pdf', 'Hola'],
      ['x', 'application/octet-stream', 'datos'], // its name from the type's parameters
    ]);
  });
});

describe('a mail written in HTML alone (no text/plain part)', () => {
  const table = '<p>Hola, no puedo timbrar.</p><table><tr><td>Impacto:</td><td>Alto</td></tr><tr><td>Urgencia:</td><td>Alta</td></tr></table><p>Saludos<br>Ana</p>';
  const htmlOnly = (html: string) => crlf(['From: Ana <ana@cliente.mx>', 'Subject: x', 'Message-ID: <h@cliente.mx>', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', html, '']);
  it("keeps a table's rows on lines of their own in its text: the agent reads them, and the severity is read from them", async () => {
    const m = await parseMail(htmlOnly(table));
    // mailparser's own conversion glued them: "Impacto:AltoUrgencia:Alta", the urgency lost.
    expect(m.text.split('\n')).toEqual(expect.arrayContaining(['Impacto: Alto', 'Urgencia: Alta']));
    expect(m.text).toContain('Hola, no puedo timbrar.');
  });
  it('leaves the text of a mail that has a text/plain part as it was written', async () => {
    const m = await parseMail(
      crlf(['From: ana@cliente.mx', 'Message-ID: <h2@cliente.mx>', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', 'Impacto: Alto  Urgencia: Alta', '--b', 'Content-Type: text/html; charset=utf-8', '', table, '--b--', '']),
    );
    expect(m.text.trim()).toBe('Impacto: Alto  Urgencia: Alta');
  });
});
