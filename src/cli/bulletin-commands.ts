import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readBulletinFile } from '../bulletins/bulletin-file.js';
import { bulletinStatus, cancelBulletinById, draftOf, previewDraft, scheduleBulletin, type BulletinStatus } from '../bulletins/bulletins.js';
import { countryNames } from '../bulletins/countries.js';
import { bulletinDeps } from '../bulletins/deps.js';
import { resumeBulletinById } from '../bulletins/resume.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { isLocale, LOCALES } from '../outbound/locale.js';
import { bulletinById, listBulletins } from '../store/bulletin-repo.js';
import { progressLine, progressWriter } from './progress.js';
import { registerSubscriberCommands } from './subscriber-commands.js';
import { readOnly, withoutSending } from './with-app.js';
import { deskTime } from '../domain/desk-time.js';

/** Opens the app, runs the command, closes it; unlike withApp it sends nothing (the scheduler sends bulletins). */
const run = withoutSending;

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

function bulletinId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `A bulletin id is a number (got "${text}"); see \`ventanilla bulletin list\`.`);
  return id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `bulletin ...`, `subscribers ...` and `suppressions ...` (README "Bulletins"). */
export function registerBulletinCommands(program: Command): void {
  const bulletin = program.command('bulletin').description('fiscal bulletins: Markdown files sent to subscribers by country');

  bulletin
    .command('schedule')
    .description('store a bulletin file (Markdown with front matter); the scheduler sends it at its send_at')
    .argument('<file>', 'the bulletin, e.g. iva-2027.md')
    .option('--send-now', 'send it at once, whatever its send_at says (a send_at in the past is refused otherwise)')
    .option('--again', 'schedule it even if a bulletin with the same content is scheduled or was sent (a deliberate resend)')
    .option('--json', 'print JSON')
    .action((file: string, opts: { json?: boolean; again?: boolean; sendNow?: boolean }) =>
      run(async (app) => {
        const deps = bulletinDeps(app);
        const draft = readBulletinFile(file, { timeZone: deps.timeZone, now: app.now(), sendNow: opts.sendNow });
        const { bulletin: b, audience } = await scheduleBulletin(deps, draft, app.now(), { again: opts.again });
        const view = { id: b.id, title: b.title, countries: draft.countries, locales: Object.keys(draft.variants), sendAt: b.sendAt.toISOString(), audience };
        if (opts.json) return out(JSON.stringify(view, null, 2));
        out(`bulletin ${b.id} scheduled: "${b.title}" for ${countryNames(draft.countries, 'en')} (${view.locales.join(', ')}), at ${deskTime(b.sendAt, deps.timeZone)}, to ${audience} subscribers now`);
      }),
    );

  bulletin
    .command('preview')
    .description('render a bulletin (a file, or the id of a stored one) as a reader gets it')
    .argument('<file-or-id>', 'a bulletin file, or a bulletin id')
    .option('--locale <locale>', `the reader's language: ${LOCALES.join(', ')}`)
    .option('--html', 'print the HTML part instead of the text part')
    .action((source: string, opts: { locale?: string; html?: boolean }) =>
      run(async (app) => {
        if (opts.locale && !isLocale(opts.locale)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Unknown locale "${opts.locale}"; one of ${LOCALES.join(', ')}`);
        const deps = bulletinDeps(app);
        const stored = /^\d+$/.test(source) && !existsSync(source) ? await bulletinById(app.db, Number(source)) : null;
        if (/^\d+$/.test(source) && !existsSync(source) && !stored) throw new VentanillaError(ErrorCode.NOT_FOUND, `No bulletin ${source} and no such file.`);
        // A preview shows the text: an old file's past send_at is no reason to refuse it.
        const draft = stored ? draftOf(stored) : readBulletinFile(source, { timeZone: deps.timeZone, now: app.now(), sendNow: true });
        const mail = previewDraft(deps, draft, opts.locale && isLocale(opts.locale) ? opts.locale : undefined);
        out(`Subject: ${mail.subject}\nLanguage: ${mail.locale}\n\n${opts.html ? mail.html : mail.text}`);
      }),
    );

  bulletin
    .command('list')
    .description('bulletins, newest first')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      readOnly(async (app) => {
        const rows = await listBulletins(app.db);
        const view = rows.map((b) => ({ id: b.id, status: b.status, title: b.title, countries: b.countries.split(',').filter(Boolean), sendAt: b.sendAt.toISOString() }));
        if (opts.json) return out(JSON.stringify(view, null, 2));
        const timeZone = bulletinDeps(app).timeZone;
        for (const b of view) out(`${b.id}\t${b.status.padEnd(9)}\t${deskTime(b.sendAt, timeZone)}\t${b.countries.join(' ')}\t${b.title}`);
        out(`${view.length} bulletins`);
      }),
    );

  bulletin
    .command('status')
    .description('how far a bulletin got: sent, failed, skipped, pending (a live progress bar while it is sending)')
    .argument('<id>', 'bulletin id')
    .option('--watch', 'keep updating until the send is over, also when the output is not a terminal')
    .option('--json', 'print JSON once')
    .action((idText: string, opts: { watch?: boolean; json?: boolean }) =>
      readOnly(async (app) => {
        const deps = bulletinDeps(app);
        let status = await bulletinStatus(deps, bulletinId(idText));
        if (opts.json) return out(JSON.stringify(status, null, 2));
        out(`bulletin ${status.id}: "${status.title}" (${status.countries.join(' ')}), ${status.status}${status.finishedAt ? ` at ${deskTime(status.finishedAt, deps.timeZone)}` : ''}`);
        const bar = progressWriter();
        const live = (s: BulletinStatus) => (s.status === 'sending' || (s.status === 'scheduled' && Date.parse(s.sendAt) <= Date.now())) && (process.stdout.isTTY || opts.watch);
        bar.update(progressLine(status));
        while (live(status)) {
          await sleep(1000);
          status = await bulletinStatus(deps, status.id);
          bar.update(progressLine(status));
        }
        bar.end();
      }),
    );

  bulletin
    .command('cancel')
    .description('stop a scheduled or sending bulletin; its mails that have not left are taken back')
    .argument('<id>', 'bulletin id')
    .action((idText: string) =>
      run(async (app) => {
        const { mailsTakenBack, already } = await cancelBulletinById(bulletinDeps(app), bulletinId(idText), app.now());
        out(already ? `bulletin ${idText} already cancelled` : `bulletin ${idText} cancelled; ${mailsTakenBack} queued mails taken back`);
      }),
    );

  bulletin
    .command('resume')
    .description('send a cancelled bulletin on, to the readers it has not reached (never twice to anyone)')
    .argument('<id>', 'bulletin id')
    .option('--json', 'print JSON')
    .action((idText: string, opts: { json?: boolean }) =>
      run(async (app) => {
        const resumed = await resumeBulletinById(bulletinDeps(app), bulletinId(idText), app.now());
        if (opts.json) return out(JSON.stringify(resumed, null, 2));
        const suppressed = resumed.suppressed > 0;
        if (resumed.already) return out(`bulletin ${resumed.id} already resumed (${resumed.status}${resumed.status === 'sending' ? `: ${resumed.toResend} readers to go${suppressed ? `, ${resumed.suppressed} suppressed` : ''}` : ''})`);
        const notMailed = suppressed ? ` (${resumed.suppressed} more are not mailed: their addresses are suppressed, see \`ventanilla suppressions list\`)` : '';
        out(
          resumed.status === 'sending'
            ? `bulletin ${resumed.id} resumed: "${resumed.title}" goes to ${resumed.toResend} readers it has not reached${notMailed}; \`ventanilla bulletin status ${resumed.id}\` follows it`
            : `bulletin ${resumed.id} scheduled again: "${resumed.title}" had not started; it goes at its send_at`,
        );
      }),
    );

  registerSubscriberCommands(program);
}
