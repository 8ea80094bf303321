// `subscribers import` as an operator runs it on the spreadsheets people actually export, on a real SQLite
// file: what is kept, what is read, and what is reported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
