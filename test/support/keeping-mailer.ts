import type { Mailer, OutgoingMail } from '../../src/outbound/mailer.js';

/** A mail server that keeps what it is given, recorded as sent as a real one is (before the end of the mail). */
export function keepingMailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return {
    kind: 'file',
    sent,
    send: async (m, options) => {
      await options?.confirm?.();
      sent.push(m);
      return { response: 'kept' };
    },
    close: () => undefined,
  };
}
