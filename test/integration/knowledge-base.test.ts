import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hrefValue } from '../../src/outbound/href.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { loadArticles } from '../../src/knowledge/articles.js';
import { solvedToken } from '../../src/knowledge/solved-link.js';
import { signToken } from '../../src/http/tokens.js';
import '../../src/http/routes.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// DOMAIN.md rule 10: articles are suggested to the customer when a ticket is opened, where the words written match
// the articles. The articles are Markdown files; the mail that opens the ticket lists the matching ones, linked to
// their page on this gateway (or to where they are published).

const ARTICLES: Record<string, string> = {
  'timbrar-factura.md': '---\nlang: es\nkeywords: CFDI, timbrado, SAT\n---\n# Cómo timbrar una factura electrónica\n\n1. Abra el portal.\n2. Elija la factura y pulse **Timbrar**.\n\nSi el SAT la rechaza, revise el RFC del receptor. <script>alert(1)</script>\n',
  'restablecer-contrasena.md': '---\nlang: es\nkeywords: clave, acceso, bloqueado\nurl: https://ayuda.example.test/contrasena\n---\n# Restablecer la contraseña del portal\n\nPulse "Olvidé mi contraseña".\n',
  'sin-titulo.md': 'Un archivo sin título.\n',
};

let app: TestApp;
let kbDir: string;
beforeEach(async () => {
  kbDir = mkdtempSync(join(tmpdir(), 'ventanilla-kb-'));
  for (const [name, text] of Object.entries(ARTICLES)) writeFileSync(join(kbDir, name), text);
  app = await createTestApp({ KNOWLEDGE_BASE_DIR: kbDir, PUBLIC_URL: 'https://soporte.example.test/ayuda' });
});
/** The app again, for a folder changed after it read it (it reads it again only every 30 s). */
const recreate = async (): Promise<TestApp> => {
  await app.dispose();
  return createTestApp({ KNOWLEDGE_BASE_DIR: kbDir, PUBLIC_URL: 'https://soporte.example.test/ayuda' });
};
afterEach(async () => {
  await app.dispose();
  rmSync(kbDir, { recursive: true, force: true });
});

const acknowledgementOf = async (subject: string) => app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement', subject: { contains: subject } } });

describe('the knowledge base', () => {
  it("lists the matching articles in the mail that opens a ticket, linked, in the text and the HTML", async () => {
    const result = await app.pipeline.ingest(mail({ headers: { Subject: 'No puedo timbrar' }, body: 'Hola, el SAT rechaza el CFDI de mis facturas desde ayer.\n\nSaludos,\nAna' }), { source: 'file', sourceRef: 'kb-1' });
    expect(result.outcome).toBe('created');
    const ack = await acknowledgementOf('No puedo timbrar');
    expect(ack.text).toContain('Mientras tanto, estos artículos pueden ayudarle:\n- Cómo timbrar una factura electrónica: https://soporte.example.test/ayuda/kb/timbrar-factura\n');
    expect(ack.text).not.toContain('contraseña');
    expect(ack.html).toContain('<a href="https://soporte.example.test/ayuda/kb/timbrar-factura" style="color:#065f46;text-decoration:underline;">Cómo timbrar una factura electrónica</a>');
  });

  it('links an article to its own address when it has one, and suggests nothing when the words do not match', async () => {
    await app.pipeline.ingest(mail({ headers: { Subject: 'Acceso bloqueado' }, body: 'Olvidé mi contraseña y el usuario quedó bloqueado.' }), { source: 'file', sourceRef: 'kb-2' });
    expect((await acknowledgementOf('Acceso bloqueado')).text).toContain('- Restablecer la contraseña del portal: https://ayuda.example.test/contrasena\n');
    await app.pipeline.ingest(mail({ headers: { Subject: 'Cambio de domicilio' }, body: 'Quiero actualizar el domicilio de mi empresa.' }), { source: 'file', sourceRef: 'kb-3' });
    const plain = await acknowledgementOf('Cambio de domicilio');
    expect(plain.text).not.toContain('artículos');
    expect(plain.html).not.toContain('<ul');
  });

  it('suggests articles in the mail that opens a follow-up of a closed ticket too, from its new words', async () => {
    const first = mail({ headers: { Subject: 'Cambio de domicilio' }, body: 'Quiero actualizar el domicilio de mi empresa.' });
    const opened = await app.pipeline.ingest(first, { source: 'file', sourceRef: 'kb-4' });
    await app.db.ticket.update({ where: { number: opened.ticketNumber as number }, data: { status: 'closed' } });
    const messageId = /Message-ID: <([^>]+)>/.exec(first.toString())?.[1];
    const reply = mail({ headers: { Subject: `Re: [#${opened.ticketNumber}] Cambio de domicilio`, 'In-Reply-To': `<${messageId}>` }, body: 'Ya cambié el domicilio, pero ahora no puedo timbrar: el SAT rechaza el CFDI.' });
    expect((await app.pipeline.ingest(reply, { source: 'file', sourceRef: 'kb-5' })).outcome).toBe('followup');
    const notice = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'follow_up_created' } });
    expect(notice.text).toContain('- Cómo timbrar una factura electrónica: https://soporte.example.test/ayuda/kb/timbrar-factura\n');
  });

  it('lets the customer close the ticket when an article solved it: the link asks, only its button closes', async () => {
    const result = await app.pipeline.ingest(mail({ headers: { Subject: 'No puedo timbrar' }, body: 'El SAT rechaza el CFDI de mis facturas.' }), { source: 'file', sourceRef: 'kb-solved' });
    const number = result.ticketNumber as number;
    const ack = await acknowledgementOf('No puedo timbrar');
    const link = /Si alguno resolvió su consulta, avísenos aquí y cerraremos el ticket: (https:\/\/soporte\.example\.test\/ayuda(\/kb\/solved\?t=[\w.-]+))\n/.exec(ack.text);
    expect(link, ack.text).not.toBeNull();
    expect(ack.html).toContain(`<a href="${hrefValue(link![1] as string)}"`);
    const path = link![2] as string;
    const server = await buildServer(app);
    try {
      // A link scanner (or the customer's first click) opens it: a question and a button, nothing changed.
      const asked = await server.inject({ method: 'GET', url: path });
      expect(asked.statusCode).toBe(200);
      expect(asked.body).toContain('¿Su consulta quedó resuelta?');
      expect(asked.body).toContain('<button type="submit">Sí, cerrar mi ticket</button>');
      expect((await app.db.ticket.findUniqueOrThrow({ where: { number } })).status).toBe('new');
      // The button: closed, said on the ticket, confirmed by mail.
      const done = await server.inject({ method: 'POST', url: path });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain(`Gracias: cerramos el ticket #${number}.`);
      const ticket = await app.db.ticket.findUniqueOrThrow({ where: { number }, include: { events: true } });
      expect(ticket.status).toBe('closed');
      expect(ticket.events.find((e) => e.type === 'closed_by_customer')).toMatchObject({ actor: 'customer', detail: 'a knowledge-base article solved it (the link in the mail that opened the ticket)' });
      expect(await app.db.outboxMail.count({ where: { template: 'closed', ticketId: ticket.id } })).toBe(1);
      // Again: nothing more to do, no second mail.
      expect((await server.inject({ method: 'POST', url: path })).body).toContain(`El ticket #${number} ya está resuelto o cerrado`);
      expect(await app.db.outboxMail.count({ where: { template: 'closed', ticketId: ticket.id } })).toBe(1);
      // A token altered by one character changes nothing and says so.
      const forged = path.slice(0, -2) + (path.endsWith('AA') ? 'BB' : 'AA');
      const refused = await server.inject({ method: 'POST', url: forged });
      expect(refused.statusCode).toBe(400);
      // ...about this link: the customer asked to close a ticket, not to answer or stop a survey.
      expect(refused.body).toContain('El enlace para cerrar el ticket está incompleto o fue modificado.');
      expect(refused.body).not.toMatch(/encuesta/i);
    } finally {
      await server.close();
    }
  });

  // Whoever has the link can close the ticket: a mail copied to others (a colleague, an outside accountant) does
  // not carry it, so only the customer who wrote can close their ticket by it. The articles are still listed.
  it('leaves the closing link out of an acknowledgement copied to others, and keeps the articles', async () => {
    await app.pipeline.ingest(mail({ headers: { Subject: 'No puedo timbrar', Cc: 'contador@despacho-externo.mx' }, body: 'El SAT rechaza el CFDI de mis facturas.' }), { source: 'file', sourceRef: 'kb-cc' });
    const ack = await acknowledgementOf('No puedo timbrar');
    expect(JSON.parse(ack.ccList as string)).toEqual(['contador@despacho-externo.mx']);
    expect(ack.text).toContain('- Cómo timbrar una factura electrónica: https://soporte.example.test/ayuda/kb/timbrar-factura\n');
    expect(ack.text).not.toContain('/kb/solved');
    expect(ack.html).not.toContain('/kb/solved');
    expect(ack.text).not.toContain('cerraremos el ticket');
  });

  // The link passes through link scanners, proxies and their logs: it named the customer's address in plain base64.
  it("the link does not carry the customer's address, and one that did (sent before) still closes the ticket", async () => {
    const result = await app.pipeline.ingest(mail({ headers: { Subject: 'No puedo timbrar' }, body: 'El SAT rechaza el CFDI de mis facturas.' }), { source: 'file', sourceRef: 'kb-private' });
    const ticket = await app.db.ticket.findUniqueOrThrow({ where: { number: result.ticketNumber as number } });
    const token = solvedToken(app.config.secretKey, ticket.id, 'Ana@Cliente.mx', new Date());
    const readable = Buffer.from(token.split('.')[0] as string, 'base64url').toString('latin1');
    expect(readable).not.toMatch(/ana|cliente/i);
    // Another requester's token for the same ticket is refused.
    const other = solvedToken(app.config.secretKey, ticket.id, 'luis@cliente.mx', new Date());
    // A link of the old form, in mail sent before: it still works, for as long as it lasts.
    const before = signToken(app.config.secretKey, 'kb_solved', { t: ticket.id, e: 'ana@cliente.mx' }, new Date(Date.now() + 86_400_000));
    const server = await buildServer(app);
    try {
      expect((await server.inject({ method: 'POST', url: `/kb/solved?t=${other}` })).statusCode).toBe(400);
      expect((await server.inject({ method: 'GET', url: `/kb/solved?t=${token}` })).statusCode).toBe(200);
      expect((await server.inject({ method: 'POST', url: `/kb/solved?t=${before}` })).statusCode).toBe(200);
      expect((await app.db.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe('closed');
    } finally {
      await server.close();
    }
  });

  it('says of an expired link that the ticket stays open and how to close it, not that a survey is over', async () => {
    const result = await app.pipeline.ingest(mail({ headers: { Subject: 'No puedo timbrar' }, body: 'El SAT rechaza el CFDI de mis facturas.' }), { source: 'file', sourceRef: 'kb-expired' });
    const ticket = await app.db.ticket.findUniqueOrThrow({ where: { number: result.ticketNumber as number } });
    const old = solvedToken(app.config.secretKey, ticket.id, 'ana@cliente.mx', new Date(Date.now() - 31 * 86_400_000));
    const server = await buildServer(app);
    try {
      for (const method of ['GET', 'POST'] as const) {
        const page = await server.inject({ method, url: `/kb/solved?t=${old}`, headers: { 'accept-language': 'es-MX' } });
        expect(page.statusCode).toBe(400);
        expect(page.body).toContain('El enlace para cerrar el ticket caducó');
        expect(page.body).not.toMatch(/encuesta/i);
      }
      expect((await app.db.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe('new');
    } finally {
      await server.close();
    }
  });

  it('serves an article as a page, its HTML escaped, and answers 404 for one that does not exist', async () => {
    const server = await buildServer(app);
    try {
      const page = await server.inject({ method: 'GET', url: '/kb/timbrar-factura' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<h1>Cómo timbrar una factura electrónica</h1>');
      expect(page.body).toContain('<li>Elija la factura y pulse <strong>Timbrar</strong>.</li>');
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.body).not.toContain('<script>');
      expect(page.body).toContain('<a href="mailto:soporte@example.test">soporte@example.test</a>');
      expect((await server.inject({ method: 'GET', url: '/kb/sin-titulo' })).statusCode).toBe(404);
      expect((await server.inject({ method: 'GET', url: '/kb/no-existe' })).statusCode).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('never links an article to an address another page takes: solved.md would open the page that closes a ticket', async () => {
    writeFileSync(join(kbDir, 'solved.md'), '---\nkeywords: CFDI, timbrado\n---\n# Timbrado rechazado por el SAT: resuelto\n\nRevise el RFC del receptor.\n');
    app = await recreate();
    await app.pipeline.ingest(mail({ headers: { Subject: 'Timbrado rechazado' }, body: 'El SAT rechaza el timbrado del CFDI.' }), { source: 'file', sourceRef: 'kb-solved-slug' });
    const links = [...(await acknowledgementOf('Timbrado rechazado')).text.matchAll(/https:\/\/soporte\.example\.test\/ayuda(\/kb\/\S+)/g)].map((m) => m[1] as string);
    expect(links).toContain('/kb/timbrar-factura');
    const server = await buildServer(app);
    try {
      // Every article the customer is offered opens as that article.
      for (const path of links) expect((await server.inject({ method: 'GET', url: path })).statusCode, path).toBe(200);
    } finally {
      await server.close();
    }
    expect(loadArticles(kbDir).problems).toContain('solved.md: the name is taken by the page that closes a ticket (/kb/solved): rename the file');
  });

  it("lets the page show the article's pictures (https), as its Markdown says, and nothing else from elsewhere", async () => {
    writeFileSync(join(kbDir, 'pantalla.md'), '# Dónde está el botón Timbrar\n\n![El botón](https://ayuda.example.test/img/timbrar.png)\n');
    app = await recreate();
    const server = await buildServer(app);
    try {
      const page = await server.inject({ method: 'GET', url: '/kb/pantalla' });
      expect(page.body).toContain('<img src="https://ayuda.example.test/img/timbrar.png" alt="El botón"');
      const csp = String(page.headers['content-security-policy']);
      expect(csp.split(';').map((d) => d.trim())).toEqual(expect.arrayContaining(["default-src 'none'", "img-src 'self' data: https:"]));
      // Other pages keep theirs.
      expect((await server.inject({ method: 'GET', url: '/kb/no-existe' })).headers['content-security-policy']).not.toContain('https:');
    } finally {
      await server.close();
    }
  });

  it.skipIf(!cliBuilt)('shows the owner what the folder holds and what a mail would be sent (ventanilla kb)', async () => {
    const env = { DATA_DIR: app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789', KNOWLEDGE_BASE_DIR: kbDir, PUBLIC_URL: 'https://soporte.example.test/ayuda' };
    const list = await runCli(['kb', 'list'], { env });
    expect(list.stdout).toBe(
      'restablecer-contrasena\tes\tRestablecer la contraseña del portal\thttps://ayuda.example.test/contrasena\n' +
        'timbrar-factura\tes\tCómo timbrar una factura electrónica\thttps://soporte.example.test/ayuda/kb/timbrar-factura\n' +
        `2 articles in ${kbDir}\n`,
    );
    // The file it cannot read is named, and skipped.
    expect(list.stderr).toContain('knowledge base: sin-titulo.md: no title (a first line \\"# Title\\"); the file is skipped');
    const suggest = await runCli(['kb', 'suggest', 'el SAT rechaza el timbrado'], { env });
    expect(suggest.stdout).toMatch(/^timbrar-factura\t[\d.]+\tCómo timbrar una factura electrónica\t\(sat, rechaza, timbrado\)\n$/);
    const none = await runCli(['kb', 'suggest', '--locale', 'pt', 'el SAT rechaza el timbrado'], { env });
    expect(none.stdout).toBe(`no article matches (2 in ${kbDir}): an article needs two of the words, one of them in its title or keywords\n`);
  });
});
