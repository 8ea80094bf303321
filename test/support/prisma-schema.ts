// A small, line-based reader for prisma/schema.prisma: enough to compare the declared model with the SQL
// in prisma/migrations. It refuses what it does not understand (@map, @@map, multi-line attributes)
// rather than silently comparing the wrong thing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SCALAR_TYPES = ['String', 'Int', 'BigInt', 'Boolean', 'DateTime', 'Float', 'Decimal', 'Bytes', 'Json'] as const;
export type ReferentialAction = 'Cascade' | 'SetNull' | 'Restrict' | 'NoAction' | 'SetDefault';

export interface ScalarField {
  name: string;
  type: string; // a scalar type or an enum name
  optional: boolean;
  list: boolean;
  id: boolean;
  unique: boolean;
  updatedAt: boolean;
  /** The raw argument of @default(...), e.g. `"standard"`, `now()`, `false`, `autoincrement()`. */
  default?: string;
}

export interface RelationField {
  name: string;
  target: string;
  optional: boolean;
  list: boolean;
  relationName?: string;
  /** Set on the side that holds the foreign key. */
  fields?: string[];
  references?: string[];
  onDelete?: ReferentialAction;
  onUpdate?: ReferentialAction;
}

export interface Model {
  name: string;
  scalars: ScalarField[];
  relations: RelationField[];
  primaryKey: string[];
  uniques: string[][]; // @unique and @@unique, in declaration order
  indexes: string[][]; // @@index
}

export interface Schema {
  provider: string;
  models: Map<string, Model>;
  enums: Set<string>;
}

export const schemaPath = join(new URL('../..', import.meta.url).pathname, 'prisma', 'schema.prisma');

function list(inner: string): string[] {
  return inner.split(',').map((s) => s.trim()).filter(Boolean);
}

function attrArg(attrs: string, attr: string): string | undefined {
  // Attribute arguments in this schema never nest parentheses deeper than `now()`/`autoincrement()`.
  const m = new RegExp(`${attr}\\(((?:[^()]|\\([^()]*\\))*)\\)`).exec(attrs);
  return m?.[1];
}

export function parseSchema(text: string = readFileSync(schemaPath, 'utf8')): Schema {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/\/\/.*$/, '').trim());
  const enums = new Set<string>();
  for (const l of lines) {
    const m = /^enum\s+(\w+)\s*\{/.exec(l);
    if (m) enums.add(m[1]!);
  }
  const provider = /datasource\s+\w+\s*\{[^}]*provider\s*=\s*"(\w+)"/.exec(text)?.[1] ?? '';
  const modelNames = new Set(lines.map((l) => /^model\s+(\w+)\s*\{/.exec(l)?.[1]).filter((n): n is string => !!n));
  const models = new Map<string, Model>();
  let current: Model | undefined;
  for (const [i, line] of lines.entries()) {
    const where = `schema.prisma line ${i + 1}`;
    if (!current) {
      const m = /^model\s+(\w+)\s*\{/.exec(line);
      if (m) current = { name: m[1]!, scalars: [], relations: [], primaryKey: [], uniques: [], indexes: [] };
      continue;
    }
    if (line === '}') {
      models.set(current.name, current);
      current = undefined;
      continue;
    }
    if (line === '') continue;
    if (/@map\(|@@map\(|@@schema\(/.test(line)) throw new Error(`${where}: @map/@@map is not supported by this test's parser; extend test/support/prisma-schema.ts`);
    if (line.startsWith('@@')) {
      const m = /^@@(id|unique|index)\(\s*\[([^\]]*)\]/.exec(line);
      if (!m) throw new Error(`${where}: unsupported block attribute "${line}" in model ${current.name}`);
      const cols = list(m[2]!);
      if (m[1] === 'id') current.primaryKey = cols;
      else if (m[1] === 'unique') current.uniques.push(cols);
      else current.indexes.push(cols);
      continue;
    }
    const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${where}: cannot parse field "${line}" in model ${current.name}`);
    const [, name, type, listMark, optMark, attrs = ''] = m as unknown as [string, string, string, string?, string?, string?];
    if (modelNames.has(type)) {
      const rel = attrArg(attrs, '@relation');
      const relation: RelationField = { name, target: type, optional: !!optMark, list: !!listMark };
      if (rel !== undefined) {
        relation.relationName = /^\s*"([^"]*)"/.exec(rel)?.[1] ?? /name:\s*"([^"]*)"/.exec(rel)?.[1];
        const fields = /fields:\s*\[([^\]]*)\]/.exec(rel)?.[1];
        const refs = /references:\s*\[([^\]]*)\]/.exec(rel)?.[1];
        if (fields !== undefined) relation.fields = list(fields);
        if (refs !== undefined) relation.references = list(refs);
        relation.onDelete = /onDelete:\s*(\w+)/.exec(rel)?.[1] as ReferentialAction | undefined;
        relation.onUpdate = /onUpdate:\s*(\w+)/.exec(rel)?.[1] as ReferentialAction | undefined;
      }
      current.relations.push(relation);
      continue;
    }
    if (!(SCALAR_TYPES as readonly string[]).includes(type) && !enums.has(type)) {
      throw new Error(`${where}: unknown type ${type} for ${current.name}.${name}`);
    }
    const field: ScalarField = {
      name,
      type,
      optional: !!optMark,
      list: !!listMark,
      id: /@id\b/.test(attrs),
      unique: /@unique\b/.test(attrs),
      updatedAt: /@updatedAt\b/.test(attrs),
      default: attrArg(attrs, '@default'),
    };
    if (field.id) current.primaryKey = [name];
    if (field.unique) current.uniques.push([name]);
    current.scalars.push(field);
  }
  if (current) throw new Error(`schema.prisma: model ${current.name} is not closed`);
  return { provider, models, enums };
}

/** Prisma's defaults: SetNull for an optional relation, Restrict for a required one; Cascade on update. */
export function effectiveOnDelete(model: Model, rel: RelationField): ReferentialAction {
  if (rel.onDelete) return rel.onDelete;
  const optional = (rel.fields ?? []).some((f) => model.scalars.find((s) => s.name === f)?.optional);
  return optional ? 'SetNull' : 'Restrict';
}

export function effectiveOnUpdate(rel: RelationField): ReferentialAction {
  return rel.onUpdate ?? 'Cascade';
}

export const SQL_ACTION: Record<ReferentialAction, string> = {
  Cascade: 'CASCADE',
  SetNull: 'SET NULL',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetDefault: 'SET DEFAULT',
};

/** The column type Prisma's SQLite migrations use for each scalar type. */
export const SQLITE_TYPE: Record<string, string> = {
  String: 'TEXT',
  Int: 'INTEGER',
  BigInt: 'BIGINT',
  Boolean: 'BOOLEAN',
  DateTime: 'DATETIME',
  Float: 'REAL',
  Decimal: 'DECIMAL',
  Bytes: 'BLOB',
  Json: 'JSONB',
};

/** The DEFAULT clause Prisma writes for a @default(...) argument, or undefined when it writes none. */
export function sqlDefault(field: ScalarField): string | undefined {
  const d = field.default;
  if (d === undefined || d === 'autoincrement()' || d === 'uuid()' || d === 'cuid()' || /^(uuid|cuid|nanoid|ulid)\(/.test(d)) return undefined;
  if (d === 'now()') return 'CURRENT_TIMESTAMP';
  const str = /^"(.*)"$/.exec(d);
  if (str) return `'${str[1]!.replace(/'/g, "''")}'`;
  return d; // numbers, true/false, enum values
}
