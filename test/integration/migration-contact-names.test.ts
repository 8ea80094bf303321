import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { personName } from '../../src/domain/display-name.js';
import { migrateDatabase } from '../../src/store/migrator.js';
import { databaseBefore } from '../support/migrated-before.js';

// Names stored before the gateway cleaned them (src/domain/display-name.ts personName) greeted the customer in every
// notice as stored: "Hola, 'ana@cliente.mx':" (Outlook's name for a sender without one), "Hola, 'Ana Pérez':", a name
// on two lines. A contact's name is only set once, so the migration cleans those already stored, as a new mail's is.

const MIGRATION = '20261217010000_contact_names_cleaned';

const CASES: Array<[email: string, name: string | null]> = [
  ['ana@cliente.mx', "'ana@cliente.mx'"],
  ['luis@cliente.mx', 'LUIS@CLIENTE.MX'],
  ['marta@cliente.mx', "'Marta Pérez'"],
  ['chino@cliente.mx', "'Chino' Pérez"],
  ['jose@cliente.mx', 'José\r\n Gómez'],
  ['rosa@cliente.mx', ' Rosa\t  María  López '],
  ['blanco@cliente.mx', ' \r\n '],
  ['quote@cliente.mx', "' '"],
  ['juan@cliente.mx', 'Juan'],
  ['nadie@cliente.mx', null],
];

it("cleans the names stored before: quotes around the whole name, the address as the name, line breaks and runs of spaces", () => {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO "Contact" ("email", "name", "createdAt") VALUES (?, ?, ?)`);
  for (const [email, name] of CASES) insert.run(email, name, Date.now());
  db.close();
  expect(migrateDatabase(path).applied).toEqual([MIGRATION]);
  const after = new Database(path, { readonly: true });
  const rows = after.prepare('SELECT "email", "name" FROM "Contact" ORDER BY "id"').all() as Array<{ email: string; name: string | null }>;
  after.close();
  // The same as a new mail's name is stored now.
  expect(rows).toEqual(CASES.map(([email, name]) => ({ email, name: personName(name, email) })));
  expect(rows.map((r) => r.name)).toEqual([null, null, 'Marta Pérez', "'Chino' Pérez", 'José Gómez', 'Rosa María López', null, null, 'Juan', null]);
});
