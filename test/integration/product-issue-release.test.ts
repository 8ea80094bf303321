import { describe, expect, it } from 'vitest';
import { releaseProductIssue } from '../../src/lifecycle/product-issue-release.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// A product issue's release solves the tickets on hold for it (DOMAIN.md rule 2), and each customer is told.
// Mexico City, UTC-6; Mon-Fri 08-20.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;
const ANA = 'ana@cliente.mx';

/** `product-issue release REF` at `local` time, then what reached the customer. */
async function release(local: string, issueRef: string): Promise<{ solved: number[]; resumedFrom?: Date; mails: SeenMail[] }> {
  await tt.tick(MX(local));
  tt.take();
  const { solved, resumedFrom } = await releaseProductIssue(tt.app, { issueRef, actor: 'agent:dev', now: tt.now() });
  await tt.flush();
  return { solved, resumedFrom, mails: tt.take() };
}

describe('a product issue released twice for the same ticket', () => {
  it('tells the customer each time: the fix failed, the ticket waited for the same issue again, and was solved again', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const created = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado falla' } }));
    const number = created.ticketNumber as number;
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Es un defecto del producto.', 'on_hold', 'BUG-1');
    tt.take();

    const first = await release('2026-11-24T10:00:00', 'BUG-1');
    expect(first.solved).toEqual([number]);
    expect(first.mails).toMatchObject([{ to: [ANA], subject: `Re: [#${number}] Timbrado falla` }]);
    expect(first.mails[0]?.text).toContain('La corrección BUG-1 del producto ya está disponible.');

    // The fix does not work for the customer: the ticket is reopened and waits for the same issue, reopened by the squad.
    expect((await tt.answer(MX('2026-11-24T11:00:00'), first.mails[0] as SeenMail, 'Sigue fallando con la versión nueva.')).outcome).toBe('reopened');
    await tt.agentReply(MX('2026-11-24T12:00:00'), number, 'El equipo de producto reabrió la corrección.', 'on_hold', 'BUG-1');
    tt.take();

    const second = await release('2026-11-26T10:00:00', 'BUG-1');
    expect(second.solved).toEqual([number]);
    // Before: the second release reused the first one's key, so the ticket was solved without a word to the
    // customer, and closed 84 business hours later for lack of a validation nobody had asked for.
    expect(second.mails).toMatchObject([{ to: [ANA], subject: `Re: [#${number}] Timbrado falla` }]);
    expect(second.mails[0]?.text).toMatch(/lunes, 7 de diciembre de 2026,? 10:00/); // 84 business hours to validate it
    expect((await tt.ticket(number)).status).toBe('solved');
  });
});

/**
 * The app as `product-issue release` has it, killed once `committed` tickets' transactions committed: the next
 * one fails before its commit (what a SIGKILL there leaves), and nothing after it runs.
 */
function killedAfter(committed: number): typeof tt.app {
  let solved = 0;
  const lifecycle = { ...tt.app.lifecycle, afterSolved: async () => {
    if (++solved > committed) throw new Error('killed');
  } };
  return { ...tt.app, lifecycle };
}

describe('a product issue release killed after its first ticket', () => {
  const onHold = async (customers: string[]): Promise<number[]> => {
    const numbers = [];
    for (const [i, from] of customers.entries()) {
      const created = await tt.ingest(MX(`2026-11-23T09:0${i}:00`), mail({ headers: { From: from, Subject: `Timbrado ${i}` } }));
      numbers.push(created.ticketNumber as number);
      await tt.agentReply(MX(`2026-11-23T10:0${i}:00`), created.ticketNumber as number, 'Es un defecto del producto.', 'on_hold', 'BUG-7');
    }
    tt.take();
    return numbers;
  };
  const customers = ['ana@cliente.mx', 'luis@otra.mx', 'eva@tercera.mx'];
  const statuses = async (numbers: number[]) => Promise.all(numbers.map(async (n) => (await tt.ticket(n)).status));

  it('is finished by the daemon\'s next tick: every ticket solved, each customer told once', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const numbers = await onHold(customers);
    await tt.tick(MX('2026-11-24T10:00:00'));
    await expect(releaseProductIssue(killedAfter(1), { issueRef: 'BUG-7', actor: 'agent:dev', now: tt.now() })).rejects.toThrow('killed');
    expect(await statuses(numbers)).toEqual(['solved', 'on_hold', 'on_hold']);

    await tt.tick(MX('2026-11-24T10:00:30'));
    expect(await statuses(numbers)).toEqual(['solved', 'solved', 'solved']);
    const mails = tt.take();
    expect(mails.map((m) => m.to[0]).sort()).toEqual([...customers].sort());
    for (const m of mails) expect(m.text).toContain('La corrección BUG-7 del producto ya está disponible.');

    // Later ticks, and the command run again, do nothing more.
    await tt.tick(MX('2026-11-24T10:01:00'));
    expect((await release('2026-11-24T10:02:00', 'BUG-7')).mails).toEqual([]);
  });

  it('is finished by the same command run again, which says so and lists every ticket the release solved', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const numbers = await onHold(customers);
    await tt.tick(MX('2026-11-24T10:00:00'));
    const killedAt = tt.now();
    await expect(releaseProductIssue(killedAfter(1), { issueRef: 'BUG-7', actor: 'agent:dev', now: killedAt })).rejects.toThrow('killed');

    // Run again before any daemon's tick (none runs on this desk, or it is down).
    const again = await releaseProductIssue(tt.app, { issueRef: 'BUG-7', actor: 'agent:dev', now: killedAt });
    expect(again).toEqual({ solved: numbers, resumedFrom: killedAt });
    await tt.flush();
    expect(tt.take().map((m) => m.to[0]).sort()).toEqual([...customers].sort());
    expect(await statuses(numbers)).toEqual(['solved', 'solved', 'solved']);
  });
});
