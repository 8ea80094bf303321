import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeCsvBytes } from '../bulletins/csv.js';
import { addSubscriber, importSubscribers, removeSubscriber } from '../bulletins/subscribers.js';
import { decodeList, parseCountries } from '../bulletins/countries.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { refuseNonAddress } from '../lifecycle/access-actions.js';
import { fileReadReason } from '../file-read-reason.js';
import { inTransaction } from '../store/database.js';
import { listSubscribers } from '../store/subscriber-repo.js';
import { liftSuppression, listSuppressions, suppressionOf } from '../store/suppression-repo.js';
import { collect, defaultActor, readOnly, withoutSending as run } from './with-app.js';

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** Subscriber.status (prisma/schema.prisma): a filter on any other word would list nobody, and say nothing. */
const SUBSCRIBER_STATUSES = ['active', 'pending', 'unsubscribed'];

/** `subscribers ...` and `suppressions ...` (README "Bulletins"). */
export function registerSubscriberCommands(program: Command): void {
  const subscribers = program.command('subscribers').description('bulletin subscribers: by country (ISO codes of the 13 countries served) and topic');

  subscribers
    .command('import')
    .description('add or update subscribers from a CSV file with a header: email, countries (e.g. "MX AR"), and optionally name, locale, topics')
    .argument('<file>', 'the CSV file')
    .option('--dry-run', 'check the file and report, store nothing')
    .option('--resubscribe', 'also subscribe again people who had unsubscribed (only when they asked you to)')
    .option('--json', 'print the report as JSON')
    .action((file: string, opts: { dryRun?: boolean; resubscribe?: boolean; json?: boolean }) =>
      run(async (app) => {
        let csv: string;
        try {
          csv = decodeCsvBytes(readFileSync(file));
        } catch (error) {
          throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Cannot read ${file}: ${fileReadReason(error)}`);
        }
        const report = await importSubscribers(app.db, csv, { now: app.now(), dryRun: opts.dryRun, resubscribe: opts.resubscribe });
        // Bad rows make the exit code 1 (the good ones are imported all the same).
        if (report.bad.length) process.exitCode = 1;
        if (opts.json) return out(JSON.stringify(report, null, 2));
        for (const bad of report.bad) process.stderr.write(`${file}:${bad.line}: ${bad.reason}\n`);
        const what = opts.dryRun ? `${report.added} good` : `${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.keptUnsubscribed} left unsubscribed`;
        out(`${report.rows} rows: ${what}, ${report.bad.length} bad${report.bad.length ? ' (listed above by line)' : ''}`);
      }),
    );

  subscribers
    .command('list')
    .description('subscribers, oldest first')
    .option('--country <code>', 'only those of this country, e.g. MX')
    .option('--status <status>', 'active, pending (asked by mail, not confirmed) or unsubscribed')
    .option('--json', 'print JSON')
    .action((opts: { country?: string; status?: string; json?: boolean }) =>
      readOnly(async (app) => {
        const country = opts.country ? parseCountries(opts.country).codes[0] : undefined;
        if (opts.country && !country) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `"${opts.country}" is not a country served; use an ISO code such as MX`);
        if (opts.status && !SUBSCRIBER_STATUSES.includes(opts.status)) {
          throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--status must be one of ${SUBSCRIBER_STATUSES.join(', ')} (got "${opts.status}")`);
        }
        const rows = await listSubscribers(app.db, { country, status: opts.status });
        const view = rows.map((s) => ({ email: s.email, name: s.name, locale: s.locale, countries: decodeList(s.countries), topics: decodeList(s.topics), status: s.status, source: s.source, unsubscribeReason: s.unsubscribeReason }));
        if (opts.json) return out(JSON.stringify(view, null, 2));
        for (const s of view) out(`${s.email}\t${s.status}\t${s.countries.join(' ')}\t${s.locale ?? '-'}\t${s.topics.join(' ') || '-'}\t${s.name ?? ''}`);
        out(`${view.length} subscribers`);
      }),
    );

  subscribers
    .command('add')
    .description('subscribe an address (active at once; also one who had unsubscribed)')
    .argument('<email>')
    .requiredOption('--country <code>', 'a country (repeat for more), e.g. --country MX --country AR', collect)
    .option('--locale <locale>', 'es, pt or en (default: from the country)')
    .option('--name <name>')
    .option('--topic <topic>', 'a topic (repeat for more); none: every topic', collect, [])
    .action((email: string, opts: { country: string[]; locale?: string; name?: string; topic: string[] }) =>
      run(async (app) => {
        let outcome: string;
        try {
          outcome = await addSubscriber(app.db, { email, countries: opts.country, locale: opts.locale, name: opts.name, topics: opts.topic }, app.now());
        } catch (error) {
          throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, (error as Error).message);
        }
        out(`${email.toLowerCase()}: ${outcome}`);
      }),
    );

  subscribers
    .command('remove')
    .description('unsubscribe an address (kept as unsubscribed, so an import does not add it back)')
    .argument('<email>')
    .action((email: string) =>
      run(async (app) => {
        const outcome = await removeSubscriber(app.db, email, app.now());
        if (outcome === 'unknown') refuseNonAddress(email);
        if (outcome === 'unknown') throw new VentanillaError(ErrorCode.NOT_FOUND, `${email.toLowerCase()} is no subscriber; see \`ventanilla subscribers list\`.`);
        out(`${email.toLowerCase()}: ${outcome === 'already' ? 'already unsubscribed' : 'unsubscribed'}`);
      }),
    );

  const suppressions = program.command('suppressions').description('addresses that bounce: no bulletin and no notification is mailed to them');
  suppressions
    .command('list')
    .description('addresses suppressed now (with --all: every address that bounced)')
    .option('--all', 'also expired and lifted suppressions, and soft bounces still counting')
    .option('--json', 'print JSON')
    .action((opts: { all?: boolean; json?: boolean }) =>
      readOnly(async (app) => {
        const rows = await listSuppressions(app.db, { now: app.now(), all: opts.all });
        const view = rows.map((r) => ({ email: r.email, reason: r.reason, until: r.suppressedUntil?.toISOString() ?? null, softBounces: r.softBounces, lastStatus: r.lastStatus, detail: r.detail, liftedBy: r.liftedBy }));
        if (opts.json) return out(JSON.stringify(view, null, 2));
        for (const r of view) out(`${r.email}\t${r.reason ?? '-'}\tuntil ${r.until ?? '-'}\t${r.lastStatus ?? ''}\t${r.detail ?? ''}`);
        out(`${view.length} addresses`);
      }),
    );
  suppressions
    .command('lift')
    .description('mail an address again at once (e.g. its mailbox was fixed)')
    .argument('<email>')
    .option('--as <agent>', 'who does it (default $VENTANILLA_AGENT or the OS user)')
    .action((email: string, opts: { as?: string }) =>
      run(async (app) => {
        const lifted = await inTransaction(app.db, (tx) => liftSuppression(tx, email, opts.as ?? defaultActor(), app.now()));
        if (lifted) return out(`${email.toLowerCase()}: suppression lifted`);
        const bounced = await suppressionOf(app.db, email);
        // Checked only here: a row of any spelling a bounce recorded is still lifted; a typo is not "never bounced".
        if (!bounced) refuseNonAddress(email);
        if (!bounced) throw new VentanillaError(ErrorCode.NOT_FOUND, `${email.toLowerCase()} never bounced; see \`ventanilla suppressions list --all\`.`);
        out(`${email.toLowerCase()}: already not suppressed (${bounced.liftedBy ? `lifted by ${bounced.liftedBy}` : 'expired, or soft bounces below the limit'})`);
      }),
    );
}
