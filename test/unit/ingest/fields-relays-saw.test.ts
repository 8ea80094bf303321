// A mail read the old Mac way (raw-head.ts bareCrsEndLines): its trust fields also as the servers in front of the
// desk read them, in LF lines (fields-relays-saw.ts).
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/ingest/parse.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const MAC = 'From: Ana <ana@empresa.mx>\rSubject: Sin toner\rMessage-ID: <m1@empresa.mx>\r\rHola,\rno imprime.\r';
const TRACE = 'Return-Path: <ana@empresa.mx>\r\nAuthentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=empresa.mx\r\n';

describe('the fields the servers read, in a mail read the old Mac way', () => {
  it('a Reply-To hidden behind a bare CR names nobody; the Subject it hid in reads as before', async () => {
    const m = await parseMail(bytes('From: forms@example.test\r\nSubject: Alta\rReply-To: luis@empresa.mx\r\nTo: soporte@example.test\r\n\r\nNombre: x\r\n'));
    expect(m.subject).toBe('Alta');
    expect(m.replyTo).toEqual([]);
  });

  it('a Reply-To the servers read is kept', async () => {
    const m = await parseMail(bytes('From: forms@example.test\r\nReply-To: luis@empresa.mx\r\nSubject: Alta\rX-Form: 1\r\nTo: soporte@example.test\r\n\r\nNombre: x\r\n'));
    expect(m.replyTo?.map((a) => a.address)).toEqual(['luis@empresa.mx']);
    expect(m.fromUnseenByServers).toBeUndefined();
  });

  it('an old Mac mail under a relay\'s trace fields: its From marked as not read by them, their report kept', async () => {
    const m = await parseMail(bytes(TRACE + MAC));
    expect(m.from?.address).toBe('ana@empresa.mx');
    expect(m.fromUnseenByServers).toBe(true);
    expect(m.headers.get('authentication-results')).toEqual(['mx.example.test; spf=pass smtp.mailfrom=empresa.mx']);
    expect(m.headers.get('return-path')).toEqual(['<ana@empresa.mx>']);
  });

  it('a mail read the LF way: a From on a line starting with a bare CR is marked; lines ended CR CR LF hide nothing', async () => {
    const hidden = await parseMail(bytes(`${TRACE}Subject: Urgente\r\n\rFrom: luis@empresa.mx\r\nTo: soporte@example.test\r\n\r\nHola\r\n`));
    expect(hidden.from?.address).toBe('luis@empresa.mx');
    expect(hidden.fromUnseenByServers).toBe(true);
    const crcr = await parseMail(bytes(`${TRACE}From: Ana <ana@empresa.mx>\r\r\nSubject: Hola\r\r\n\r\nHola\r\n`));
    expect(crcr.from?.address).toBe('ana@empresa.mx');
    expect(crcr.fromUnseenByServers).toBeUndefined();
  });

  it('an old Mac mail with no LF reads as before', async () => {
    const m = await parseMail(bytes(MAC));
    expect(m.fromUnseenByServers).toBeUndefined();
    expect(m.subject).toBe('Sin toner');
  });
});
