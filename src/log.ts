import { pino, type Logger } from 'pino';

// Logs go to stderr so that the CLI's stdout (tables, --json) stays machine-readable.
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'ventanilla' }, serializers: { err: errorForLog } }, pino.destination(2));
}

/**
 * An error as logged: pino's own serializer, but a TLS certificate it carries (Node's check of the server's name
 * puts the whole peer certificate on its error, its raw bytes and key included: ~5 KB on every reconnection line
 * of a mailbox whose certificate names another host) is cut to what an operator reads to fix it.
 */
export function errorForLog(error: unknown): unknown {
  const logged = pino.stdSerializers.err(error as Error) as unknown;
  if (!logged || typeof logged !== 'object' || !('cert' in logged)) return logged;
  const cert = (logged as { cert?: unknown }).cert as { subject?: { CN?: unknown }; subjectaltname?: unknown; issuer?: { CN?: unknown }; valid_to?: unknown; fingerprint256?: unknown } | undefined;
  return {
    ...logged,
    cert: cert && typeof cert === 'object' ? { subject: cert.subject?.CN, altNames: cert.subjectaltname, issuer: cert.issuer?.CN, validTo: cert.valid_to, fingerprint256: cert.fingerprint256 } : cert,
  };
}

export type { Logger };
