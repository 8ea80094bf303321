import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { projectRoot } from '../../src/paths.js';
import { mail } from '../support/app.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';
import { startSurveyWeb, surveyMailOf, type SurveyWeb } from '../support/survey-web.js';

// A real browser (Debian's chromium, driven by playwright-core) on a phone-sized screen: the customer opens
// the survey mail, clicks an answer in it, sends it with the page's button, changes it, writes a comment and
// sends the form again.
// Screenshots go to test/artifacts/ for a person to look at. .ci/run installs chromium; on CI a missing
// browser fails the run instead of skipping the test (TEST_PRETEND_NO_CHROMIUM=1 shows it without uninstalling).

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM) && process.env.TEST_PRETEND_NO_CHROMIUM !== '1';
const ARTIFACTS = join(projectRoot, 'test', 'artifacts');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let smtp: SmtpPeer;
let web: SurveyWeb;
let context: BrowserContext;
let profile: string;

async function solvedTicketMail(from: string): Promise<{ number: number; csat: ReceivedMail }> {
  const r = await web.app.pipeline.ingest(mail({ headers: { From: from, Subject: 'Error al timbrar facturas CFDI 4.0' } }), { source: 'file' });
  const number = r.ticketNumber as number;
  await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD en Configuración > Facturación electrónica.', status: 'solved', actor: 'agent:maria', now: new Date() });
  await web.app.drainer().drain();
  const csat = surveyMailOf(await smtp.waitFor(3), 'csat');
  if (!csat) throw new Error('no CSAT mail was delivered');
  return { number, csat };
}

describe.runIf(haveChromium)('the survey page in a real browser (headless Chromium, phone screen)', () => {
  beforeAll(async () => {
    smtp = await startSmtpPeer();
    web = await startSurveyWeb(smtp, { CSAT_SCALE: '1-5' });
    profile = mkdtempSync(join(tmpdir(), 'ventanilla-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      locale: 'es-MX',
      ...PHONE,
    });
  });
  afterAll(async () => {
    await context?.close();
    await web?.dispose();
    await smtp?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('opens the link in the mail, picks an answer, writes a comment, sends: the database holds it', async () => {
    const { number, csat } = await solvedTicketMail('María Fernanda López <mflopez@distribuidorabajio.com.mx>');
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(e.message));

    // The mail as the customer sees it; a tap on "5 · Muy satisfecho" opens the page with it picked, unrecorded.
    await page.setContent(csat.parsed.html as string);
    await page.screenshot({ path: join(ARTIFACTS, 'survey-mail-phone.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${web.baseUrl}/survey?t=*`), page.getByRole('link', { name: '5 · Muy satisfecho' }).click()]);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirme su respuesta');
    expect(await page.getByRole('radio', { name: '5 · Muy satisfecho' }).isChecked()).toBe(true);
    expect(await web.app.db.surveyAnswer.count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'survey-confirm-phone.png'), fullPage: true });

    // A tap on "Enviar" records it.
    await Promise.all([page.waitForURL((url) => !url.search.includes('&a='), { waitUntil: 'load' }), page.getByRole('button', { name: 'Enviar' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('¡Gracias por su respuesta!');
    expect(await page.getByRole('status').textContent()).toBe('Registramos su respuesta: 5 · Muy satisfecho');
    expect(await page.getByRole('radio', { name: '5 · Muy satisfecho' }).isChecked()).toBe(true);
    expect((await web.app.db.surveyRequest.findFirstOrThrow({ where: { ticket: { number } } })).score).toBe(5);

    // Readable on a phone: nothing wider than the screen, touch targets of at least 44 px.
    // (A string: this project's TypeScript has no DOM library.)
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    const box = await page.getByRole('radio', { name: '4 · Satisfecho' }).locator('xpath=..').boundingBox();
    expect(box?.height).toBeGreaterThanOrEqual(44);
    expect(await page.getByRole('button').boundingBox().then((b) => b?.height)).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: join(ARTIFACTS, 'survey-answered-phone.png'), fullPage: true });

    // Changes the answer, writes a comment (with characters that must not become markup), sends.
    await page.getByRole('radio', { name: '4 · Satisfecho' }).check();
    await page.getByLabel('Comentario (opcional)').fill('Resolvieron rápido, pero tuve que llamar <dos> veces.');
    await Promise.all([page.waitForURL(/saved=1/), page.getByRole('button', { name: 'Guardar cambios' }).click()]);
    expect(await page.getByRole('status').textContent()).toBe('Guardamos sus cambios. ¡Gracias!');
    expect(await page.getByLabel('Comentario (opcional)').inputValue()).toBe('Resolvieron rápido, pero tuve que llamar <dos> veces.');
    expect(await page.getByRole('radio', { name: '4 · Satisfecho' }).isChecked()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'survey-saved-phone.png'), fullPage: true });

    const stored = await web.app.db.surveyRequest.findFirstOrThrow({ where: { ticket: { number } }, include: { answers: { orderBy: { id: 'asc' } } } });
    expect(stored).toMatchObject({ rating: 'good', score: 4, comment: 'Resolvieron rápido, pero tuve que llamar <dos> veces.' });
    expect(stored.answers.map((a) => [a.score, a.comment, a.channel])).toEqual([
      [5, null, 'web'],
      [4, 'Resolvieron rápido, pero tuve que llamar <dos> veces.', 'web'],
    ]);
    // No script, no blocked resource (the CSP allows nothing from outside), no error.
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a tampered link shows the error page, in the browser\'s language, and stores nothing', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${web.baseUrl}/survey?t=eyJwIjoic3VydmV5In0.AAAA&a=1`);
    expect(response?.status()).toBe(400);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Este enlace no es válido');
    await page.screenshot({ path: join(ARTIFACTS, 'survey-error-phone.png'), fullPage: true });
    expect(await web.app.db.surveyAnswer.count()).toBe(2);
    await page.close();
  });
});

// Declared only when the browser is missing, so a run that has it reports no skipped placeholder.
if (!haveChromium) {
  describe('the survey page in a real browser', () => {
    // CI installs chromium (.ci/run): there, a missing browser is a failure, not a silent skip.
    const install = 'apt-get install -y --no-install-recommends chromium';
    if (process.env.CI === 'true') {
      it(`needs ${CHROMIUM}`, () => {
        throw new Error(`${CHROMIUM} is missing: install Debian's chromium (${install}), as .ci/run does`);
      });
    } else {
      it.skip(`needs ${CHROMIUM}, which is missing (${install})`, () => {});
    }
  });
}
