import { parserHeaderEnd } from './header-end.js';
import type { InboundMail } from './parse.js';
import { UTF7_SCAN_BYTES } from './raw-head.js';

// A mail of LF or CRLF lines with one field line ended by a bare CR is read the old Mac way (raw-head.ts
// bareCrsEndLines), its bare CRs line ends: anyone can write one on purpose. The servers in front of the desk read
// it the LF way: the trusted server removed the Authentication-Results in its name it saw and wrote its own, checked
// DMARC on the From it saw, a list appended its fields below the block it saw. Read the Mac way, text a server took
// for part of a field ("Subject: x\rAuthentication-Results: ...pass") is a field of its own, and a bare-CR empty
// line ("\r\n\rX: y") ends the block before the fields a list appended. So the fields that decide trust are read both
// ways and the more cautious taken (as from-fields.ts counts From fields): Authentication-Results only as the
// servers read them; each field the servers read is kept, their values first; a From or Reply-To read only the Mac
// way is marked, for nothing to vouch for it (stages/unseen-from.ts, web-form.ts).
//
// A field line of the LF reading that holds a bare CR is not one a server wrote (a relay writes LF or CRLF lines):
// it is the Mac part, read as one line; but for a CR ending it (`\r\r\n`), which hides no field. An old Mac mail
// with no LF in its block has no field the LF way, and reads as before. Any other mail comes here with its CR CR LF
// line ends made CRLFs, as the servers read them (cr-cr-lf.ts): only an old Mac mail's are seen here.

/** The header fields as a reader of LF lines reads them (mailsplit's rules), by lower-case name, values unfolded. */
export function lfReadFields(raw: Buffer): Map<string, string[]> {
  const head = raw.subarray(0, UTF7_SCAN_BYTES).toString('latin1');
  const block = head.slice(0, parserHeaderEnd(head)?.head ?? head.length);
  const fields = new Map<string, string[]>();
  // A block without a bare CR reads the same either way (nearly every mail: nothing more is read).
  if (!/\r(?!\n)/.test(block)) return fields;
  // A CR just before a line's end (a broken mailer's CR CR LF) hides nothing: the servers read that line's field.
  const lines = block.split(/\r?\n/).map((line) => line.replace(/\r$/, ''));
  for (let at = 0; at < lines.length; at++) {
    let line = lines[at] as string;
    while (at + 1 < lines.length && /^[ \t]/.test(lines[at + 1] as string)) line += ` ${(lines[++at] as string).replace(/^[ \t]+/, '')}`;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.includes('\r')) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/**
 * The fields `read` (by a reader taking bare CRs for line ends) with those the servers read (`lfReadFields`) first, and
 * only theirs of Authentication-Results; `unseen`: a field of that name is read only the Mac way.
 */
export function withRelaysReading(read: Map<string, string[]>, lf: Map<string, string[]>): { headers: Map<string, string[]>; unseen: (name: string) => boolean } {
  const same = (a: string, b: string) => a.replace(/\s+/g, ' ') === b.replace(/\s+/g, ' ');
  const headers = new Map(read);
  for (const [name, seen] of lf) headers.set(name, [...seen, ...(read.get(name) ?? []).filter((v) => !seen.some((s) => same(v, s)))]);
  // Only the reports the servers read: one hidden from them was not removed by the server it names.
  const reports = lf.get('authentication-results');
  if (reports) headers.set('authentication-results', reports);
  else headers.delete('authentication-results');
  return { headers, unseen: (name) => (read.get(name) ?? []).some((v) => !(lf.get(name) ?? []).some((seen) => same(v, seen))) };
}

/** The mail's trust fields as the servers read them too, when it was read with its bare CRs as line ends or its header holds one. */
export function withFieldsRelaysSaw(mail: InboundMail, raw: Buffer): InboundMail {
  const lf = lfReadFields(raw);
  if (lf.size === 0) return mail;
  const { headers, unseen } = withRelaysReading(mail.headers, lf);
  return {
    ...mail,
    headers,
    ...(unseen('from') ? { fromUnseenByServers: true as const } : {}),
    ...(unseen('reply-to') ? { replyTo: [] } : {}),
  };
}
