import { describe, expect, it } from 'vitest';
import { createSignedMessageId } from '../../../src/domain/thread-refs.js';
import { parseMail } from '../../../src/ingest/parse.js';
import { classifyAutomatic } from '../../../src/ingest/stages/automatic.js';
import { detectLoop, stripReservedHeaders } from '../../../src/ingest/stages/loop.js';

const parse = (headers: string[], body = 'hola') => parseMail(Buffer.from([...headers, '', body].join('\r\n')));
const base = ['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Consulta', 'Message-ID: <a1@cliente.mx>'];
const ctx = { secret: 'screen-secret-0123456789', supportAddress: 'soporte@example.test', ownAddresses: ['soporte@example.test'] };

describe('machine-written mail (RFC 3834 and de-facto headers)', () => {
  it.each([
    ['Auto-Submitted: auto-replied', 'auto-replied'],
    ['Auto-Submitted: auto-generated', 'auto-generated'],
    ['Auto-Submitted: auto-notified; owner-email="x@y"', 'auto-generated'],
    ['X-Autoreply: yes', 'auto-replied'],
    ['X-Autorespond: 1', 'auto-replied'],
    ['X-Apple-Action: VACATION', 'auto-replied'],
    ['Precedence: bulk', 'bulk'],
    ['Precedence: junk', 'bulk'],
    ['Precedence: list', 'bulk'],
    ['X-Auto-Response-Suppress: All', 'auto-generated'],
    ['Return-Path: <>', 'mailer-daemon'],
    ['List-Id: <clientes.lists.example>', 'bulk'],
  ])('%s -> %s', async (header, kind) => {
    expect((await parse([...base, header]))?.subject).toBe('Consulta');
    expect(classifyAutomatic(await parse([...base, header]))?.kind).toBe(kind);
  });
  it('mailer-daemon and postmaster senders', async () => {
    expect(classifyAutomatic(await parse(['From: MAILER-DAEMON@mx.cliente.mx', 'Subject: x']))?.kind).toBe('mailer-daemon');
    expect(classifyAutomatic(await parse(['From: Postmaster <postmaster@cliente.mx>', 'Subject: x']))?.kind).toBe('mailer-daemon');
  });
  it('out-of-office subjects in Spanish, Portuguese and English, with no header at all', async () => {
    for (const subject of ['Respuesta automática: Consulta', 'Resposta automática: Pedido', 'Automatic reply: Consulta', 'Out of Office: hasta el lunes', 'Fuera de la oficina']) {
      expect(classifyAutomatic(await parse(['From: a@b.mx', `Subject: ${subject}`]))?.kind, subject).toBe('auto-replied');
    }
  });
  it('a person writing is not automatic, even with Auto-Submitted: no', async () => {
    expect(classifyAutomatic(await parse(base))).toBeNull();
    expect(classifyAutomatic(await parse([...base, 'Auto-Submitted: no']))).toBeNull();
    expect(classifyAutomatic(await parse(['From: a@b.mx', 'Subject: Mi respuesta a la automática de ayer']))).toBeNull();
  });
});

describe('loops: our own mail coming back', () => {
  it('a Message-ID we signed', async () => {
    const id = createSignedMessageId(ctx.secret, 1000, 'example.test');
    expect(detectLoop(await parse(['From: a@b.mx', `Message-ID: <${id}>`]), ctx)?.reason).toMatch(/our own Message-ID/);
  });
  it('our X-Loop header', async () => {
    expect(detectLoop(await parse([...base, 'X-Loop: soporte@example.test']), ctx)?.reason).toMatch(/X-Loop/);
  });
  it('our own address as sender', async () => {
    expect(detectLoop(await parse(['From: Soporte <SOPORTE@example.test>', 'Subject: x']), ctx)?.reason).toMatch(/our own address/);
  });
  it('our id format at our domain, signed by another instance', async () => {
    expect(detectLoop(await parse(['From: a@b.mx', 'Message-ID: <vt.1000.abcdefabcdef.0123456789abcdef@example.test>']), ctx)).not.toBeNull();
  });
  it('a customer mail is no loop', async () => {
    expect(detectLoop(await parse([...base, 'X-Loop: lista@otra.example']), ctx)).toBeNull();
  });
});

describe('reserved headers', () => {
  it('X-Ventanilla-* headers from outside are removed before any stage reads them', async () => {
    const mail = stripReservedHeaders(await parse([...base, 'X-Ventanilla-Ticket: 1000', 'X-Ventanilla-Internal: yes']));
    expect([...mail.headers.keys()].filter((k) => k.startsWith('x-ventanilla'))).toEqual([]);
    expect(mail.headers.get('subject')).toEqual(['Consulta']);
  });
});
