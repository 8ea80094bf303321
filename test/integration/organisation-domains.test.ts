import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, type TestApp } from '../support/app.js';

// An organisation's domain makes everyone writing from it a colleague (README "Who may open tickets"): a free mail
// provider's would make every one of its users one, able to join the company's tickets by their "[#n]".

let app: TestApp;
afterEach(async () => app?.dispose());
const now = new Date('2026-11-24T16:00:00Z');
const add = (domains: string[], allowFreeMail?: boolean) =>
  inTransaction(app.db, (tx) => addOrganisation(tx, app.lifecycle, { name: `Cliente ${domains[0]}`, domains, allowFreeMail, actor: 'agent:test', now }));

describe("an organisation's domains", () => {
  it("refuse a free mail provider's, by name, saying why and how to insist", async () => {
    app = await createTestApp();
    for (const domain of ['gmail.com', 'Hotmail.com', 'yahoo.com.mx', 'outlook.es', 'uol.com.br', 'sapo.pt']) {
      await expect(add(['cliente.mx', domain])).rejects.toMatchObject({
        code: 'INPUT_UNREADABLE',
        message: expect.stringMatching(new RegExp(`${domain.toLowerCase().replace(/\./g, '\\.')} is a free mail provider's.*--allow-free-mail-domain`)),
      });
    }
    expect(await app.db.organisation.count()).toBe(0);
  });
  it("refuse the big internet providers' mail of the countries served, which small companies write from", async () => {
    // Accepted before: every subscriber of Fibertel, Adinet or Comcast was the company's colleague, could join its
    // tickets by their "[#n]" and copy themselves on every later mail about them.
    app = await createTestApp();
    for (const domain of ['fibertel.com.ar', 'speedy.com.ar', 'arnet.com.ar', 'vtr.net', 'une.net.co', 'etb.net.co', 'adinet.com.uy', 'entelnet.bo', 'racsa.co.cr', 'codetel.net.do', 'andinanet.net', 'terra.com.pe', 'netcabo.pt', 'clix.pt', 'comcast.net', 'att.net', 'verizon.net', 'globo.com', 'infinitummail.com', 'r7.com', 'cantv.net']) {
      await expect(add(['cliente.mx', domain]), domain).rejects.toMatchObject({ message: expect.stringContaining(`${domain} is a free mail provider's`) });
    }
    expect(await app.db.organisation.count()).toBe(0);
  });
  it("take one when the operator insists, and a company's own domain as before", async () => {
    app = await createTestApp();
    await expect(add(['cliente.mx'])).resolves.toMatchObject({ linked: 0 });
    await expect(add(['gmail.com'], true)).resolves.toMatchObject({ linked: 0 });
    expect(await app.db.organisation.count()).toBe(2);
  });
});
