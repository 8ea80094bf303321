import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmToken, unsubscribeToken } from '../../src/bulletins/links.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { optOutToken } from '../../src/surveys/links.js';
import { mail } from '../support/app.js';
import { startPublicPages, type PublicPages } from '../support/public-pages.js';

// Every page a customer reaches from a mail, on a phone's screen in a real browser (Debian's chromium, as
// survey-browser.test.ts): nothing wider than the screen, whatever the page shows. A long company address
// (common: nombre.apellido.area@empresa-grande.com.mx) and an article's command line, address or table made
// the page wider than the phone, so the browser zoomed the whole page out to fit it and every word was tiny.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM) && process.env.TEST_PRETEND_NO_CHROMIUM !== '1';
const PHONE_WIDTH = 390;
const LONG_ADDRESS = 'maria.fernanda.lopez.contabilidad.general@distribuidoradelbajioindustrial.com.mx';
const WIDE_ARTICLE = [
  '# Instalar el certificado de sello digital',
  '',
  'Ejecute:',
  '',
  '```',
  'openssl pkcs12 -export -in certificado.cer -inkey llave_privada.key -out certificado_para_timbrar.pfx -passout pass:secreto',
  '```',
  '',
  'Consulte https://www.sat.gob.mx/aplicacion/operacion/31274/consulta-tu-informacion-fiscal-para-timbrado-de-cfdi-version-4-0',
  '',
  '| Campo | Valor | Descripción | Ejemplo | Notas |',
  '|---|---|---|---|---|',
  '| RegimenFiscalReceptor | 601 | General de Ley Personas Morales | 601 | obligatorio desde 2023 |',
  '',
].join('\n');

let web: PublicPages;
let browser: Browser;
let paths: Array<[string, string]>;

describe.runIf(haveChromium)('the public pages on a phone (headless Chromium, 390 px wide)', () => {
  beforeAll(async () => {
    web = await startPublicPages({}, { 'certificado.md': WIDE_ARTICLE });
    const now = web.app.now();
    await web.app.pipeline.ingest(mail({ headers: { From: LONG_ADDRESS, Subject: 'Consulta' } }), { source: 'file' });
    const contact = await web.app.db.contact.findUniqueOrThrow({ where: { email: LONG_ADDRESS } });
    await addSubscriber(web.app.db, { email: LONG_ADDRESS, countries: 'MX' }, now);
    const subscriber = await web.app.db.subscriber.findUniqueOrThrow({ where: { email: LONG_ADDRESS } });
    const secret = web.app.config.secretKey;
    paths = [
      ...web.pages.filter((p) => p.html).map((p): [string, string] => [p.name, p.path]),
      ['kb article with a command, an address and a table', '/kb/certificado'],
      ['survey opt-out of a long address', `/survey/opt-out?t=${optOutToken(secret, contact.id, now)}`],
      ['bulletin unsubscribe of a long address', `/bulletins/unsubscribe?t=${unsubscribeToken(secret, { s: subscriber.id }, now)}`],
      ['bulletin confirm of a long address', `/bulletins/confirm?t=${confirmToken(secret, { s: subscriber.id, c: ',AR,MX,' }, new Date(now.getTime() + 86_400_000))}`],
    ];
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  afterAll(async () => {
    await browser?.close();
    await web?.dispose();
  });

  it('no page is wider than the screen, in any of the three languages', async () => {
    const wider: string[] = [];
    for (const locale of ['es-MX', 'pt-PT', 'en-US']) {
      const context = await browser.newContext({ viewport: { width: PHONE_WIDTH, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale });
      const page = await context.newPage();
      for (const [name, path] of paths) {
        await page.goto(web.base + path);
        // (A string: this project's TypeScript has no DOM library.)
        const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        if (width > PHONE_WIDTH) wider.push(`${name} (${locale}): ${width} px`);
      }
      await context.close();
    }
    expect(wider).toEqual([]);
  });
});
