import { describe, expect, it } from 'vitest';
import { decideThread, type ThreadInput, type TicketView } from '../../../src/domain/threading.js';

const ticketA: TicketView = { number: 1001, subject: 'Error al timbrar', status: 'open', requester: 'ana@cliente.mx', ccs: ['luis@cliente.mx'], organisationId: 1 };
const ticketB: TicketView = { number: 1002, subject: 'Factura', status: 'open', requester: 'bea@otra.com', ccs: [], organisationId: 2 };

function input(over: Partial<ThreadInput>): ThreadInput {
  return { sender: 'ana@cliente.mx', senderOrganisationId: 1, subject: 'RE: [#1001] Error al timbrar', headerMatches: [], plusAddressTicket: null, subjectTagTicket: null, ...over };
}

describe('thread matching in layers', () => {
  it('no reference at all: a new ticket', () => {
    expect(decideThread(input({}))).toEqual({ kind: 'new', reason: 'no-reference' });
  });
  it('layer 1: In-Reply-To wins over everything else', () => {
    const d = decideThread(input({ headerMatches: [{ ticket: ticketA, via: 'in-reply-to', signed: true }], subjectTagTicket: ticketB, plusAddressTicket: ticketB }));
    expect(d).toMatchObject({ kind: 'existing', via: 'in-reply-to', ticket: { number: 1001 } });
  });
  it('layer 1: References alone, from anyone, when they name one ticket', () => {
    const d = decideThread(input({ sender: 'nuevo@desconocido.com', senderOrganisationId: null, headerMatches: [{ ticket: ticketA, via: 'references', signed: false }] }));
    expect(d).toMatchObject({ kind: 'existing', via: 'references', ticket: { number: 1001 } });
  });
  it('shared References naming two tickets: the newest, for a participant', () => {
    const matches = [
      { ticket: ticketA, via: 'references' as const, signed: true },
      { ticket: ticketB, via: 'references' as const, signed: true },
    ];
    expect(decideThread(input({ headerMatches: matches }))).toMatchObject({ kind: 'existing', ticket: { number: 1001 } });
  });
  it('shared References naming two tickets, from a stranger: not joined to either', () => {
    const matches = [
      { ticket: ticketA, via: 'references' as const, signed: true },
      { ticket: ticketB, via: 'references' as const, signed: true },
    ];
    expect(decideThread(input({ sender: 'x@tercero.com', senderOrganisationId: null, headerMatches: matches }))).toEqual({ kind: 'new', reason: 'ambiguous-references' });
  });
  it('a forward by a stranger does not join the forwarded ticket, even with its headers', () => {
    const d = decideThread(input({ sender: 'x@tercero.com', senderOrganisationId: null, subject: 'RV: Error al timbrar', headerMatches: [{ ticket: ticketA, via: 'in-reply-to', signed: true }] }));
    expect(d).toEqual({ kind: 'new', reason: 'forward-from-stranger' });
  });
  it('a forward by a participant stays on the ticket', () => {
    const d = decideThread(input({ sender: 'luis@cliente.mx', subject: 'RV: Error al timbrar', headerMatches: [{ ticket: ticketA, via: 'references', signed: true }] }));
    expect(d).toMatchObject({ kind: 'existing', ticket: { number: 1001 } });
  });
  it('layer 2: the signed plus-address', () => {
    expect(decideThread(input({ plusAddressTicket: ticketA }))).toMatchObject({ kind: 'existing', via: 'plus-address' });
  });
  it('layer 3: the subject tag from the requester, a CC, or a colleague of the same organisation', () => {
    for (const [sender, org] of [['ana@cliente.mx', null], ['LUIS@cliente.mx', null], ['jefa@cliente.mx', 1]] as const) {
      expect(decideThread(input({ sender, senderOrganisationId: org, subjectTagTicket: ticketA })), sender).toMatchObject({ kind: 'existing', via: 'subject-tag' });
    }
  });
  it('layer 3: the subject tag from a stranger is ignored', () => {
    expect(decideThread(input({ sender: 'x@tercero.com', senderOrganisationId: 9, subjectTagTicket: ticketA }))).toEqual({ kind: 'new', reason: 'tag-from-stranger' });
  });
  it('an answer to our mail under a subject of its own, our tag gone: a new ticket, unless machine-written', () => {
    const ours = { headerMatches: [{ ticket: ticketA, via: 'in-reply-to' as const, signed: true }], plusAddressTicket: ticketA };
    expect(decideThread(input({ ...ours, subject: 'RE: Consulta sobre nómina' }))).toEqual({ kind: 'new', reason: 'new-subject' });
    expect(decideThread(input({ plusAddressTicket: ticketA, subject: 'Consulta sobre nómina' }))).toEqual({ kind: 'new', reason: 'new-subject' });
    expect(decideThread(input({ ...ours, subject: 'Estoy de vacaciones', automatic: true }))).toMatchObject({ kind: 'existing', ticket: { number: 1001 } });
    expect(decideThread(input({ ...ours, subject: 'Gracias', onlyThanks: () => true }))).toMatchObject({ kind: 'existing', ticket: { number: 1001 } });
    for (const subject of ['RE: [#1001] nómina', 'RE: sigue el ERROR AL TIMBRAR', 'RE:']) {
      expect(decideThread(input({ ...ours, subject })), subject).toMatchObject({ kind: 'existing', ticket: { number: 1001 } });
    }
    // A stored Message-ID of the customer's own thread: its subjects are the customer's, not ours.
    const theirs = [{ ticket: ticketA, via: 'in-reply-to' as const, signed: false }];
    expect(decideThread(input({ headerMatches: theirs, subject: 'RE: lo que hablamos' }))).toMatchObject({ kind: 'existing', ticket: { number: 1001 } });
  });
  it('a refused header layer still lets a valid tag from a participant match', () => {
    const d = decideThread(input({ sender: 'luis@cliente.mx', headerMatches: [{ ticket: ticketB, via: 'references', signed: false }, { ticket: ticketA, via: 'references', signed: false }], subjectTagTicket: ticketA }));
    expect(d).toMatchObject({ kind: 'existing', via: 'subject-tag', ticket: { number: 1001 } });
  });
});

describe('a From address that failed authentication (senderTrusted: false)', () => {
  const forged = (over: Partial<ThreadInput>) => input({ senderTrusted: false, ...over });
  it('layer 3 is skipped: the subject tag matches no ticket, even "from" its requester', () => {
    expect(decideThread(forged({ subjectTagTicket: ticketA }))).toEqual({ kind: 'new', reason: 'tag-from-unauthenticated' });
    expect(decideThread(input({ subjectTagTicket: ticketA }))).toMatchObject({ kind: 'existing', via: 'subject-tag' });
    expect(decideThread(input({ senderTrusted: true, subjectTagTicket: ticketA }))).toMatchObject({ kind: 'existing', via: 'subject-tag' });
  });
  it('its identity makes no one a participant: a forged forward does not join, forged shared References are ambiguous', () => {
    expect(decideThread(forged({ subject: 'RV: Error al timbrar', headerMatches: [{ ticket: ticketA, via: 'in-reply-to', signed: true }] }))).toEqual({ kind: 'new', reason: 'forward-from-stranger' });
    const matches = [
      { ticket: ticketA, via: 'references' as const, signed: true },
      { ticket: ticketB, via: 'references' as const, signed: true },
    ];
    expect(decideThread(forged({ headerMatches: matches }))).toEqual({ kind: 'new', reason: 'ambiguous-references' });
  });
  it('what does not depend on who the sender is still works: a direct reply, the signed plus-address', () => {
    expect(decideThread(forged({ headerMatches: [{ ticket: ticketA, via: 'in-reply-to', signed: true }] }))).toMatchObject({ kind: 'existing', via: 'in-reply-to' });
    expect(decideThread(forged({ plusAddressTicket: ticketA }))).toMatchObject({ kind: 'existing', via: 'plus-address' });
  });
});
