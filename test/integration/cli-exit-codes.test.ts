// The exit codes an operator's script reads (README "Command line"): one rule for every command that names a
// ticket, contact, subscriber, organisation, bulletin, mail or product issue. Not there: 3 and NOT_FOUND (or
// TICKET_NOT_FOUND); already so: 0 and a line saying "already"; refused: 1. Before, a missing target exited 1 in
// some commands and 0 in others, and the same "already done" was 0 for a contact and 1 for a ticket or bulletin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { mail } from '../support/app.js';

let dir: string;
let env: Record<string, string>;
const cli = (line: string) => runCli(line.split(' '), { env });
const GHOST = 'nadie@ninguna.example';

describe.skipIf(!cliBuilt)('exit codes of the commands that name something', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-exit-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', BULLETIN_RATE_PER_MINUTE: '100000' };
    writeFileSync(join(dir, 'answer.txt'), 'Respuesta.');
    writeFileSync(join(dir, 'aviso.md'), '---\ntitle: Aviso\ncountries: MX\n---\nHola.\n');
    for (const subject of ['Primera', 'Segunda']) expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: subject } }) })).code).toBe(0);
    // A bounce lifted once (suppressions lift), without a mail server to bounce it.
    const app = await createApp({ config: loadConfig(env, { dotenv: false }) });
    await app.db.suppression.create({ data: { email: 'rebota@cliente.mx', reason: 'hard_bounce', suppressedAt: new Date(), suppressedUntil: new Date(Date.now() + 86_400_000) } });
    await app.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['tickets show 4242', /^ventanilla: TICKET_NOT_FOUND: Ticket #4242 does not exist/],
    [`tickets reply 4242 --body-file ANSWER`, /^ventanilla: TICKET_NOT_FOUND: Ticket #4242 does not exist/],
    ['tickets set 4242 --status solved', /^ventanilla: TICKET_NOT_FOUND: Ticket #4242 does not exist/],
    ['product-issue release BUG-404', /^ventanilla: NOT_FOUND: No ticket was ever on hold for BUG-404/],
    ['outbox retry 999', /^ventanilla: NOT_FOUND: No mail with id 999 in the outbox/],
    [`raw-mail ${'0'.repeat(64)}`, /^ventanilla: NOT_FOUND: No raw mail 0{64} is kept here/],
    [`contacts revoke ${GHOST}`, new RegExp(`^ventanilla: NOT_FOUND: No contact has the address ${GHOST}`)],
    ['contacts list --organisation Ninguna', /^ventanilla: NOT_FOUND: No organisation named "Ninguna"/],
    [`survey opt-out ${GHOST}`, new RegExp(`^ventanilla: NOT_FOUND: No contact has the address ${GHOST}`)],
    [`survey opt-in ${GHOST}`, new RegExp(`^ventanilla: NOT_FOUND: No contact has the address ${GHOST}`)],
    [`subscribers remove ${GHOST}`, new RegExp(`^ventanilla: NOT_FOUND: ${GHOST} is no subscriber`)],
    [`suppressions lift ${GHOST}`, new RegExp(`^ventanilla: NOT_FOUND: ${GHOST} never bounced`)],
    ['bulletin status 99', /^ventanilla: NOT_FOUND: No bulletin 99/],
    ['bulletin status 99 --json', /^ventanilla: NOT_FOUND: No bulletin 99/],
    ['bulletin cancel 99', /^ventanilla: NOT_FOUND: No bulletin 99/],
    ['bulletin preview 99', /^ventanilla: NOT_FOUND: No bulletin 99 and no such file/],
    ['migrate resolve --applied 29990101000000_nowhere', /^ventanilla: NOT_FOUND: Migration 29990101000000_nowhere is not a migration of this version: check the name; no migration is recorded as failed here/],
    ['migrate resolve --rolled-back 29990101000000_nowhere', /^ventanilla: NOT_FOUND: Migration 29990101000000_nowhere is not a migration of this version/],
    ['ingest /nowhere/mail.eml', /^ventanilla: NOT_FOUND: No file or folder at \/nowhere\/mail\.eml: nothing was ingested/],
  ])('`%s` on something that does not exist: exit 3, nothing on stdout', async (line, message) => {
    const result = await cli(line.replace('ANSWER', join(dir, 'answer.txt')));
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 3, stdout: '' });
    // The last line: a command that sends first reports its outbox on a line of its own.
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(message);
  });

  // Tickets start new and no agent sets one back (DOMAIN.md statuses): `tickets set 1001 --status new` answered
  // "#1001 already new" (exit 0), and the error for a bad status listed `new`, which --help did not offer.
  it.each([
    ['tickets set 1001 --status new', 'tickets set --help'],
    ['tickets reply 1001 --body-file ANSWER --status new', 'tickets reply --help'],
  ])('`%s` is a bad value: exit 1, and the error lists what `%s` offers', async (line, help) => {
    const statuses = (text: string) => [...text.matchAll(/\b(new|open|pending|on_hold|solved|closed)\b/g)].map((m) => m[1]);
    const offered = statuses(/--status <status> +(.*)/.exec((await cli(help)).stdout)?.[1] ?? '');
    expect(offered).not.toContain('new');
    const result = await cli(line.replace('ANSWER', join(dir, 'answer.txt')));
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 1, stdout: '' });
    expect(result.stderr.trim()).toBe(`ventanilla: INPUT_UNREADABLE: --status must be one of ${offered.join(', ')} (got "new")`);
  });

  // Each pair: the command that does it, then the same again: 0 both times, the second saying "already".
  it.each([
    ['tickets set 1000 --status closed', /^#1000 closed already: set so by agent:\S+ at .+, not again$/],
    ['contacts authorise ana@cliente.mx', /^ana@cliente\.mx already authorised$/],
    ['contacts revoke ana@cliente.mx', /^ana@cliente\.mx already not authorised$/],
    ['survey opt-out ana@cliente.mx', /^ana@cliente\.mx already gets no surveys$/],
    ['subscribers remove lector@cliente.mx', /^lector@cliente\.mx: already unsubscribed$/],
    ['suppressions lift rebota@cliente.mx', /^rebota@cliente\.mx: already not suppressed/],
    ['bulletin cancel 1', /^bulletin 1 already cancelled$/],
    ['product-issue release BUG-1', /^already released: no ticket is on hold for BUG-1 any more \(#1001 had been\)$/],
  ])('`%s` twice: exit 0 both times, the second saying it was already so', async (line, already) => {
    if (line.startsWith('subscribers')) expect((await cli('subscribers add lector@cliente.mx --country MX')).code).toBe(0);
    if (line.startsWith('bulletin')) expect((await runCli(['bulletin', 'schedule', join(dir, 'aviso.md')], { env })).code).toBe(0);
    if (line.startsWith('product-issue')) expect((await cli('tickets set 1001 --status on_hold --issue BUG-1')).code).toBe(0);
    const first = await cli(line);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toMatch(/already/);
    const second = await cli(line);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toMatch(already);
  });

  it('`outbox retry` of a mail that was sent: exit 0, already sent; refused changes and usage mistakes: exit 1', async () => {
    const retried = await cli('outbox retry 1');
    expect({ code: retried.code, stdout: retried.stdout.trim() }).toEqual({ code: 0, stdout: 'mail 1 already sent: nothing to retry' });
    const reopen = await cli('tickets set 1000 --status open');
    expect({ code: reopen.code, stderr: reopen.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: TRANSITION_REFUSED: The ticket is closed, which is final; a reply from the customer opens a follow-up ticket.' });
    const notANumber = await cli('tickets show abc');
    expect({ code: notANumber.code, stderr: notANumber.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: INPUT_UNREADABLE: "abc" is not a ticket number' });
    // A mistyped status is a bad value, not a change the rules refused.
    const badStatus = await cli('tickets set 1000 --status solvd');
    expect({ code: badStatus.code, stderr: badStatus.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: INPUT_UNREADABLE: --status must be one of open, pending, on_hold, solved, closed (got "solvd")' });
    // --country is required: without it the line read 'no country (e.g. "MX AR")', the words of a CSV row.
    const noCountry = await cli('subscribers add nuevo@cliente.mx');
    expect({ code: noCountry.code, stdout: noCountry.stdout }).toEqual({ code: 1, stdout: '' });
    expect(noCountry.stderr).toMatch(/^error: required option '--country <code>' not specified\n[\s\S]*Usage: ventanilla subscribers add/);
  });

  // `suppressions lift notanemail` answered "notanemail never bounced" (exit 3): true, but the mistake was the argument
  // (so did `subscribers remove` "is no subscriber" and `survey opt-out|opt-in` "No contact has the address").
  it('`suppressions lift` of a word that is no address says so, as `contacts revoke` does: exit 1', async () => {
    for (const line of ['suppressions lift notanemail', 'subscribers remove notanemail', 'survey opt-out notanemail', 'survey opt-in notanemail', 'contacts revoke notanemail']) {
      const result = await cli(line);
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr.trim() }, line).toEqual({ code: 1, stdout: '', stderr: 'ventanilla: INPUT_UNREADABLE: "notanemail" is not an email address' });
    }
  });

  // They printed Node's "ENOENT: no such file or directory, open '/…'", the path said twice; --body-file said it in words.
  it.each([
    ['subscribers import', 'lectores.csv'],
    ['bulletin schedule', 'aviso-de-enero.md'],
  ])('`%s` of a file that is not there names it and why, in words: exit 1', async (command, name) => {
    const file = join(dir, name);
    const result = await runCli([...command.split(' '), file], { env });
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr.trim() }).toEqual({ code: 1, stdout: '', stderr: `ventanilla: INPUT_UNREADABLE: Cannot read ${file}: no such file (ENOENT)` });
  });
});
