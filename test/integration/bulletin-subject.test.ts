import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewDraft, scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { BulletinRenderer } from '../../src/bulletins/render.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { templatesDir } from '../../src/paths.js';
import { rawHeaderLines, type ReceivedMail } from '../support/smtp.js';
import { smtpAppPerTest } from '../support/smtp-app.js';

// A bulletin's title is its Subject, in each reader's language, as it reaches the SMTP server. RFC 5322 2.1.1:
// a header line SHOULD be at most 78 characters, so a long title is folded; a word too long for a line, and
// any title that is not ASCII, only as RFC 2047 encoded-words (at most 75 characters each, whole characters).

// A rate high enough that every reader's slot is due at once: at the default 600 a minute the third mail was due
// 200 ms after the first, and one drain sent it or not as the machine was fast.
const fixture = smtpAppPerTest({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_RATE_PER_MINUTE: '1000000' });

/** The Subject header as the SMTP peer got it: its lines, folding kept. */
const subjectLines = (m: ReceivedMail): string[] => rawHeaderLines(m, 'Subject');

const TITLES = {
  es: 'Reforma del IVA 2027: nuevas obligaciones de facturación electrónica (CFDI 4.0) para contribuyentes del Régimen Simplificado de Confianza, retenciones y fechas límite',
  pt: 'Reforma do IVA 2027: novas obrigações de faturação eletrónica para sujeitos passivos do regime simplificado — alterações à retenção na fonte 📌',
  en: `VAT reform 2027: new e-invoicing rules, see https://www.sat.gob.mx/consultas/${'a'.repeat(90)} for the withholding tables`,
} as const;

describe('a long bulletin title in the Subject', () => {
  it('is folded into lines of at most 78 characters, and each reader reads their language’s title whole', async () => {
    const app = fixture.app();
    const now = new Date();
    await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX', locale: 'es' }, now);
    await addSubscriber(app.db, { email: 'jo@empresa.pt', countries: 'PT', locale: 'pt' }, now);
    await addSubscriber(app.db, { email: 'bob@corp.us', countries: 'US', locale: 'en' }, now);
    const deps = bulletinDeps(app);
    const variants = Object.fromEntries(Object.entries(TITLES).map(([locale, title]) => [locale, { title, markdown: 'Texto.\n' }]));
    await scheduleBulletin(deps, { title: TITLES.es, countries: ['MX', 'PT', 'US'], topics: [], defaultLocale: 'es', sendAt: now, variants, sourceFile: null }, now);
    expect(await runBulletinSends(deps, now)).toMatchObject({ started: 1, queued: 3 });
    expect(await app.drainer().drain()).toMatchObject({ sent: 3 });
    const got = await fixture.smtp().waitFor(3);
    const to = (email: string) => got.find((m) => m.envelopeTo.includes(email)) as ReceivedMail;
    for (const [email, title] of [['ana@cliente.mx', TITLES.es], ['jo@empresa.pt', TITLES.pt], ['bob@corp.us', TITLES.en]] as const) {
      const m = to(email);
      const lines = subjectLines(m);
      expect(lines.length, email).toBeGreaterThan(1);
      expect(Math.max(...lines.map((l) => l.length)), email).toBeLessThanOrEqual(78);
      for (const word of lines.join(' ').match(/=\?[^?]+\?[BQ]\?[^?]*\?=/gi) ?? []) expect(word.length).toBeLessThanOrEqual(75);
      expect(m.parsed.subject).toBe(title);
      // The same title heads both parts.
      expect((m.parsed.text ?? '').split('\n')[0]).toBe(title);
      expect(m.parsed.html).toContain(`<title>${title}</title>`);
    }
    // An ASCII title stays readable in the raw header; only its over-long word is encoded.
    expect(subjectLines(to('bob@corp.us'))[0]).toMatch(/^Subject: VAT reform 2027: new e-invoicing rules, see/);
  });
});

describe('the subject template', () => {
  it('an operator’s templates/<locale>/bulletin.subject.hbs is the Subject the readers get, as the preview shows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-templates-'));
    try {
      cpSync(templatesDir, dir, { recursive: true });
      writeFileSync(join(dir, 'es', 'bulletin.subject.hbs'), 'Boletín fiscal: {{title}}\n');
      writeFileSync(join(dir, 'pt', 'bulletin.subject.hbs'), 'Boletim fiscal: {{title}}\n');
      const app = fixture.app();
      const now = new Date();
      await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX', locale: 'es' }, now);
      await addSubscriber(app.db, { email: 'jo@empresa.pt', countries: 'PT', locale: 'pt' }, now);
      const deps = { ...bulletinDeps(app), renderer: new BulletinRenderer(dir) };
      const draft = { title: 'Reforma del IVA', countries: ['MX', 'PT'], topics: [], defaultLocale: 'es' as const, sendAt: now, variants: { es: { title: 'Reforma del IVA', markdown: 'Texto.\n' }, pt: { title: 'Reforma do IVA', markdown: 'Texto.\n' } }, sourceFile: null };
      expect(previewDraft(deps, draft, 'es').subject).toBe('Boletín fiscal: Reforma del IVA');
      await scheduleBulletin(deps, draft, now);
      expect(await runBulletinSends(deps, now)).toMatchObject({ queued: 2 });
      expect(await app.drainer().drain()).toMatchObject({ sent: 2 });
      const got = await fixture.smtp().waitFor(2);
      const subjectTo = (email: string) => got.find((m) => m.envelopeTo.includes(email))?.parsed.subject;
      expect(subjectTo('ana@cliente.mx')).toBe('Boletín fiscal: Reforma del IVA');
      expect(subjectTo('jo@empresa.pt')).toBe('Boletim fiscal: Reforma do IVA');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
