import { expect } from 'vitest';
import type { IngestResult } from '../../src/ingest/pipeline.js';
import { showTicket, type MessageJson } from '../../src/store/ticket-queries.js';
import type { TestApp } from './app.js';

/** The customer's message on the ticket a mail opened (`tickets show`), as the agent reads it; the mail must have opened one. */
export async function openedMessage(app: TestApp, result: Pick<IngestResult, 'outcome' | 'ticketNumber'>): Promise<MessageJson> {
  expect(result.outcome).toBe('created');
  const ticket = await showTicket(app.db, result.ticketNumber as number);
  return ticket!.messages.find((m) => m.direction === 'in')!;
}
