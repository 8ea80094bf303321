import { mail } from './app.js';
import type { SeenMail, TimeTravel } from './time-travel.js';

const MX = (local: string) => `${local}-06:00`;

/**
 * Ana's ticket, opened Thu 12 Nov 2026 09:00 Mexico City, moved by an agent's answer at 10:00 (its window from
 * then): the mail that asked her (pending) or gave the solution (solved), which she answers.
 */
export async function ticketAnswered(tt: TimeTravel, subject: string, status: 'pending' | 'solved'): Promise<{ number: number; asked: SeenMail }> {
  const r = await tt.ingest(MX('2026-11-12T09:00:00'), mail({ headers: { Subject: subject } }));
  const number = r.ticketNumber as number;
  await tt.agentReply(MX('2026-11-12T10:00:00'), number, status === 'pending' ? '¿Nos envía el XML de la factura?' : 'Corregimos el certificado.', status);
  const asked = tt.take().at(-1) as SeenMail;
  return { number, asked };
}
