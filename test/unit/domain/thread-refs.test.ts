import { describe, expect, it } from 'vitest';
import {
  createSignedMessageId,
  forwardsAMessage,
  isForwardSubject,
  NO_SUBJECT,
  normaliseMessageId,
  parseIdList,
  plusAddressFor,
  repliesUnderAnotherSubject,
  ticketFromPlusAddress,
  ticketsFromSubjectTags,
  ticketSubject,
  verifySignedMessageId,
} from '../../../src/domain/thread-refs.js';

const secret = 'unit-test-secret-0123456789';

describe('signed Message-IDs', () => {
  it('round-trips the ticket number', () => {
    const id = createSignedMessageId(secret, 1042, 'example.test');
    expect(id).toMatch(/^vt\.1042\.[0-9a-f]{12}\.[0-9a-f]{16}@example\.test$/);
    expect(verifySignedMessageId(secret, id)).toBe(1042);
  });
  it('is unique per mail', () => {
    expect(createSignedMessageId(secret, 1, 'x.test')).not.toBe(createSignedMessageId(secret, 1, 'x.test'));
  });
  it('has 12 random hex digits: 10,000 ids all differ, and every digit of the nonce varies', () => {
    const nonces = Array.from({ length: 10_000 }, () => (createSignedMessageId(secret, 7, 'x.test').split('.')[2] ?? ''));
    expect(new Set(nonces).size).toBe(nonces.length);
    for (let digit = 0; digit < 12; digit++) expect(new Set(nonces.map((n) => n[digit])).size).toBe(16);
  });
  it('cannot be forged for another ticket or under another key', () => {
    const id = createSignedMessageId(secret, 1042, 'example.test');
    expect(verifySignedMessageId(secret, id.replace('vt.1042.', 'vt.1043.'))).toBeNull();
    expect(verifySignedMessageId('another-secret-0123456789', id)).toBeNull();
    expect(verifySignedMessageId(secret, 'vt.1042.000000000000.0000000000000000@example.test')).toBeNull();
    expect(verifySignedMessageId(secret, 'CAF=abc@mail.gmail.com')).toBeNull();
  });
  it('survives clients that upper-case ids', () => {
    const id = createSignedMessageId(secret, 7, 'example.test');
    expect(verifySignedMessageId(secret, id.toUpperCase())).toBe(7);
  });
});

describe('plus-addresses', () => {
  it('names the ticket, signed', () => {
    const address = plusAddressFor(secret, 'soporte@example.test', 1042);
    expect(address).toMatch(/^soporte\+1042-[0-9a-f]{10}@example\.test$/);
    expect(ticketFromPlusAddress(secret, 'soporte@example.test', ['ana@x.mx', address.toUpperCase()])).toBe(1042);
  });
  it('is read back when the support address has a plus of its own (soporte+mx@, an alias of a shared mailbox)', () => {
    const address = plusAddressFor(secret, 'soporte+mx@example.test', 1042);
    expect(address).toMatch(/^soporte\+mx\+1042-[0-9a-f]{10}@example\.test$/);
    expect(ticketFromPlusAddress(secret, 'soporte+mx@example.test', [address])).toBe(1042);
    // Not another alias of the same mailbox.
    expect(ticketFromPlusAddress(secret, 'soporte+mx@example.test', [address.replace('+mx+', '+ar+')])).toBeNull();
    expect(ticketFromPlusAddress(secret, 'soporte@example.test', [address])).toBeNull();
  });
  it('refuses a guessed token, another mailbox or another domain', () => {
    const address = plusAddressFor(secret, 'soporte@example.test', 1042);
    expect(ticketFromPlusAddress(secret, 'soporte@example.test', ['soporte+1042-0000000000@example.test'])).toBeNull();
    expect(ticketFromPlusAddress(secret, 'soporte@example.test', [address.replace('soporte', 'ventas')])).toBeNull();
    expect(ticketFromPlusAddress(secret, 'soporte@example.test', [address.replace('example.test', 'evil.test')])).toBeNull();
  });
});

describe('subjects', () => {
  it('finds the tag', () => {
    expect(ticketsFromSubjectTags('Re: [#1042] No puedo timbrar')).toEqual([1042]);
    expect(ticketsFromSubjectTags('Factura #1042')).toEqual([]);
    expect(ticketsFromSubjectTags('[#8833] Re: [#1042] No puedo timbrar [#1042]')).toEqual([8833, 1042]);
  });
  it('recognises forwards in several languages, after reply prefixes too', () => {
    for (const s of ['Fwd: x', 'FW: x', 'RV: x', 'Enc: x', 'TR: x', 'Re: Fwd: x', 'WG: x']) expect(isForwardSubject(s), s).toBe(true);
    for (const s of ['Re: x', 'RE: x', 'Factura', 'Enchufe: roto', 'Trámite: x']) expect(isForwardSubject(s), s).toBe(false);
  });
  it('a forward prefix that is the ticket\'s own subject ("RV: x", a ticket opened by a forward) makes no forward', () => {
    for (const s of ['RE: [#1000] RV: x', '[#1000] rv:  X', 'Re: RV: x', '[EXTERNO] RE: [#1000] RV: x más datos']) expect(isForwardSubject(s, 'RV: x'), s).toBe(false);
    for (const s of ['RV: [#1000] RV: x', 'Fwd: RV: x', 'RE: RV: [#1000] RV: x', 'RV: otra cosa']) expect(isForwardSubject(s, 'RV: x'), s).toBe(true);
    expect(isForwardSubject('RV: [#1000] Error', 'Error')).toBe(true);
  });
  it('tells a reply under another subject from one that names the ticket by its number or its subject', () => {
    const other = (s: string, subject = 'Error al timbrar') => repliesUnderAnotherSubject(s, 1000, subject);
    for (const s of ['RE: Consulta sobre nómina', 'Nueva consulta', 'RE: [#1001] otra cosa', 'RE: #10000 Error']) expect(other(s), s).toBe(true);
    for (const s of ['RE: ［＃１０００］ otra cosa', 'RE: [Escalamiento nivel 1] SLA vencido · Ticket #1000: x', '[EXTERNO] RE: ERROR  al timbrar factura', 'RE: ', '']) {
      expect(other(s), s).toBe(false);
    }
    expect(other('RE: Factura 123', NO_SUBJECT)).toBe(false);
  });
  it('takes a generic ticket subject for no name of the ticket: kept as it was by a reply to our mail, never through the plus-address alone', () => {
    const other = (s: string, via?: 'message-id' | 'plus-address') => repliesUnderAnotherSubject(s, 1000, 'Consulta', via);
    expect(other('RE: Consulta')).toBe(false);
    expect(other('RE: [EXTERNO] CONSULTA')).toBe(false);
    expect(other('RE: Consulta sobre nómina')).toBe(true);
    for (const s of ['RE: Consulta', 'Consulta', 'Consulta sobre nómina']) expect(other(s, 'plus-address'), s).toBe(true);
    for (const s of ['RE: [#1000] Consulta', 'RE:']) expect(other(s, 'plus-address'), s).toBe(false);
    // A specific subject is held to as before, whichever found the ticket.
    expect(repliesUnderAnotherSubject('RE: URGENTE - Error al timbrar', 1000, 'Error al timbrar', 'plus-address')).toBe(false);
  });
  it('tells a forward itself, behind a gateway\'s tag, from a reply to one', () => {
    for (const s of ['RV: x', '[EXTERNO] RV: x', '[EXT] [SPAM?] FW: x', '[Fwd: x]', 'ENC： x']) expect(forwardsAMessage(s), s).toBe(true);
    for (const s of ['RE: RV: x', 'Re: Fwd: x', '[EXTERNAL] RE: x', 'Factura']) expect(forwardsAMessage(s), s).toBe(false);
  });
  it('makes a clean ticket subject', () => {
    expect(ticketSubject('RE: Re: [#12] Error al timbrar')).toBe('Error al timbrar');
    expect(ticketSubject('   ')).toBe('(sin asunto)');
    expect(ticketSubject('Re: ', 'Old subject')).toBe('Old subject');
  });
  it('leaves out the tags a mail gateway puts in front of the subject, not the customer\'s own brackets', () => {
    const cases: Array<[string, string]> = [
      ['[EXTERNO] Error al timbrar factura', 'Error al timbrar factura'],
      ['[EXTERNAL] RE: [EXTERNAL] Error al timbrar', 'Error al timbrar'],
      ['RE: [EXT] [SPAM?] [#12] Error al timbrar', 'Error al timbrar'],
      ['*EXTERNAL* Error al timbrar', 'Error al timbrar'],
      ['[External Email] Error al timbrar', 'Error al timbrar'],
      ['[CORREO EXTERNO] Error al timbrar', 'Error al timbrar'],
      ['[E-mail externo] Não consigo emitir', 'Não consigo emitir'],
      ['[Suspected Spam] Error al timbrar', 'Error al timbrar'],
      ['*****SPAM***** Error al timbrar', 'Error al timbrar'],
      // A forward's prefix stays (a forward is a new conversation), the gateway's tag around it goes.
      ['[EXTERNO] RV: [EXTERNO] Error al timbrar', 'RV: Error al timbrar'],
      // The customer's own words in brackets, at the start or after a gateway's tag, are the subject.
      ['[URGENTE] Error al timbrar', '[URGENTE] Error al timbrar'],
      ['[EXTERNO] [Sucursal Norte] No imprime', '[Sucursal Norte] No imprime'],
      ['[CFDI 4.0] Error al timbrar', '[CFDI 4.0] Error al timbrar'],
      ['Error en cliente [EXTERNO]', 'Error en cliente [EXTERNO]'],
      ['Externo: no timbra', 'Externo: no timbra'],
      ['[EXTERNAL]', '(sin asunto)'],
    ];
    for (const [subject, expected] of cases) expect(ticketSubject(subject), subject).toBe(expected);
  });
});

describe('Message-ID lists', () => {
  it('normalises brackets and whitespace', () => {
    expect(normaliseMessageId(' <abc@x> ')).toBe('abc@x');
    expect(normaliseMessageId('')).toBeNull();
  });
  it('parses References in order, tolerating missing brackets and commas', () => {
    expect(parseIdList('<a@x> <b@x>\r\n <c@x>')).toEqual(['a@x', 'b@x', 'c@x']);
    expect(parseIdList('a@x, b@x')).toEqual(['a@x', 'b@x']);
    expect(parseIdList(['<a@x>', '<b@x>'])).toEqual(['a@x', 'b@x']);
    expect(parseIdList(undefined)).toEqual([]);
  });
});
