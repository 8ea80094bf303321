import type { RefusedRecipient } from './mailer.js';

// What an error from nodemailer's SMTP transport says about a mail: final (5xx), worth another try later
// (4xx, a connection that broke mid-mail), or not about the mail at all but about the server or our account
// with it (unreachable, refused our login): then every other mail would fail the same way.

interface SmtpError {
  code?: string;
  /** The system error's code under nodemailer's own (ECONNECTION over ECONNREFUSED). */
  originalCode?: string;
  /** Which of nodemailer's timers ran out: connecting, the greeting, the TLS handshake, or a quiet socket. */
  timeoutType?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** For the outbox row's lastError and the log: nodemailer's code, the server's reply, on one line (`outbox list`). */
export function describeSmtpError(error: unknown): string {
  const e = error as SmtpError;
  // OpenSSL's text for a server that answered TLS in clear names a C file, not what to change.
  const text = e.originalCode === 'ERR_SSL_WRONG_VERSION_NUMBER'
    ? 'the server does not speak TLS on SMTP_PORT from the start: set SMTP_SECURE=false for a port such as 587 or 25 (STARTTLS), or SMTP_PORT to its TLS port (465)'
    : (e.response ?? e.message);
  const said = [e.code, e.originalCode, e.responseCode, text].filter(Boolean).join(' ') || String(error);
  return said.replace(/\s+/g, ' ').trim();
}

/**
 * TLS that failed as the connection opened (SMTP_SECURE=true against a plain port, a certificate not trusted on
 * port 465, no protocol in common): only the codes of a handshake. nodemailer names every socket error ESOCKET with
 * command CONN, whenever it comes, so a TLS record broken while a mail is written (ERR_SSL_DECRYPTION_FAILED...,
 * BAD_RECORD_MAC) stays that mail's try, which may have reached the server.
 */
function isTlsSetupFailure(e: SmtpError): boolean {
  const code = e.originalCode ?? '';
  if (e.command !== 'CONN' || !code) return false;
  if (/^ERR_SSL_(WRONG_VERSION_NUMBER|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|.*ALERT_(HANDSHAKE_FAILURE|PROTOCOL_VERSION|UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_\w+))$/.test(code)) return true;
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/.test(code);
}

/** 5xx from the server is final; everything else (connection refused, timeouts, 4xx) may pass later. */
export function isPermanentCode(code: number | undefined): boolean {
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * A recipient refused at RCPT TO for good. Not a 552 there: RFC 821 listed 552 for "too many recipients", and
 * RFC 5321 4.5.3.1.10 says clients SHOULD take it as 452, for now (servers still answer so, or so for a full
 * mailbox); read as final, the copy past a server's limit never got its mail.
 */
export function isPermanentRecipientCode(code: number | undefined): boolean {
  return isPermanentCode(code) && code !== 552;
}

export function isPermanentError(error: unknown): boolean {
  const e = error as SmtpError;
  return e.command === 'RCPT TO' ? isPermanentRecipientCode(e.responseCode) : isPermanentCode(e.responseCode);
}

const ACCOUNT_OR_TLS = new Set(['EAUTH', 'ENOAUTH', 'EDNS', 'ETLS']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const SETUP_TIMEOUTS = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);

/**
 * True when the failure came before any mail could be offered: the server cannot be reached or greets us with
 * a refusal, TLS fails, or it refuses our login (535) or wants one (530); 421 is the server closing its
 * service (RFC 5321 4.2.3). Not a connection that broke during a mail (that mail is retried alone).
 */
export function isServerProblem(error: unknown): boolean {
  const e = error as SmtpError;
  if (ACCOUNT_OR_TLS.has(e.code ?? '') || UNREACHABLE.has(e.originalCode ?? '') || SETUP_TIMEOUTS.has(e.timeoutType ?? '') || isTlsSetupFailure(e)) return true;
  if (e.code === 'EPROTOCOL' && e.command === 'CONN') return true;
  if (e.command === 'EHLO' || e.command === 'HELO') return true;
  return e.responseCode === 421 || e.responseCode === 530;
}

/** nodemailer's codes for the server's "no" (to MAIL FROM, RCPT TO, DATA or the end of the mail) or its own, sending nothing. */
const REFUSED = new Set(['EENVELOPE', 'EMESSAGE']);
/** Failures of the session's setup, before any mail: DNS, TLS, the login, a pool with no login for it. */
const BEFORE_ANY_MAIL = new Set(['EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EREQUIRETLS']);
const SETUP_COMMANDS = new Set(['EHLO', 'HELO', 'LHLO', 'STARTTLS']);

/**
 * Whether a failed try may have left the mail with a reader all the same. Not when the server said no (a 4xx or 5xx
 * reply to MAIL FROM, to every RCPT TO, to DATA or to the end of the mail; a failure reply it closed the connection
 * with), nor when the mail never got that far (no connection, no greeting, TLS or the login failed, nodemailer
 * refused it before sending). A connection lost or gone quiet while the mail was on its way, its end perhaps sent
 * and the server's answer lost (RFC 1047), may have; so may any error of a shape not known here. Whether the end was
 * sent this error does not say (nodemailer fails a connection lost mid-message and one lost after its end alike:
 * ECONNECTION or ESOCKET, command CONN, no reply): the drainer does, by its record the end waits for (drainer.ts).
 */
export function mayHaveDelivered(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const e = error as SmtpError;
  const code = e.code ?? '';
  if (REFUSED.has(code) || BEFORE_ANY_MAIL.has(code)) return false;
  if (UNREACHABLE.has(e.originalCode ?? '') || SETUP_TIMEOUTS.has(e.timeoutType ?? '') || isTlsSetupFailure(e)) return false;
  if (SETUP_COMMANDS.has(e.command ?? '') || e.command?.startsWith('AUTH ')) return false;
  // nodemailer's own checks before it writes (a connection closed already, a message stream that failed).
  if (e.command === 'API') return false;
  // The server's failure reply, read as it closed the connection: the mail it answered was not taken.
  return !(code === 'ECONNECTION' && typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 600);
}

/**
 * The recipients nodemailer's envelope says the server refused (each error carries `recipient` and the reply): on
 * the result of a mail some took, or on the error of one all refused.
 */
export function refusedOf(info: object): RefusedRecipient[] {
  const errors = (info as { rejectedErrors?: Array<{ recipient?: string; responseCode?: number; response?: string; message?: string }> }).rejectedErrors ?? [];
  return errors.map((e) => ({ address: e.recipient ?? '', responseCode: e.responseCode, response: e.response ?? e.message ?? '' }));
}
