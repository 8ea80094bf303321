import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { parseAdminCommands } from '../../../src/ingest/stages/access.js';

describe('administrators\' commands in the visible text of a mail', () => {
  it('reads AUTORIZAR / REVOCAR lines and their English and Portuguese forms, in any case', () => {
    const text = ['Hola:', '', 'AUTORIZAR ana@empresa.mx', 'Autorizar: Luis@Empresa.mx', '  REVOCAR pedro@empresa.mx', 'REVOGAR rui@empresa.pt', 'AUTHORIZE amy@empresa.us', 'authorise bo@empresa.uk', 'REVOKE old@empresa.us', '', 'Gracias'].join('\n');
    expect(parseAdminCommands(text)).toEqual([
      { action: 'authorise', email: 'ana@empresa.mx', written: 'ana@empresa.mx' },
      { action: 'authorise', email: 'luis@empresa.mx', written: 'Luis@Empresa.mx' },
      { action: 'revoke', email: 'pedro@empresa.mx', written: 'pedro@empresa.mx' },
      { action: 'revoke', email: 'rui@empresa.pt', written: 'rui@empresa.pt' },
      { action: 'authorise', email: 'amy@empresa.us', written: 'amy@empresa.us' },
      { action: 'authorise', email: 'bo@empresa.uk', written: 'bo@empresa.uk' },
      { action: 'revoke', email: 'old@empresa.us', written: 'old@empresa.us' },
    ]);
  });

  it('several addresses on a line, and the links mail clients make of addresses', () => {
    expect(parseAdminCommands('AUTORIZAR ana@empresa.mx, luis@empresa.mx; <eva@empresa.mx>').map((c) => c.email)).toEqual(['ana@empresa.mx', 'luis@empresa.mx', 'eva@empresa.mx']);
    expect(parseAdminCommands('AUTORIZAR ana@empresa.mx<mailto:ana@empresa.mx>').map((c) => c.email)).toEqual(['ana@empresa.mx']);
    expect(parseAdminCommands('AUTORIZAR ana@empresa.mx [mailto:ana@empresa.mx]').map((c) => c.email)).toEqual(['ana@empresa.mx']);
    expect(parseAdminCommands('REVOCAR mailto:ana@empresa.mx.').map((c) => c.email)).toEqual(['ana@empresa.mx']);
  });

  it('an address that is not valid is kept, to be refused in the confirmation', () => {
    expect(parseAdminCommands('AUTORIZAR ana@@empresa')).toEqual([{ action: 'authorise', email: null, written: 'ana@@empresa' }]);
  });

  it('sentences, quoted lines and a bare keyword are not commands', () => {
    for (const text of [
      'Autorizar el pago de la factura de ana@empresa.mx',
      '> AUTORIZAR ana@empresa.mx',
      'AUTORIZAR',
      'AUTORIZAR a todos',
      'Por favor AUTORIZAR ana@empresa.mx',
      'AUTORIZARANA ana@empresa.mx',
    ]) {
      expect(parseAdminCommands(text), text).toEqual([]);
    }
  });
});

describe('configuration', () => {
  const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false });
  it('UNKNOWN_SENDER_POLICY: accept by default, hold or reject; anything else is refused by name', () => {
    expect(load({}).access).toEqual({ unknownSenderPolicy: 'accept', trustedAuthservIds: [], formSenders: [], refusalLimit: 100 });
    expect(load({ UNKNOWN_SENDER_POLICY: 'hold' }).access.unknownSenderPolicy).toBe('hold');
    expect(() => load({ UNKNOWN_SENDER_POLICY: 'drop' })).toThrow(/UNKNOWN_SENDER_POLICY: expected accept, hold or reject \(got "drop"\)/);
  });
  it('TRUSTED_AUTHSERV_IDS: a comma list, lower-cased', () => {
    expect(load({ TRUSTED_AUTHSERV_IDS: 'MX.example.com, microsoft365' }).access.trustedAuthservIds).toEqual(['mx.example.com', 'microsoft365']);
    expect(() => load({ TRUSTED_AUTHSERV_IDS: 'mx example' })).toThrow(/TRUSTED_AUTHSERV_IDS: expected the authserv-ids/);
  });
  it('FORM_SENDERS: a comma list of addresses, lower-cased', () => {
    expect(load({ FORM_SENDERS: 'Formulario@Example.com, web@example.com' }).access.formSenders).toEqual(['formulario@example.com', 'web@example.com']);
    expect(() => load({ FORM_SENDERS: 'formulario' })).toThrow(/FORM_SENDERS: expected a comma list of addresses/);
  });
});
