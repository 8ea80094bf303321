import type { Command } from 'commander';
import { ErrorCode, VentanillaError } from '../errors.js';
import { addOrganisation, authoriseContact, revokeContact, SLA_PLANS } from '../lifecycle/access-actions.js';
import { listContacts, listOrganisations, organisationByName } from '../store/access-repo.js';
import { inTransaction } from '../store/database.js';
import { collect, defaultActor, readOnly, withApp } from './with-app.js';

const released = (numbers: number[]) => (numbers.length ? ` · released ${numbers.map((n) => `#${n}`).join(', ')}` : '');

/** Organisations, their administrators, and the contacts allowed to open tickets (UNKNOWN_SENDER_POLICY). */
export function registerAccessCommands(program: Command): void {
  const organisations = program.command('organisations').description('customer companies: email domains, SLA plan, administrator');
  organisations
    .command('add')
    .description('add a customer company (its contacts are recognised by email domain)')
    .argument('<name>', 'the company name')
    .requiredOption('--domain <domain>', 'an email domain of the company (repeatable)', collect, [])
    .option('--country <code>', 'ISO 3166 country code, e.g. MX (phone line, language of the mail)')
    .option('--plan <plan>', `SLA plan: ${SLA_PLANS.join(' or ')}`, 'standard')
    .option('--admin <email>', 'the administrator contact: authorises and revokes the other contacts')
    .option('--allow-free-mail-domain', "take a free mail provider's domain (gmail.com...) all the same: every user of it counts as a colleague")
    .option('--as <agent>', 'who does it')
    .action(async (name: string, opts: { domain: string[]; country?: string; plan: string; admin?: string; allowFreeMailDomain?: boolean; as?: string }) => {
      const result = await withApp((app) =>
        inTransaction(app.db, (tx) =>
          addOrganisation(tx, app.lifecycle, { name, domains: opts.domain, country: opts.country, plan: opts.plan, admin: opts.admin, allowFreeMail: opts.allowFreeMailDomain, actor: opts.as ?? defaultActor(), now: app.now() }),
        ),
      );
      const domains = opts.domain.join(', ').toLowerCase();
      if (result.unchanged) return void process.stdout.write(`organisation "${name}" already exists, unchanged (${domains})\n`);
      const admin = result.admin ? ` · administrator ${result.admin.email}${released(result.admin.released)}` : '';
      process.stdout.write(`organisation "${name}" added (${domains})${result.linked ? ` · ${result.linked} existing contacts linked` : ''}${admin}\n`);
    });
  organisations
    .command('list')
    .description('list the customer companies')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await readOnly((app) => listOrganisations(app.db));
      if (opts.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      for (const o of rows) {
        process.stdout.write(`${o.name}\t${o.country ?? '-'}\t${o.plan}\t${o.domains.join(', ')}\tadmin ${o.admins.join(', ') || '-'}\t${o.authorised}/${o.contacts} contacts authorised\n`);
      }
      process.stdout.write(`${rows.length} organisation${rows.length === 1 ? '' : 's'}\n`);
    });

  const contacts = program.command('contacts').description('the people who write to support, and who may open tickets');
  contacts
    .command('authorise')
    .alias('authorize')
    .description('allow a contact to open tickets (its held tickets are released)')
    .argument('<email>', 'the contact\'s address (created if it never wrote)')
    .option('--admin', 'make it the administrator of its organisation (by email domain)')
    .option('--as <agent>', 'who does it')
    .action(async (email: string, opts: { admin?: boolean; as?: string }) => {
      const r = await withApp((app) => inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email, admin: opts.admin, actor: opts.as ?? defaultActor(), now: app.now() })));
      const what = opts.admin ? 'administrator' : 'authorised';
      process.stdout.write(`${r.email} ${r.already ? `already ${what}` : what}${released(r.released)}\n`);
    });
  contacts
    .command('revoke')
    .description('withdraw a contact\'s authorisation (an administrator also stops being one)')
    .argument('<email>', 'the contact\'s address')
    .option('--as <agent>', 'who does it')
    .action(async (email: string, opts: { as?: string }) => {
      const r = await withApp((app) => inTransaction(app.db, (tx) => revokeContact(tx, { email, actor: opts.as ?? defaultActor(), now: app.now() })));
      if (r.unknown) throw new VentanillaError(ErrorCode.NOT_FOUND, `No contact has the address ${r.email}; see \`ventanilla contacts list\`.`);
      process.stdout.write(`${r.email} ${r.already ? 'already not authorised' : `revoked${r.wasAdmin ? ' (no longer administrator)' : ''}`}\n`);
    });
  contacts
    .command('list')
    .description('list contacts, with their organisation, role, authorisation and held tickets')
    .option('--organisation <name>', 'only the contacts of this organisation')
    .option('--json', 'print JSON')
    .action(async (opts: { organisation?: string; json?: boolean }) => {
      const rows = await readOnly(async (app) => {
        if (opts.organisation === undefined) return listContacts(app.db);
        const org = await organisationByName(app.db, opts.organisation);
        if (!org) throw new VentanillaError(ErrorCode.NOT_FOUND, `No organisation named "${opts.organisation}"; see \`ventanilla organisations list\`.`);
        return listContacts(app.db, { organisationId: org.id });
      });
      if (opts.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      for (const c of rows) {
        const held = c.heldTickets.length ? `\theld ${c.heldTickets.map((n) => `#${n}`).join(', ')}` : '';
        process.stdout.write(`${c.email}\t${c.organisation ?? '-'}\t${c.role}\t${c.authorised ? 'authorised' : 'not authorised'}${held}\n`);
      }
      process.stdout.write(`${rows.length} contact${rows.length === 1 ? '' : 's'}\n`);
    });
}
