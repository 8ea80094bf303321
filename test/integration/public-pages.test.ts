import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESK_NAME, startPublicPages, type PublicPages } from '../support/public-pages.js';

// What holds of every page a customer reaches from a link in a mail (surveys, opt-out, unsubscribe, the
// confirmation of a subscription, the knowledge base) and of the gateway's own error pages.

let web: PublicPages;
beforeAll(async () => {
  web = await startPublicPages();
});
afterAll(async () => web?.dispose());

const LANGUAGES = ['es-MX,es;q=0.9', 'pt-PT,pt;q=0.9', 'en-US,en;q=0.9'];
/** The names the pages once showed whatever SUPPORT_NAME said. */
const FIXED_NAMES = /Soporte Técnico|Suporte Técnico|Technical Support/;

/** Bytes written to the server as they are (what fetch refuses to send); the whole answer. */
function rawExchange(request: string, to: PublicPages = web): Promise<string> {
  const { port } = new URL(to.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe("the desk's name", () => {
  it('every page names the desk as SUPPORT_NAME says, in every language, never a fixed name', async () => {
    const wrong: string[] = [];
    for (const page of web.pages.filter((p) => p.html)) {
      for (const language of LANGUAGES) {
        const response = await fetch(web.base + page.path, { headers: { 'accept-language': language } });
        const html = await response.text();
        expect(response.status, page.name).toBe(page.status);
        // The bulletin's pages name the bulletin (BULLETIN_NAME), the list the reader subscribed to.
        const named = page.path.startsWith('/bulletins/') || html.includes(DESK_NAME);
        if (FIXED_NAMES.test(html) || !named) wrong.push(`${page.name} (${language}): ${FIXED_NAMES.exec(html)?.[0] ?? 'no name'}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the page of a request no header can be read of (Node's parser refused it) names the desk too", async () => {
    const answer = await rawExchange('GARBAGE /survey\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).not.toMatch(FIXED_NAMES);
    expect(answer).toContain(DESK_NAME);
  });
});

/** The header fields of an answer, but those of the moment (Date) and of the connection. */
function fieldsOf(response: Response): Record<string, string> {
  const fields = Object.fromEntries(response.headers);
  for (const name of ['date', 'connection', 'keep-alive']) delete fields[name];
  return fields;
}

describe('HEAD (RFC 9110 9.3.2)', () => {
  it('every page answers HEAD with the status and header fields of its GET, and no body', async () => {
    const differ: string[] = [];
    for (const page of web.pages) {
      const get = await fetch(web.base + page.path, { redirect: 'manual' });
      await get.arrayBuffer();
      const head = await fetch(web.base + page.path, { method: 'HEAD', redirect: 'manual' });
      const body = await head.arrayBuffer();
      expect(get.status, page.name).toBe(page.status);
      if (head.status !== get.status) differ.push(`${page.name}: HEAD ${head.status}, GET ${get.status}`);
      else expect(fieldsOf(head), page.name).toEqual(fieldsOf(get));
      expect(body.byteLength, page.name).toBe(0);
    }
    expect(differ).toEqual([]);
  });

  it('HEAD changes nothing: no answer recorded, no opt-out, no unsubscription, no ticket closed, no mail', async () => {
    const before = await web.state();
    for (const page of web.pages) await fetch(web.base + page.path, { method: 'HEAD', redirect: 'manual' });
    expect(await web.state()).toBe(before);
  });
});

describe('Strict-Transport-Security (RFC 6797)', () => {
  /** Every kind of answer: each page's GET and HEAD, a refused POST, and a request Node's parser refused. */
  async function everyAnswer(pages: PublicPages): Promise<Array<{ what: string; hsts: string | null }>> {
    const answers = [];
    for (const page of pages.pages) {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(pages.base + page.path, { method, redirect: 'manual' });
        await response.arrayBuffer();
        answers.push({ what: `${method} ${page.name}`, hsts: response.headers.get('strict-transport-security') });
      }
    }
    for (const path of ['/survey/opt-out?t=broken', '/health']) {
      const response = await fetch(pages.base + path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' });
      await response.arrayBuffer();
      answers.push({ what: `POST ${path}`, hsts: response.headers.get('strict-transport-security') });
    }
    const raw = await rawExchange('GARBAGE /survey\r\n\r\n', pages);
    answers.push({ what: 'bytes that are not HTTP', hsts: /^Strict-Transport-Security: (.*)\r$/im.exec(raw)?.[1] ?? null });
    return answers;
  }

  it('PUBLIC_URL https: every answer tells the browser to use https only for a year; no preload, no other host', async () => {
    const answers = await everyAnswer(web);
    expect(answers.filter((a) => a.hsts !== 'max-age=31536000')).toEqual([]);
  });

  it('PUBLIC_URL http (a demo, the tests): no answer sends it', async () => {
    const demo = await startPublicPages({ PUBLIC_URL: 'http://localhost:3000' });
    try {
      expect((await everyAnswer(demo)).filter((a) => a.hsts !== null)).toEqual([]);
    } finally {
      await demo.dispose();
    }
  });
});
