// Part (b) of the schema check (part (a), the round trips, is schema-roundtrip.test.ts): the tables that
// prisma/migrations creates have exactly the columns, keys, indexes and foreign keys that schema.prisma
// declares, named the way `prisma migrate` names them, so the Prisma client and a later
// `prisma migrate diff` see no drift.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { migrationsDir } from '../../src/paths.js';
import {
  effectiveOnDelete,
  effectiveOnUpdate,
  parseSchema,
  SQL_ACTION,
  SQLITE_TYPE,
  sqlDefault,
  type Model,
} from '../support/prisma-schema.js';

interface ColumnInfo { cid: number; name: string; type: string; notnull: number; dflt_value: string | null; pk: number }
interface IndexInfo { seq: number; name: string; unique: number; origin: string; partial: number }
interface ForeignKeyInfo { id: number; seq: number; table: string; from: string; to: string; on_update: string; on_delete: string }

const schema = parseSchema();
const models = [...schema.models.values()];
let dir: string;
let db: Database.Database;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-structure-'));
  const path = join(dir, 'structure.sqlite');
  migrateDatabase(path);
  db = new Database(path, { readonly: true });
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function tableSql(table: string): string {
  const row = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) as { sql: string } | undefined;
  return row?.sql ?? '';
}

function columnType(type: string): string {
  return schema.enums.has(type) ? 'TEXT' : (SQLITE_TYPE[type] ?? `?${type}`);
}

describe('migrated SQLite structure matches prisma/schema.prisma', () => {
  it('the parser found the models and the datasource', () => {
    expect(models.length, 'no model parsed from schema.prisma').toBeGreaterThan(0);
    expect(schema.provider).toBe('sqlite');
  });

  it('migration_lock.toml names the datasource provider', () => {
    const lock = readFileSync(join(migrationsDir, 'migration_lock.toml'), 'utf8');
    expect(/provider\s*=\s*"(\w+)"/.exec(lock)?.[1], 'prisma/migrations/migration_lock.toml provider').toBe(schema.provider);
  });

  it('has one table per model and no other', () => {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`).all() as { name: string }[])
      .map((r) => r.name)
      .sort();
    const missing = models.map((m) => m.name).filter((n) => !tables.includes(n));
    const extra = tables.filter((t) => !schema.models.has(t));
    expect(missing, `models without a table in prisma/migrations: ${missing.join(', ')}`).toEqual([]);
    expect(extra, `tables created by prisma/migrations with no model in schema.prisma: ${extra.join(', ')}`).toEqual([]);
  });

  describe.each(models.map((m) => [m.name, m] as const))('model %s', (name, model) => {
    it('columns: names, types, nullability and defaults', () => {
      const cols = db.prepare(`SELECT * FROM pragma_table_info(?)`).all(name) as ColumnInfo[];
      const byName = new Map(cols.map((c) => [c.name, c]));
      const scalars = model.scalars.filter((f) => !f.list);
      const extra = cols.filter((c) => !scalars.some((f) => f.name === c.name)).map((c) => c.name);
      expect(extra, `${name}: columns in SQL but not in schema.prisma: ${extra.join(', ')}`).toEqual([]);
      for (const field of scalars) {
        const col = byName.get(field.name);
        expect(col, `${name}.${field.name}: no such column in the migrated table`).toBeDefined();
        if (!col) continue;
        expect(col.type, `${name}.${field.name}: column type`).toBe(columnType(field.type));
        expect(col.notnull, `${name}.${field.name}: ${field.optional ? 'optional field must be NULL-able' : 'required field must be NOT NULL'}`).toBe(field.optional ? 0 : 1);
        expect(col.dflt_value, `${name}.${field.name}: DEFAULT for @default(${field.default ?? ''})`).toBe(sqlDefault(field) ?? null);
      }
    });

    it('primary key (and AUTOINCREMENT for @default(autoincrement()))', () => {
      const cols = db.prepare(`SELECT * FROM pragma_table_info(?)`).all(name) as ColumnInfo[];
      const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      expect(pk, `${name}: primary key columns`).toEqual(model.primaryKey);
      const sql = tableSql(name);
      for (const field of model.scalars) {
        const declared = field.default === 'autoincrement()';
        const inSql = new RegExp(`"${field.name}"\\s+INTEGER\\s+NOT NULL\\s+PRIMARY KEY\\s+AUTOINCREMENT`, 'i').test(sql);
        expect(inSql, `${name}.${field.name}: ${declared ? 'missing' : 'unexpected'} PRIMARY KEY AUTOINCREMENT`).toBe(declared);
      }
    });

    it('unique indexes for @unique/@@unique and indexes for @@index, with Prisma names', () => {
      const indexes = (db.prepare(`SELECT * FROM pragma_index_list(?)`).all(name) as IndexInfo[]).filter((i) => i.origin !== 'pk');
      const actual = indexes
        .map((i) => {
          const cols = (db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(i.name) as { name: string }[]).map((c) => c.name);
          return `${i.unique ? 'UNIQUE ' : ''}${i.name}(${cols.join(', ')})${i.partial ? ' WHERE ...' : ''}${i.origin === 'u' ? ' [inline UNIQUE constraint]' : ''}`;
        })
        .sort();
      const expected = [
        ...model.uniques.map((cols) => `UNIQUE ${name}_${cols.join('_')}_key(${cols.join(', ')})`),
        ...model.indexes.map((cols) => `${name}_${cols.join('_')}_idx(${cols.join(', ')})`),
      ].sort();
      expect(actual, `${name}: indexes in SQL vs @unique/@@unique/@@index in schema.prisma`).toEqual(expected);
    });

    it('foreign keys with the declared onDelete/onUpdate and Prisma constraint names', () => {
      const rows = db.prepare(`SELECT * FROM pragma_foreign_key_list(?)`).all(name) as ForeignKeyInfo[];
      const groups = new Map<number, ForeignKeyInfo[]>();
      for (const r of rows) groups.set(r.id, [...(groups.get(r.id) ?? []), r]);
      const actual = [...groups.values()]
        .map((g) => {
          g.sort((a, b) => a.seq - b.seq);
          const f = g[0]!;
          return `(${g.map((r) => r.from).join(', ')}) -> ${f.table}(${g.map((r) => r.to).join(', ')}) ON DELETE ${f.on_delete} ON UPDATE ${f.on_update}`;
        })
        .sort();
      const owning = model.relations.filter((r) => r.fields && r.fields.length > 0);
      const expected = owning
        .map((r) => `(${r.fields!.join(', ')}) -> ${r.target}(${(r.references ?? []).join(', ')}) ON DELETE ${SQL_ACTION[effectiveOnDelete(model, r)]} ON UPDATE ${SQL_ACTION[effectiveOnUpdate(r)]}`)
        .sort();
      expect(actual, `${name}: foreign keys in SQL vs @relation(fields/references/onDelete) in schema.prisma (${owning.map((r) => r.name).join(', ') || 'none'})`).toEqual(expected);
      const sql = tableSql(name);
      for (const r of owning) {
        const constraint = `${name}_${r.fields!.join('_')}_fkey`;
        expect(sql.includes(`CONSTRAINT "${constraint}"`), `${name}.${r.name}: foreign key constraint should be named "${constraint}"`).toBe(true);
      }
    });
  });

  it('every relation has its back-relation and references a unique key of the target', () => {
    for (const model of models) {
      for (const rel of model.relations) {
        const target = schema.models.get(rel.target)!;
        const back = target.relations.filter((r) => r.target === model.name && r.relationName === rel.relationName && (target !== model || r.name !== rel.name));
        expect(back.length, `${model.name}.${rel.name}: expected exactly one opposite relation field on ${rel.target}`).toBe(1);
        if (rel.fields) {
          const refs = rel.references ?? [];
          const keys = [target.primaryKey, ...target.uniques].map((k) => k.join(','));
          expect(keys, `${model.name}.${rel.name}: references ${rel.target}(${refs.join(', ')}) which is not a primary or unique key`).toContain(refs.join(','));
          expect(rel.fields.length, `${model.name}.${rel.name}: fields/references length`).toBe(refs.length);
        }
      }
    }
  });

  it('the migrated database passes integrity and foreign key checks', () => {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
