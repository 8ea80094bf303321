import { describe, expect, it } from 'vitest';
import { assessSender, NO_AUTHSERV_ID, parseAuthenticationResults, parseTrustedAuthservIds } from '../../../src/ingest/stages/authenticity.js';

// Header values as the servers write them (folded lines unfolded by the parser, as mailparser leaves them).
const GMAIL_PASS = `mx.google.com;
       dkim=pass header.i=@empresa.mx header.s=20230601 header.b=AbCdEf12;
       spf=pass (google.com: domain of ana@empresa.mx designates 209.85.220.41 as permitted sender) smtp.mailfrom=ana@empresa.mx;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=empresa.mx`;
const GMAIL_SPOOF = `mx.google.com;
       spf=pass (google.com: domain of bounce@attacker.example designates 203.0.113.9 as permitted sender) smtp.mailfrom=bounce@attacker.example;
       dmarc=fail (p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from=empresa.mx`;
const M365_PASS =
  'spf=pass (sender IP is 40.107.22.55) smtp.mailfrom=empresa.mx; dkim=pass (signature was verified) header.d=empresa.mx;dmarc=pass action=none header.from=empresa.mx;compauth=pass reason=100';
const M365_SPOOF =
  'spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=empresa.mx; dkim=none (message not signed) header.d=none;dmarc=fail action=oreject header.from=empresa.mx;compauth=fail reason=000';
const M365_IMPLICIT =
  'spf=softfail (sender IP is 203.0.113.9) smtp.mailfrom=pequena.mx; soporte.example; dkim=none (message not signed) header.d=none;soporte.example; dmarc=none action=none header.from=pequena.mx;compauth=fail reason=001';
const OPENDMARC_FAIL = 'mx.example.com; dmarc=fail (p=reject dis=none) header.from=empresa.mx';
const OPENDKIM_NONE = 'mx.example.com; dkim=none';
const OPENDKIM_PASS = 'mx.example.com;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=empresa.mx header.i=@empresa.mx header.b="kXz+9/Qa"';
const SPF_FAIL = 'mx.example.com; spf=fail smtp.mailfrom=empresa.mx smtp.helo=attacker.example';

describe('parseAuthenticationResults (RFC 8601)', () => {
  it('Gmail: authserv-id, then results with comments and properties', () => {
    expect(parseAuthenticationResults(GMAIL_PASS)).toEqual({
      authservId: 'mx.google.com',
      results: [
        { method: 'dkim', result: 'pass', reason: null, props: { 'header.i': '@empresa.mx', 'header.s': '20230601', 'header.b': 'AbCdEf12' } },
        { method: 'spf', result: 'pass', reason: null, props: { 'smtp.mailfrom': 'ana@empresa.mx' } },
        { method: 'dmarc', result: 'pass', reason: null, props: { 'header.from': 'empresa.mx' } },
      ],
    });
  });

  it('Microsoft 365: no authserv-id, compauth with a reason, stray receiving domains between results', () => {
    const parsed = parseAuthenticationResults(M365_IMPLICIT);
    expect(parsed?.authservId).toBeNull();
    expect(parsed?.results.map((r) => `${r.method}=${r.result}`)).toEqual(['spf=softfail', 'dkim=none', 'dmarc=none', 'compauth=fail']);
    expect(parsed?.results.at(-1)).toEqual({ method: 'compauth', result: 'fail', reason: '001', props: {} });
    expect(parseAuthenticationResults(M365_PASS)?.results.find((r) => r.method === 'dmarc')?.props).toEqual({ action: 'none', 'header.from': 'empresa.mx' });
  });

  it('Postfix with OpenDKIM / OpenDMARC: one header per milter, a quoted value, folded lines', () => {
    expect(parseAuthenticationResults(OPENDKIM_PASS)).toEqual({
      authservId: 'mx.example.com',
      results: [{ method: 'dkim', result: 'pass', reason: null, props: { 'header.d': 'empresa.mx', 'header.i': '@empresa.mx', 'header.b': 'kXz+9/Qa' } }],
    });
    expect(parseAuthenticationResults(OPENDMARC_FAIL)?.results).toEqual([{ method: 'dmarc', result: 'fail', reason: null, props: { 'header.from': 'empresa.mx' } }]);
  });

  it('a version after the authserv-id, "none", a method version, a quoted reason, nested comments, spaces around "="', () => {
    expect(parseAuthenticationResults('example.org 1; none')).toEqual({ authservId: 'example.org', results: [] });
    expect(parseAuthenticationResults('MX.Example.COM (our (inbound) server); dkim/1 = fail reason="signature; bad" header.d=x.example')).toEqual({
      authservId: 'mx.example.com',
      results: [{ method: 'dkim', result: 'fail', reason: 'signature; bad', props: { 'header.d': 'x.example' } }],
    });
    expect(parseAuthenticationResults('"quoted.example"; spf=pass smtp.mailfrom=a@b.example')?.authservId).toBe('quoted.example');
  });

  it('garbage is not a header', () => {
    expect(parseAuthenticationResults('')).toBeNull();
    expect(parseAuthenticationResults('   ;  ')).toBeNull();
  });
});

describe('parseTrustedAuthservIds', () => {
  it('splits, trims and lower-cases', () => {
    expect(parseTrustedAuthservIds(' MX.example.com, mx2.example.com ,,')).toEqual(['mx.example.com', 'mx2.example.com']);
    expect(parseTrustedAuthservIds(undefined)).toEqual([]);
  });
});

const OPENDMARC_PASS_HEADER = 'mx.example.com; dmarc=pass (p=reject dis=none) header.from=empresa.mx';

describe('assessSender: is the From address the real sender?', () => {
  const from = 'admin@empresa.mx';

  it('Gmail: dmarc=pass is trusted, dmarc=fail is not', () => {
    expect(assessSender([GMAIL_PASS], from, ['mx.google.com'])).toMatchObject({ trusted: true, verdict: 'pass' });
    expect(assessSender([GMAIL_SPOOF], from, ['mx.google.com'])).toEqual({ trusted: false, verdict: 'fail', reason: 'dmarc=fail (mx.google.com)', checked: true });
  });

  it('Microsoft 365: trusted only when TRUSTED_AUTHSERV_IDS names microsoft365; compauth=fail is a forgery', () => {
    expect(assessSender([M365_SPOOF], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'none' });
    expect(assessSender([M365_SPOOF], from, [NO_AUTHSERV_ID])).toMatchObject({ trusted: false, reason: 'dmarc=fail (microsoft365)' });
    expect(assessSender([M365_IMPLICIT], 'ana@pequena.mx', [NO_AUTHSERV_ID])).toMatchObject({ trusted: false, reason: 'compauth=fail reason=001 (microsoft365)' });
    expect(assessSender([M365_PASS], from, [NO_AUTHSERV_ID])).toMatchObject({ trusted: true, verdict: 'pass' });
  });

  it('Postfix: the verdicts of several headers of the same server are read together', () => {
    expect(assessSender([OPENDMARC_FAIL, OPENDKIM_NONE, SPF_FAIL], from, ['mx.example.com'])).toMatchObject({ trusted: false, reason: 'dmarc=fail (mx.example.com)' });
    // No DMARC verdict: SPF failed and nothing signed for the From domain.
    expect(assessSender([OPENDKIM_NONE, SPF_FAIL], from, ['mx.example.com'])).toEqual({ trusted: false, verdict: 'fail', reason: 'spf=fail (mx.example.com), dkim=none', checked: true });
    expect(assessSender([SPF_FAIL], from, ['mx.example.com'])).toMatchObject({ trusted: false, reason: 'spf=fail (mx.example.com), no dkim' });
    // ... but a valid signature of the From domain saves a forwarded mail whose SPF broke.
    expect(assessSender([OPENDKIM_PASS, SPF_FAIL], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'pass' });
    // A valid signature of another domain does not.
    expect(assessSender([SPF_FAIL, 'mx.example.com; dkim=pass header.d=attacker.example'], from, ['mx.example.com'])).toMatchObject({ trusted: false });
    // A soft fail alone is not enough.
    expect(assessSender(['mx.example.com; spf=softfail smtp.mailfrom=empresa.mx; dkim=none'], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'none' });
  });

  it('an attacker-added header with an untrusted authserv-id is ignored, whichever way it points', () => {
    const forgedPass = 'mx.example.com.attacker.example; dmarc=pass header.from=empresa.mx';
    const forgedFail = 'mx.google.com; dmarc=fail header.from=empresa.mx';
    // The trusted server's fail wins over a forged pass written below it.
    expect(assessSender([OPENDMARC_FAIL, forgedPass], from, ['mx.example.com'])).toMatchObject({ trusted: false });
    // A forged pass alone changes nothing, a forged fail alone neither.
    expect(assessSender([forgedPass], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'none' });
    expect(assessSender([forgedFail], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'none' });
    // A forged Microsoft-style header (no authserv-id) is ignored unless microsoft365 is trusted.
    expect(assessSender([M365_SPOOF, OPENDKIM_PASS], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'pass' });
  });

  it('a report in our own name that came with the mail, contradicting ours, makes the From not believed', () => {
    // Ours: nothing ties the mail to empresa.mx. The attacker's, below or above it: a pass.
    const ours = 'mx.example.com; spf=pass smtp.mailfrom=attacker@evil.example; dkim=none; dmarc=none';
    const theirs = 'mx.example.com; dkim=pass header.d=empresa.mx; dmarc=pass header.from=empresa.mx';
    for (const headers of [[ours, theirs], [theirs, ours]]) {
      expect(assessSender(headers, from, ['mx.example.com'])).toMatchObject({ trusted: false, verdict: 'fail', checked: true, reason: expect.stringMatching(/^conflicting reports of mx\.example\.com: dkim=/) });
    }
    // The same verdict written twice (two hops of one server) is no conflict; nor are two DKIM signatures.
    expect(assessSender([OPENDMARC_PASS_HEADER, OPENDMARC_PASS_HEADER], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'pass' });
    expect(assessSender(['mx.example.com; dkim=pass header.d=empresa.mx; dkim=fail header.d=esp.example'], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'pass' });
  });

  it("'pass' needs evidence for the From address's own domain", () => {
    // SPF vouches for the envelope sender: an attacker's own domain passing says nothing about the From.
    expect(assessSender(['mx.example.com; spf=pass smtp.mailfrom=attacker@evil.example; dkim=none; dmarc=none'], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'none', checked: true });
    expect(assessSender(['mx.example.com; spf=pass smtp.mailfrom=bounces@mail.empresa.mx; dmarc=none'], from, ['mx.example.com'])).toMatchObject({ verdict: 'pass' });
    // A DMARC verdict on another header.from: the server read another From (a second field, a syntax read apart), and
    // vouched for the attacker's domain; the From read here is not believed. The same domain in Punycode is this one.
    expect(assessSender(['mx.example.com; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example'], from, ['mx.example.com'])).toMatchObject({ trusted: false, verdict: 'fail', reason: expect.stringMatching(/not empresa\.mx: the server read another From address$/) });
    expect(assessSender(['mx.example.com; dmarc=none header.from=evil.example'], from, ['mx.example.com'])).toMatchObject({ trusted: false, verdict: 'fail' });
    expect(assessSender(['mx.example.com; dmarc=pass header.from=xn--compaia-8za.mx'], 'ana@compañia.mx', ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'pass' });
    expect(assessSender(['mx.example.com; dmarc=pass header.from=empresa.mx'], from, ['mx.example.com'])).toMatchObject({ verdict: 'pass' });
  });

  it('nothing trusted configured, or no header at all: the From address is taken as it is', () => {
    expect(assessSender([GMAIL_SPOOF], from, [])).toMatchObject({ trusted: true, verdict: 'none' });
    expect(assessSender([], from, ['mx.example.com'])).toMatchObject({ trusted: true, verdict: 'none' });
  });
});
