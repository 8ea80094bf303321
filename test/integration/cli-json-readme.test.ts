// README's "JSON output (stable)" is what scripts are written against: each command's table of fields there must
// name exactly the fields the command prints, so that neither the documentation nor the output drifts unnoticed.
// The fields are read from the README itself (the first column of the table after "`<command> --json`") and
// compared with the keys of every object the real command prints on a desk with one of each thing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { mail } from '../support/app.js';
import { cliBuilt, runCli, runCliOk } from '../support/cli.js';
import { postfixDsn } from '../support/dsn.js';

/** The README's "JSON output (stable)" section, up to the next section. */
function jsonSection(): string[] {
  const lines = readFileSync(join(projectRoot, 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf('### JSON output (stable)');
  const end = lines.findIndex((line, i) => i > start && /^#{1,3} /.test(line));
  return lines.slice(start, end === -1 ? undefined : end);
}

/**
 * The fields the README documents for `intro` (the backticked words that open its paragraph, "`bulletin list
 * --json`"): every backticked name in the first column of the table that follows it.
 */
function documentedFields(section: string[], intro: string): string[] {
  const at = section.findIndex((line) => line.startsWith(intro));
  const header = section.findIndex((line, i) => at !== -1 && i > at && line.startsWith('|'));
  if (header === -1) return [];
  const fields: string[] = [];
  // The rows below the header and its |---| line.
  for (let i = header + 2; section[i]?.startsWith('|'); i++) {
    const firstCell = (section[i] as string).split('|')[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([^`]+)`/g)) fields.push(name as string);
  }
  return fields.sort();
}

/**
 * The fields the README lists in prose after `intro` ("`inbound --json` prints an array, newest first (50 unless
 * `--limit`): `id`, `receivedAt` (ISO 8601 UTC), ..."): the backticked names after the colon, leaving out what
 * parentheses hold (a field's values and type), up to the paragraph's end or the next command's "`... --json`".
 */
function listedFields(section: string[], intro: string): string[] {
  const text = section.join('\n');
  const start = text.indexOf(intro);
  if (start === -1) return [];
  const paragraph = text.slice(start + intro.length).split('\n\n')[0] as string;
  let flat = '';
  let depth = 0;
  for (const ch of paragraph) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) flat += ch;
  }
  const next = flat.search(/`[a-z -]+ --json`/);
  const listing = (next === -1 ? flat : flat.slice(0, next)).slice(flat.indexOf(':'));
  return [...listing.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string).sort();
}

/** The keys of every object printed (one object, or an array of them), each object's sorted. */
function printedKeys(stdout: string): string[][] {
  const parsed = JSON.parse(stdout) as object | object[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map((row) => Object.keys(row).sort());
}

let dir: string;
let env: Record<string, string>;
const cli = (args: string[], input?: Buffer) => runCliOk(args, { env, input });

describe.skipIf(!cliBuilt)('README "JSON output (stable)" names the fields each command prints, no more, no fewer', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-json-readme-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789', BULLETIN_ADDRESS: 'boletin@example.test' };
    // A desk with one of each: a customer's ticket, her organisation with an administrator, a subscriber, a
    // bulletin scheduled to her, an address that bounced.
    await cli(['ingest', '-'], mail());
    await cli(['organisations', 'add', 'Cliente S.A.', '--domain', 'cliente.mx', '--country', 'MX', '--admin', 'luis@cliente.mx']);
    await cli(['contacts', 'authorise', 'ana@cliente.mx', '--as', 'maria']);
    await cli(['subscribers', 'add', 'ana@cliente.mx', '--country', 'MX', '--name', 'Ana']);
    writeFileSync(join(dir, 'iva.md'), '---\ntitle: Reforma del IVA 2027\ncountries: [MX]\nsend_at: 2099-12-01 09:00\n---\nEl **SAT** publicó...\n');
    await cli(['bulletin', 'schedule', join(dir, 'iva.md')]);
    await cli(['ingest', '-'], postfixDsn({ failed: 'pedro@cliente.mx', original: 'Subject: Aviso\r\nMessage-ID: <aviso-1@example.test>' }));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['`tickets list --json`', ['tickets', 'list', '--json']],
    ['`organisations list --json`', ['organisations', 'list', '--json']],
    ['`contacts list --json`', ['contacts', 'list', '--json']],
    ['`subscribers list --json`', ['subscribers', 'list', '--json']],
    ['`bulletin list --json`', ['bulletin', 'list', '--json']],
    ['`bulletin status <id> --json`', ['bulletin', 'status', '1', '--json']],
    ['`suppressions list --json`', ['suppressions', 'list', '--json']],
  ])('%s', async (intro, args) => {
    const documented = documentedFields(jsonSection(), intro);
    expect(documented, `README has no table of fields after ${intro}`).not.toEqual([]);
    const printed = printedKeys(await cli(args));
    expect(printed.length, `${args.join(' ')} printed nothing to compare`).toBeGreaterThan(0);
    for (const keys of printed) expect(keys).toEqual(documented);
  });

  it.each([
    ['`inbound --json`', ['inbound', '--json']],
    ['`outbox list --json`', ['outbox', 'list', '--json']],
    ['`kb list --json`', ['kb', 'list', '--json']],
    ['`kb suggest --json`', ['kb', 'suggest', '--json', 'timbrar', 'factura']],
    ['`blobs sweep --json`', ['blobs', 'sweep', '--dry-run', '--json']],
  ])('%s (its fields listed in a sentence)', async (intro, args) => {
    const listed = listedFields(jsonSection(), intro);
    expect(listed, `README lists no fields after ${intro}`).not.toEqual([]);
    const printed = printedKeys(await runCliOk(args, { env: { ...env, KNOWLEDGE_BASE_DIR: join(projectRoot, 'scripts', 'demo-kb') } }));
    expect(printed.length, `${args.join(' ')} printed nothing to compare`).toBeGreaterThan(0);
    for (const keys of printed) expect(keys).toEqual(listed);
  });

  it('`subscribers import --json` of a file with a bad row: exit 1, and its report on stdout all the same (the good rows are in)', async () => {
    writeFileSync(join(dir, 'subs.csv'), 'email,countries\nbeto@cliente.mx,MX\nnot-an-address,MX\n');
    const run = await runCli(['subscribers', 'import', join(dir, 'subs.csv'), '--json'], { env });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 2, added: 1, bad: [{ line: 3 }] });
    expect(printedKeys(run.stdout)).toEqual([documentedFields(jsonSection(), '`subscribers import <file.csv> --json`')]);
  });
});
