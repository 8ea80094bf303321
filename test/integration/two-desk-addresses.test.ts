// One mail written to two of the desk's addresses: the support address and the bulletin address (BULLETIN_ADDRESS,
// delivered to the same mailbox). It is a request to the desk unless it is a bulletin command.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test' });
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });

describe('a mail to the support address and the bulletin address', () => {
  it('a question is a ticket, acknowledged, whichever of the two it names in To', async () => {
    const first = await ingest(mail({ headers: { To: 'soporte@example.test, boletin@example.test', Subject: 'No puedo timbrar' } }));
    expect(first).toMatchObject({ outcome: 'created' });
    // A question about a bulletin, answered to it with the support address added.
    const body = '¿Cómo aplico esta reforma en el sistema?';
    const second = await ingest(mail({ headers: { To: 'boletin@example.test', Cc: 'soporte@example.test', Subject: 'RE: Reforma fiscal 2027', 'In-Reply-To': '<b1@example.test>' }, body }));
    expect(second).toMatchObject({ outcome: 'created' });
    const t = await showTicket(app.db, second.ticketNumber as number);
    expect(t?.ccs).toEqual([]);
    expect(t?.messages.map((m) => m.direction)).toEqual(['in', 'out']);
  });

  it('a bulletin command stays a command, and the support address alone is never read for one', async () => {
    const command = await ingest(mail({ headers: { To: 'boletin@example.test', Cc: 'soporte@example.test', Subject: 'SUSCRIBIR MX' } }));
    expect(command).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null });
    // No command, to the bulletin address alone: a request to the desk all the same ("Hola, necesito ayuda.").
    expect(await ingest(mail({ headers: { To: 'boletin@example.test', Subject: 'Hola' } }))).toMatchObject({ outcome: 'created' });
    expect(await ingest(mail({ headers: { To: 'soporte@example.test', Subject: 'SUSCRIBIR MX' } }))).toMatchObject({ outcome: 'created' });
  });
});
