import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, type TestApp } from './app.js';

/**
 * A desk that trusts mx.example.test's Authentication-Results, with the customer Empresa (empresa.mx, its
 * administrator admin@empresa.mx) and its authorised contact luis@empresa.mx: the mail forged in his name is the test's.
 */
export async function empresaDesk(env: Record<string, string>, clock: Date): Promise<TestApp> {
  const app = await createTestApp({ TRUSTED_AUTHSERV_IDS: 'mx.example.test', ...env }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Empresa S.A. de C.V.', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', actor: 'agent:test', now: clock }),
  );
  await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'luis@empresa.mx', actor: 'agent:test', now: clock }));
  return app;
}
