import { domainOfValue, NO_AUTHSERV_ID, parseAuthenticationResults, type SenderAuthenticity } from './authenticity.js';

// A From field read only with the mail's bare CRs as line ends ("Subject: x\rFrom: luis@empresa.mx" in a CRLF mail,
// fields-relays-saw.ts): the trusted server, reading LF lines, did not see it, and checked DMARC on no From or on
// another: that nothing it wrote speaks against the address says nothing. Believed only when a trusted server's
// DMARC verdict names the address's domain (it read that From, as it may have in an old Mac mail's first line).
// Without any report of a trusted server, no mail's From is checked, and this one is taken as any other.

/** The authenticity of a mail's From (`verdict`), doubted when the trusted servers did not read it as a field. */
export function believedIfSeen(mail: { fromUnseenByServers?: true; headers?: Map<string, string[]> }, verdict: SenderAuthenticity, fromAddress: string, trustedIds: readonly string[]): SenderAuthenticity {
  if (!mail.fromUnseenByServers || !verdict.trusted || !verdict.checked) return verdict;
  const reports = mail.headers?.get('authentication-results') ?? [];
  const domain = domainOfValue(fromAddress);
  const trusted = new Set(trustedIds.map((id) => id.toLowerCase()));
  const readIt = reports
    .map(parseAuthenticationResults)
    .some((report) => report && trusted.has(report.authservId ?? NO_AUTHSERV_ID) && report.results.some((r) => r.method === 'dmarc' && domainOfValue(r.props['header.from']) === domain));
  if (readIt) return verdict;
  return { trusted: false, verdict: 'none', checked: true, reason: 'its From field is read only with its bare CRs as line ends, where the trusted server did not read it: nothing authenticated it' };
}
