// `subscribers import` as an operator runs it on the spreadsheets people actually export, on a real SQLite
// file: what is kept, what is read, and what is reported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCsvBytes } from '../../src/bulletins/csv.js';
import { addSubscriber, importSubscribers } from '../../src/bulletins/subscribers.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
const NOW = new Date('2026-11-30T16:00:00Z');

beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test' }, () => NOW);
});
afterEach(async () => app.dispose());

const subscriber = (email: string) => app.db.subscriber.findUniqueOrThrow({ where: { email } });

describe('subscribers import', () => {
  it('a file without a topics column keeps the topics subscribers have; an empty topics field clears them', async () => {
    await addSubscriber(app.db, { email: 'luis@cliente.mx', name: 'Luis', countries: 'MX', topics: ['iva', 'nomina'] }, NOW);
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX', topics: ['iva'] }, NOW);
    const report = await importSubscribers(app.db, 'email,countries\nluis@cliente.mx,MX AR\n', { now: NOW });
    expect(report).toMatchObject({ updated: 1, bad: [] });
    expect(await subscriber('luis@cliente.mx')).toMatchObject({ countries: ',AR,MX,', topics: ',iva,nomina,', name: 'Luis' });
    await importSubscribers(app.db, 'email,countries,topics\nana@cliente.mx,MX,\n', { now: NOW });
    expect((await subscriber('ana@cliente.mx')).topics).toBe('');
  });

  it('a CSV that Excel saved in Windows-1252 is read as such: names intact, "México" understood; Spanish headers', async () => {
    const excel = Buffer.from('Correo electrónico;Nombre;País\r\na@example.com;José Muñoz;México\r\nb@example.com;Zoë;Perú\r\n', 'latin1');
    const report = await importSubscribers(app.db, decodeCsvBytes(excel), { now: NOW });
    expect(report).toMatchObject({ added: 2, bad: [] });
    expect(await subscriber('a@example.com')).toMatchObject({ name: 'José Muñoz', countries: ',MX,' });
    expect(await subscriber('b@example.com')).toMatchObject({ name: 'Zoë', countries: ',PE,' });
    // UTF-8 (with or without its BOM) and Excel's "Unicode text" stay as they are.
    const text = 'email,país\nc@example.com,México\n';
    expect(decodeCsvBytes(Buffer.from(text, 'utf8'))).toBe(text);
    expect(decodeCsvBytes(Buffer.from(`\uFEFF${text}`, 'utf8'))).toBe(`\uFEFF${text}`);
    expect(decodeCsvBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toBe(text);
  });

  it('blank rows of a spreadsheet (";;", ",,") are skipped, not reported', async () => {
    const report = await importSubscribers(app.db, 'correo;nombre;pais\r\na@example.com;A;MX\r\n;;\r\n;;\r\n', { now: NOW });
    expect(report).toEqual({ rows: 1, added: 1, updated: 0, unchanged: 0, keptUnsubscribed: 0, bad: [] });
    expect((await importSubscribers(app.db, 'email,name,countries\n"x@example.com","Name, with comma",MX\n,,\n', { now: NOW })).bad).toEqual([]);
  });
});
