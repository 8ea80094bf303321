import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// AUTO_MAIL_LIMIT is a loop guard: another machine answering our automatic answers cannot make us mail it
// without end. A customer's scheduled mails (a reminder, the close of a pending ticket) answer no mail, so no
// machine can provoke them; capping them only lost them: an integrator's five tickets closing in one tick got
// three closing mails. Escalations stay capped per lead (a mail per breach of an outage would bury them).

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;
const ANA = 'ana@cliente.mx';
const LIMIT = { AUTO_MAIL_LIMIT: '3' };

describe('the loop guard and the scheduler\'s mails (AUTO_MAIL_LIMIT=3)', () => {
  it('five pending tickets of one customer: five reminders, five closing mails, and her next mail is still acknowledged', async () => {
    tt = await suite.start(MX('2026-11-23T08:00:00'), LIMIT);
    const numbers: number[] = [];
    // Opened an hour and a half apart: each acknowledgement in a window of its own.
    for (const [i, at] of ['08:00', '09:30', '11:00', '12:30', '14:00'].entries()) {
      const r = await tt.ingest(MX(`2026-11-23T${at}:00`), mail({ headers: { Subject: `Consulta ${i + 1}`, 'Message-ID': `<consulta-${i}@cliente.mx>` } }));
      numbers.push(r.ticketNumber as number);
    }
    expect(tt.take().filter((m) => m.to.includes(ANA))).toHaveLength(5);
    for (const n of numbers) await tt.agentReply(MX('2026-11-23T16:00:00'), n, '¿Nos envía el XML?', 'pending');
    tt.take();

    // 36 business hours later (Mon 4 h, Tue 12, Wed 12, Thu 8): Thu 26 Nov 16:00.
    await tt.tick(MX('2026-11-26T16:00:00'));
    expect(tt.take().map((m) => m.to)).toEqual(Array(5).fill([ANA]));
    // 60 business hours: Tue 1 Dec 16:00.
    await tt.tick(MX('2026-12-01T16:00:00'));
    const closing = tt.take();
    expect(closing).toHaveLength(5);
    for (const n of numbers) expect((await tt.ticket(n)).events.map((e) => e.type)).not.toContain('notice_capped');

    // The closes answered no mail of hers: her new mail in the same hour is acknowledged.
    const next = await tt.ingest(MX('2026-12-01T16:10:00'), mail({ headers: { Subject: 'Otra consulta', 'Message-ID': '<otra@cliente.mx>' } }));
    await tt.flush();
    expect(tt.take().map((m) => m.subject)).toEqual([expect.stringContaining(`[#${next.ticketNumber}]`)]);
  });

  it('a burst of SLA breaches: the lead gets AUTO_MAIL_LIMIT escalations an hour, the rest are on their tickets', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'), LIMIT);
    for (let i = 0; i < 5; i++) {
      await tt.ingest(MX(`2026-11-23T09:0${i}:00`), mail({ headers: { From: `cliente${i}@cliente${i}.mx`, Subject: 'Caída total', 'Message-ID': `<caida-${i}@cliente.mx>` }, body: 'No podemos facturar.\nImpacto: Alto\nUrgencia: Alta' }));
    }
    tt.take();
    // Urgent: first response within 2 business hours; 100% reached by 11:05 (level 1: lead@example.test).
    await tt.tick(MX('2026-11-23T11:10:00'));
    const toLead = tt.take().filter((m) => m.to.includes('lead@example.test'));
    const escalations = await tt.app.db.ticketEvent.count({ where: { type: { in: ['sla_warning', 'sla_breach'] } } });
    const capped = await tt.app.db.ticketEvent.count({ where: { type: 'notice_capped', detail: { startsWith: 'escalation to lead@example.test' } } });
    expect(toLead).toHaveLength(3);
    // The escalation that fills the lead's window says the next breaches are not mailed, and where they are.
    const says = 'Es el último aviso de escalamiento que se le enviará durante un máximo de 60 minutos';
    expect(toLead.map((m) => m.text.includes(says))).toEqual([false, false, true]);
    expect(toLead[2]?.text).toContain('Para verlos todos: ventanilla tickets list --breached');
    expect(escalations).toBeGreaterThanOrEqual(5);
    expect(toLead.length + capped).toBe(escalations);
    // The agent reading a capped one's event is told where every breach is.
    const event = await tt.app.db.ticketEvent.findFirst({ where: { type: 'notice_capped' } });
    expect(event?.detail).toBe(`escalation to lead@example.test: ${LIMIT.AUTO_MAIL_LIMIT} automatic mails already in the window; every ticket past its SLA: ventanilla tickets list --breached`);

    // The ones held back reach the lead in one digest once the window has room again, not before, and once.
    const cappedTickets = await tt.app.db.ticketEvent.findMany({ where: { type: 'notice_capped' }, select: { ticket: { select: { number: true } } }, orderBy: { id: 'asc' } });
    await tt.tick(MX('2026-11-23T11:40:00'));
    expect(tt.take().filter((m) => m.to.includes('lead@example.test'))).toEqual([]);
    await tt.tick(MX('2026-11-23T12:15:00'));
    const [digest, ...more] = tt.take().filter((m) => m.to.includes('lead@example.test'));
    expect(more).toEqual([]);
    const numbers = cappedTickets.map((e) => `#${e.ticket.number}`);
    expect(digest?.subject).toBe(`[Escalamiento] ${capped} avisos de SLA retenidos por el límite de correos: ${numbers.join(', ')}`);
    for (const n of numbers) expect(digest?.text).toMatch(new RegExp(`^${n} - Caída total\\n  SLA vencido, nivel 1; venció: lunes, 23 de noviembre de 2026, 11:0\\d a\\.m\\. \\(hora de Ciudad de México\\)\\. Estado ahora: Nuevo\\.$`, 'm'));
    expect(digest?.text).toContain('Los que siguen pendientes de respuesta: ventanilla tickets list --breached');
    // The lead's are gone; level 2 (the manager, at 150%) had its own burst at 12:15: two held for the manager's digest.
    const held = await tt.app.db.heldEscalation.findMany();
    expect(held.map((h) => [h.recipients, h.level])).toEqual([['["manager@example.test"]', 2], ['["manager@example.test"]', 2]]);
    await tt.tick(MX('2026-11-23T12:20:00'));
    expect(tt.take().filter((m) => m.to.includes('lead@example.test'))).toEqual([]);
  });
});

describe('the escalation digest during an outage that goes on (AUTO_MAIL_LIMIT=3)', () => {
  it('reaches the lead once the window has room, although new breaches are due at that very tick', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'), LIMIT);
    const outage = async (at: string, from: number) => {
      for (let i = from; i < from + 5; i++) {
        await tt.ingest(MX(`2026-11-23T${at}:0${i - from}:00`), mail({ headers: { From: `cliente${i}@cliente${i}.mx`, Subject: `Caída total ${i}`, 'Message-ID': `<caida-${i}@cliente.mx>` }, body: 'No podemos facturar.\nImpacto: Alto\nUrgencia: Alta' }));
      }
    };
    // Five urgent tickets at 09:0x, five more at 10:0x: first responses due at 11:0x and 12:0x.
    await outage('09', 0);
    await outage('10', 5);
    tt.take();
    await tt.tick(MX('2026-11-23T11:10:00'));
    expect(tt.take().filter((m) => m.to.includes('lead@example.test'))).toHaveLength(3);
    const heldAt1110 = (await tt.app.db.heldEscalation.findMany({ include: { ticket: true } })).map((h) => `#${h.ticket.number}`);
    expect(heldAt1110).toHaveLength(2);
    // 12:15: the 11:10 mails have left the window, and the second wave breaches at the same tick. The two held
    // since 11:10 must not wait behind it: whatever the lead is mailed now lists them.
    await tt.tick(MX('2026-11-23T12:15:00'));
    const toLead = tt.take().filter((m) => m.to.includes('lead@example.test'));
    const told = toLead.map((m) => `${m.subject}\n${m.text}`).join('\n');
    for (const n of heldAt1110) expect(told, `${n} held since 11:10`).toContain(n);
    // One mail: the second wave joins the digest instead of taking the room it waited for.
    expect(toLead.map((m) => m.subject)).toEqual([expect.stringMatching(/^\[Escalamiento\] 7 avisos de SLA retenidos/)]);
    expect(await tt.app.db.heldEscalation.count({ where: { recipients: '["lead@example.test"]' } })).toBe(0);
  });

  it('an answer to the digest opens no ticket: the lead is not made a customer, acknowledged and escalated to', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'), LIMIT);
    for (let i = 0; i < 5; i++) {
      await tt.ingest(MX(`2026-11-23T09:0${i}:00`), mail({ headers: { From: `cliente${i}@cliente${i}.mx`, Subject: 'Caída total', 'Message-ID': `<caida-${i}@cliente.mx>` }, body: 'No podemos facturar.\nImpacto: Alto\nUrgencia: Alta' }));
    }
    await tt.tick(MX('2026-11-23T11:10:00'));
    await tt.tick(MX('2026-11-23T12:15:00'));
    const [digest] = tt.take().filter((m) => m.subject.startsWith('[Escalamiento] 2 avisos'));
    expect(digest?.to).toEqual(['lead@example.test']);
    const tickets = await tt.app.db.ticket.count();
    const answered = await tt.answer(MX('2026-11-23T12:20:00'), digest!, 'Enterado, lo reviso con el equipo.', 'Lead <lead@example.test>');
    expect(answered).toMatchObject({ outcome: 'comment', ticketNumber: null });
    expect(await tt.app.db.ticket.count()).toBe(tickets);
    expect(tt.take()).toEqual([]);
  });
});
