// Is the From address of a mail the real sender? Ventanilla does not check SPF, DKIM or DMARC itself: the
// receiving server did, and wrote its verdict into an Authentication-Results header (RFC 8601). Anyone can
// write such a header too, so only those whose authserv-id (the first word) names one of our own servers
// (TRUSTED_AUTHSERV_IDS) are read; the others are ignored. Pure: no I/O.

import { domainToASCII } from 'node:url';

/** Microsoft 365 writes its Authentication-Results without an authserv-id; this name in TRUSTED_AUTHSERV_IDS trusts those. */
export const NO_AUTHSERV_ID = 'microsoft365';

export interface AuthResult {
  /** Lower case, without a version: "dmarc", "spf", "dkim", "compauth", "arc", ... */
  method: string;
  /** Lower case: "pass", "fail", "none", "softfail", "bestguesspass", ... */
  result: string;
  reason: string | null;
  /** ptype.property = value, e.g. "header.from" -> "example.com", "smtp.mailfrom" -> "a@example.com". */
  props: Record<string, string>;
}

export interface AuthenticationResults {
  /** The server that wrote the header, lower case; null when the header starts with a result (Microsoft 365). */
  authservId: string | null;
  results: AuthResult[];
}

export interface SenderAuthenticity {
  /** False only when a trusted server says the From address is forged. */
  trusted: boolean;
  /** 'pass' only with evidence for the From address's own domain (DMARC, or SPF or DKIM aligned with it). */
  verdict: 'pass' | 'fail' | 'none';
  /**
   * A trusted server reported on this mail. An administrator's commands then need a 'pass': a verdict of
   * 'none' there means the server found nothing that ties the mail to its From domain (stages/access.ts).
   */
  checked?: boolean;
  /** For the log and the inbound outcome: e.g. "dmarc=fail (mx.example.com)". */
  reason: string;
}

/** Replaces RFC 5322 comments "(...)" (nested, with quoted-pairs) by a space; quoted strings are kept as they are. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      if (depth === 0) out += ' ';
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (c === '(' && !quoted) {
      depth = 1;
      continue;
    }
    out += c;
  }
  return out;
}

/** Splits on ";" outside quoted strings. */
function segments(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && quoted) {
      current += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);

const PAIR = /([A-Za-z0-9][\w.\-/]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s";]*)/g;

function parseResinfo(segment: string): AuthResult | null {
  const pairs = [...segment.matchAll(PAIR)].map((m) => [m[1] as string, unquote(m[2] as string)] as const);
  const first = pairs[0];
  if (!first || first[1] === '') return null;
  const method = (first[0].split('/')[0] as string).toLowerCase();
  const result: AuthResult = { method, result: first[1].toLowerCase(), reason: null, props: {} };
  for (const [key, value] of pairs.slice(1)) {
    const name = key.toLowerCase();
    if (name === 'reason') result.reason = value;
    else if (!(name in result.props)) result.props[name] = value;
  }
  return result;
}

/** Parses one Authentication-Results value; null when it is not one (no authserv-id and no result). */
export function parseAuthenticationResults(value: string): AuthenticationResults | null {
  const parts = segments(withoutComments(value.replace(/\r?\n[ \t]*/g, ' ')));
  const head = parts[0] ?? '';
  let authservId: string | null;
  let rest: string[];
  if (/^[A-Za-z][\w\-/]*\s*=/.test(head)) {
    // Microsoft 365: "spf=pass (...) smtp.mailfrom=x; dkim=...; dmarc=...; compauth=pass reason=100".
    authservId = null;
    rest = parts;
  } else {
    const id = unquote(head.split(/\s+/)[0] ?? '').toLowerCase();
    if (!id) return null;
    authservId = id;
    rest = parts.slice(1);
  }
  const results: AuthResult[] = [];
  for (const part of rest) {
    // "none" (nothing was checked), and the bare receiving domains Microsoft puts between results.
    if (!part.includes('=')) continue;
    const r = parseResinfo(part);
    if (r) results.push(r);
  }
  if (authservId === null && results.length === 0) return null;
  return { authservId, results };
}

/** TRUSTED_AUTHSERV_IDS: "mx.example.com, Mx2.Example.com" -> lower-case names. */
export function parseTrustedAuthservIds(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
}

export function domainOfValue(value: string | undefined): string | null {
  if (!value) return null;
  const domain = value.slice(value.lastIndexOf('@') + 1).trim().toLowerCase().replace(/\.$/, '');
  // An internationalised domain as one form (Punycode): a server may write it so, and the parser give it in Unicode.
  return domain ? domainToASCII(domain) || domain : null;
}

/** Relaxed alignment, approximated: the same domain, or one a subdomain of the other. */
function aligned(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/**
 * The verdict on the From address from the headers of trusted servers: forged when a trusted server says
 * dmarc=fail (or Microsoft's compauth=fail); with no DMARC verdict, when SPF failed and no DKIM signature
 * of the From domain passed. Headers of servers not in `trustedIds` are ignored: anyone can write them.
 */
export function assessSender(headerValues: readonly string[], fromAddress: string, trustedIds: readonly string[]): SenderAuthenticity {
  const trusted = new Set(trustedIds.map((id) => id.toLowerCase()));
  const fromDomain = domainOfValue(fromAddress) ?? '';
  const found: Array<AuthResult & { by: string }> = [];
  for (const value of headerValues) {
    const parsed = parseAuthenticationResults(value);
    if (!parsed) continue;
    const by = parsed.authservId ?? NO_AUTHSERV_ID;
    if (!trusted.has(by)) continue;
    for (const r of parsed.results) found.push({ ...r, by });
  }
  if (found.length === 0) return { trusted: true, verdict: 'none', reason: 'no authentication results from a trusted server' };
  const conflict = conflictingReports(found);
  if (conflict) return { trusted: false, verdict: 'fail', reason: conflict, checked: true };
  return { ...verdictOf(found, fromDomain), checked: true };
}

/** Methods a server checks once per mail: one envelope sender, one From domain. */
const ONCE_PER_MAIL = new Set(['spf', 'dmarc', 'compauth']);

/**
 * Anyone can write a header in our server's name, below or above the real one (a filter may append its own at
 * the bottom), and not every server deletes them as RFC 8601 section 5 asks. Two verdicts of a method checked
 * once per mail, or "dkim=none" (no signature) beside a signature's verdict, mean one report came with the
 * mail: then none of them is believed. Reports the real server does not write at all cannot be told apart.
 */
function conflictingReports(found: Array<AuthResult & { by: string }>): string | null {
  const byMethod = new Map<string, Set<string>>();
  for (const r of found) {
    const key = `${r.by} ${r.method}`;
    const results = byMethod.get(key) ?? new Set<string>();
    results.add(r.result);
    byMethod.set(key, results);
  }
  for (const [key, results] of byMethod) {
    const [by, method] = key.split(' ') as [string, string];
    const twoVerdicts = ONCE_PER_MAIL.has(method) ? results.size > 1 : method === 'dkim' && results.has('none') && results.size > 1;
    if (twoVerdicts) return `conflicting reports of ${by}: ${[...results].map((result) => `${method}=${result}`).join(', ')}`;
  }
  return null;
}

/** Evidence about `domain`: the property names none, or names that domain (or a parent or a child of it). */
const about = (value: string | undefined, domain: string): boolean => {
  const named = domainOfValue(value);
  return named === null || aligned(named, domain);
};

function verdictOf(found: Array<AuthResult & { by: string }>, fromDomain: string): SenderAuthenticity {
  const show = (r: AuthResult & { by: string }) => `${r.method}=${r.result}${r.reason ? ` reason=${r.reason}` : ''} (${r.by})`;

  const dmarc = found.filter((r) => r.method === 'dmarc');
  const dmarcFail = dmarc.find((r) => r.result === 'fail');
  if (dmarcFail) return { trusted: false, verdict: 'fail', reason: show(dmarcFail) };
  const compauthFail = found.find((r) => r.method === 'compauth' && r.result === 'fail');
  if (compauthFail) return { trusted: false, verdict: 'fail', reason: show(compauthFail) };
  // DMARC is about the From field: a verdict on another domain means the server read another From than the one read
  // here (a second From field or address, a syntax two parsers read apart), and vouched for that one, the attacker's
  // own domain, not for this address. Taken as "says nothing", it left the customer's address believed.
  const elsewhere = dmarc.find((r) => !about(r.props['header.from'], fromDomain));
  if (elsewhere) return { trusted: false, verdict: 'fail', reason: `${show(elsewhere)} is about header.from=${domainOfValue(elsewhere.props['header.from'])}, not ${fromDomain}: the server read another From address` };
  const dmarcPass = dmarc.find((r) => (r.result === 'pass' || r.result === 'bestguesspass') && about(r.props['header.from'], fromDomain));
  if (dmarcPass) return { trusted: true, verdict: 'pass', reason: show(dmarcPass) };

  // No DMARC verdict (the domain publishes no policy, or the server does not check DMARC).
  const spf = found.filter((r) => r.method === 'spf');
  const dkim = found.filter((r) => r.method === 'dkim');
  const spfFail = spf.find((r) => r.result === 'fail');
  // SPF vouches for the envelope sender: a pass counts for the From address only when their domains align.
  const spfPass = spf.find((r) => r.result === 'pass' && domainOfValue(r.props['smtp.mailfrom']) !== null && about(r.props['smtp.mailfrom'], fromDomain));
  const dkimOfFrom = dkim.find((r) => r.result === 'pass' && about(r.props['header.d'] ?? r.props['header.i'], fromDomain));
  const dkimUnknown = dkim.some((r) => r.result === 'temperror');
  if (spfFail && !spf.some((r) => r.result === 'pass') && !dkimOfFrom && !dkimUnknown) {
    const dkimShown = dkim.length ? dkim.map((r) => `dkim=${r.result}`).join(', ') : 'no dkim';
    return { trusted: false, verdict: 'fail', reason: `${show(spfFail)}, ${dkimShown}` };
  }
  const evidence = dkimOfFrom ?? spfPass;
  if (evidence) return { trusted: true, verdict: 'pass', reason: show(evidence) };
  return { trusted: true, verdict: 'none', reason: found.map(show).join(', ') };
}
