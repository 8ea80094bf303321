import Database from '../../src/store/sqlite-driver.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { policiesFromConfig } from '../../src/policy.js';
import { migrateDatabase, PAGE_SIZE, readMigrations } from '../../src/store/migrator.js';
import { note, rng, wallMs } from './lib.js';

// Large ticket databases for the scheduler benchmark, written with plain SQL through better-sqlite3 on a file
// migrated by the gateway's own migrator, and cached under os.tmpdir() keyed by the migration checksums, the page size (and
// this generator's version), so a changed schema or generator builds them again.
//
// Every ticket has its requester (Contact rows, some in organisations) and one inbound message; `due` tickets,
// evenly spread over the table, are due at NOW: half for the lifecycle timers (pending reminders, pending and
// solved auto-close), half for the SLA checks (first-response warnings and breaches). Every other ticket is in
// a state a real database has: mostly closed, some open with a future SLA check, some pending or solved with a
// future timer, a few on hold.

const GENERATOR_VERSION = 3;
/** The instant the tick runs at: a Wednesday, 12:00 in Mexico City (business hours, no holiday). */
export const TICK_NOW = new Date('2026-12-02T18:00:00.000Z');
const CACHE_ROOT = join(tmpdir(), 'ventanilla-bench-cache');

/** Prisma's SQLite text form of a DateTime (what the better-sqlite3 adapter writes and compares). */
const sqlDate = (d: Date) => d.toISOString().replace('Z', '+00:00');

function cacheKey(tickets: number, due: number): string {
  const migrations = readMigrations().map((m) => `${m.name}:${m.checksum}`).join('\n');
  return createHash('sha256').update(`${migrations}\npage ${PAGE_SIZE}\nv${GENERATOR_VERSION}\n${TICK_NOW.toISOString()}`).digest('hex').slice(0, 16) + `-${tickets}-${due}`;
}

export interface TicketDb {
  path: string;
  tickets: number;
  due: number;
  cached: boolean;
  bytes: number;
}

/** The path of a pristine database with `tickets` tickets, `due` of them due at TICK_NOW (built once, then cached). */
export function ticketDatabase(tickets: number, due: number): TicketDb {
  const key = cacheKey(tickets, due);
  const dir = join(CACHE_ROOT, key.split('-')[0] as string);
  const path = join(dir, `tickets-${tickets}-due-${due}.db`);
  if (existsSync(`${path}.ok`)) return { path, tickets, due, cached: true, bytes: fileSize(path) };
  // Databases of an older schema or generator are never used again.
  if (existsSync(CACHE_ROOT)) for (const old of readdirSync(CACHE_ROOT)) if (/^[0-9a-f]{16}$/.test(old) && join(CACHE_ROOT, old) !== dir) rmSync(join(CACHE_ROOT, old), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = wallMs();
  const temp = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(temp + suffix, { force: true });
  migrateDatabase(temp);
  generate(temp, tickets, due);
  renameSync(temp, path);
  writeFileSync(`${path}.ok`, new Date().toISOString());
  note(`scheduler: built ${path} in ${((wallMs() - t0) / 1000).toFixed(1)} s`);
  return { path, tickets, due, cached: false, bytes: fileSize(path) };
}

const fileSize = (path: string) => statSync(path).size;

/** Instants `hours` business hours before `now` (to within a minute), from the gateway's own business calendar. */
function businessHoursAgo(now: Date, hours: number): Date {
  const { calendar } = policiesFromConfig(loadConfig({}, { dotenv: false }));
  let t = now.getTime();
  while (calendar.businessHoursBetween(new Date(t), now) < hours) t -= 3_600_000;
  while (calendar.businessHoursBetween(new Date(t + 60_000), now) >= hours) t += 60_000;
  return new Date(t);
}

function generate(path: string, tickets: number, due: number): void {
  const { calendar } = policiesFromConfig(loadConfig({}, { dotenv: false }));
  const now = TICK_NOW;
  const random = rng(tickets * 31 + due);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -400000');

  // Secondary indexes are dropped while loading and created again from their own SQL afterwards (faster).
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('Ticket', 'Message', 'Contact')").all() as Array<{ name: string; sql: string }>;
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);

  const organisations = 50;
  const contacts = Math.max(due + 100, Math.round(tickets / 5));
  const locales = ['es', 'es', 'pt', 'en', null] as const;
  const countries = ['MX', 'MX', 'BR', 'US', 'CO'] as const;

  const insertOrg = db.prepare('INSERT INTO Organisation (id, name, country, slaPlan, createdAt) VALUES (?, ?, ?, ?, ?)');
  const insertDomain = db.prepare('INSERT INTO OrganisationDomain (domain, organisationId) VALUES (?, ?)');
  const insertContact = db.prepare('INSERT INTO Contact (id, email, name, locale, country, role, organisationId, createdAt, authorised) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)');
  const insertTicket = db.prepare(`INSERT INTO Ticket (id, number, subject, status, impact, urgency, priority, requesterId, followUpOfId, createdAt, updatedAt,
      solvedAt, closedAt, productIssueRef, statusChangedAt, pendingSince, reminderSentAt, timerDueAt, firstRespondedAt, firstResponseDueAt,
      resolutionDueAt, slaElapsedHours, slaRunningSince, slaWarnedFor, escalationLevel, slaNextCheckAt, heldForAuthorisation)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, 0)`);
  const insertMessage = db.prepare(`INSERT INTO Message (id, ticketId, direction, internal, dedupKey, messageId, inReplyTo, "references", fromAddress, fromName,
      toList, ccList, subject, sentAt, text, visibleText, html, rawSha256, createdAt) VALUES (?, ?, 'in', 0, ?, ?, NULL, '', ?, ?, ?, '[]', ?, ?, ?, ?, NULL, ?, ?)`);

  const emailOf = (id: number) => `c${id}@cliente${id % 97}.example`;
  const created0 = now.getTime() - 3 * 365 * 86_400_000;
  const hour = 3_600_000;

  // Due tickets: the instants are computed once with the real calendar, then jittered by up to 20 minutes
  // (well inside every threshold's margin).
  const pendingRemind = businessHoursAgo(now, 40);
  const pendingClose = businessHoursAgo(now, 62);
  const solvedClose = businessHoursAgo(now, 86);
  const slaWarn = businessHoursAgo(now, 19.5); // normal priority: 24 h first response, warning at 18 h
  const slaBreach = businessHoursAgo(now, 25.5); // past the 24 h target: level-1 escalation
  const add = (d: Date, h: number) => calendar.addBusinessHours(d, h);
  const dueEvery = Math.max(1, Math.floor(tickets / due));

  db.transaction(() => {
    for (let o = 1; o <= organisations; o++) {
      insertOrg.run(o, `Organización ${o}`, o % 3 === 0 ? 'BR' : 'MX', o % 5 === 0 ? 'prime' : 'standard', sqlDate(new Date(created0)));
      insertDomain.run(`cliente${o - 1}.example`, o);
    }
    for (let c = 1; c <= contacts; c++) {
      // Contact ids 1..due are the requesters of the due tickets (one each, so no per-address cap applies).
      // A contact whose domain an organisation owns belongs to it (as ensureContact links them).
      const org = c % 97 < organisations ? (c % 97) + 1 : null;
      insertContact.run(c, emailOf(c), `Cliente ${c}`, locales[c % locales.length], countries[c % countries.length], 'customer', org, sqlDate(new Date(created0 + c)));
    }
    let dueIndex = 0;
    for (let id = 1; id <= tickets; id++) {
      const createdAt = new Date(created0 + Math.floor(((now.getTime() - 14 * 86_400_000 - created0) * id) / tickets));
      const isDue = id % dueEvery === 0 && dueIndex < due;
      const requesterId = isDue ? dueIndex + 1 : due + 1 + Math.floor(random() * (contacts - due));
      const jitter = Math.floor(random() * 20 * 60_000);
      const priority = isDue ? 'normal' : (['normal', 'normal', 'high', 'low', 'urgent'] as const)[id % 5];
      const t = {
        status: 'closed', solvedAt: null as Date | null, closedAt: null as Date | null, productIssueRef: null as string | null, statusChangedAt: createdAt as Date | null,
        pendingSince: null as Date | null, reminderSentAt: null as Date | null, timerDueAt: null as Date | null, firstRespondedAt: new Date(createdAt.getTime() + 2 * hour) as Date | null,
        firstResponseDueAt: null as Date | null, resolutionDueAt: null as Date | null, slaElapsedHours: 3, slaRunningSince: null as Date | null, slaNextCheckAt: null as Date | null,
        updatedAt: createdAt,
      };
      if (isDue) {
        const kind = dueIndex % 2 === 0 ? ['remind', 'remind', 'pending-close', 'solved-close'][(dueIndex / 2) % 4] : dueIndex % 4 === 1 ? 'sla-warn' : 'sla-breach';
        dueIndex++;
        if (kind === 'remind' || kind === 'pending-close') {
          const since = new Date((kind === 'remind' ? pendingRemind : pendingClose).getTime() - jitter);
          Object.assign(t, { status: 'pending', pendingSince: since, statusChangedAt: since, reminderSentAt: kind === 'pending-close' ? add(since, 36) : null, timerDueAt: add(since, kind === 'remind' ? 36 : 60), slaElapsedHours: 4, updatedAt: since });
        } else if (kind === 'solved-close') {
          const since = new Date(solvedClose.getTime() - jitter);
          Object.assign(t, { status: 'solved', solvedAt: since, statusChangedAt: since, timerDueAt: add(since, 84), slaElapsedHours: 30, updatedAt: since });
        } else {
          const since = new Date((kind === 'sla-warn' ? slaWarn : slaBreach).getTime() - jitter);
          Object.assign(t, {
            status: dueIndex % 3 === 0 ? 'open' : 'new', firstRespondedAt: null, slaElapsedHours: 0, slaRunningSince: since, statusChangedAt: since, updatedAt: since,
            firstResponseDueAt: add(since, 24), resolutionDueAt: add(since, 120), slaNextCheckAt: add(since, kind === 'sla-warn' ? 18 : 24),
          });
        }
      } else {
        const roll = random();
        const recent = new Date(now.getTime() - Math.floor(random() * 3 * 86_400_000));
        const future = new Date(now.getTime() + hour + Math.floor(random() * 10 * 86_400_000));
        if (roll < 0.7) {
          Object.assign(t, { status: 'closed', solvedAt: new Date(createdAt.getTime() + 20 * hour), closedAt: new Date(createdAt.getTime() + 120 * hour), statusChangedAt: new Date(createdAt.getTime() + 120 * hour) });
        } else if (roll < 0.8) {
          Object.assign(t, { status: 'solved', solvedAt: recent, statusChangedAt: recent, timerDueAt: future, updatedAt: recent });
        } else if (roll < 0.88) {
          Object.assign(t, { status: 'pending', pendingSince: recent, statusChangedAt: recent, timerDueAt: future, updatedAt: recent });
        } else if (roll < 0.9) {
          Object.assign(t, { status: 'on_hold', productIssueRef: `BUG-${id % 300}`, statusChangedAt: recent, updatedAt: recent });
        } else {
          const responded = roll < 0.95;
          Object.assign(t, {
            status: responded ? 'open' : 'new', firstRespondedAt: responded ? recent : null, slaElapsedHours: 2, slaRunningSince: recent, statusChangedAt: recent, updatedAt: recent,
            firstResponseDueAt: responded ? null : future, resolutionDueAt: new Date(future.getTime() + 5 * 86_400_000), slaNextCheckAt: future,
          });
        }
      }
      const d = (x: Date | null) => (x ? sqlDate(x) : null);
      const subject = `Consulta ${id}: ${['no puedo entrar', 'error al facturar', 'cobro duplicado', 'sistema lento', 'alta de usuario'][id % 5]}`;
      insertTicket.run(
        id, 999 + id, subject, t.status, 'medium', 'medium', priority, requesterId, d(createdAt), d(t.updatedAt),
        d(t.solvedAt), d(t.closedAt), t.productIssueRef, d(t.statusChangedAt), d(t.pendingSince), d(t.reminderSentAt), d(t.timerDueAt), d(t.firstRespondedAt), d(t.firstResponseDueAt),
        d(t.resolutionDueAt), t.slaElapsedHours, d(t.slaRunningSince), d(t.slaNextCheckAt),
      );
      const messageId = `t${id}@cliente${requesterId % 97}.example`;
      const text = `Hola, ${subject.toLowerCase()}. ¿Me pueden ayudar?\n\n--\nCliente ${requesterId}`;
      insertMessage.run(id, id, `mid:${messageId}`, messageId, emailOf(requesterId), `Cliente ${requesterId}`, JSON.stringify(['soporte@example.test']), subject, d(createdAt), text, text.split('\n\n')[0], createHash('sha1').update(messageId).digest('hex').padEnd(64, '0'), d(createdAt));
    }
    if (dueIndex !== due) throw new Error(`generator placed ${dueIndex} due tickets, expected ${due}`);
  })();
  for (const index of indexes) db.exec(index.sql);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
