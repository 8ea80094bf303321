import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { learnBoundPort, publicUrlOf, publicUrlProblem } from '../../../src/http/public-url.js';
import { linkSettings, unsubscribeUrl } from '../../../src/bulletins/links.js';
import type { OutgoingMail } from '../../../src/outbound/mailer.js';
import { buildMime } from '../../../src/outbound/mime-build.js';
import { simpleParser } from 'mailparser';

const publicUrlRefusal = (PUBLIC_URL: string): string | null => {
  try {
    loadConfig({ PUBLIC_URL }, { dotenv: false });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('the base of links in mail', () => {
  it('is PUBLIC_URL without its trailing slash, else the local server', () => {
    expect(publicUrlOf({ PUBLIC_URL: 'https://soporte.example.com/', HTTP_PORT: 3000 })).toBe('https://soporte.example.com');
    expect(publicUrlOf({ HTTP_PORT: 3000 })).toBe('http://localhost:3000');
  });
  it('with HTTP_PORT 0 and no PUBLIC_URL, names the port the server got, in links set up before it listened', () => {
    const env = { HTTP_PORT: 0 };
    const links = linkSettings('secret', env);
    expect(publicUrlOf(env)).toBe('http://localhost:0');
    learnBoundPort(env, 41234);
    expect(unsubscribeUrl(links, 'tok')).toBe('http://localhost:41234/bulletins/unsubscribe?t=tok');
    // PUBLIC_URL set, or a fixed port: the port the server got changes nothing.
    const fixed = { HTTP_PORT: 3000 };
    const set = { HTTP_PORT: 0, PUBLIC_URL: 'https://soporte.example.com' };
    learnBoundPort(fixed, 41234);
    learnBoundPort(set, 41234);
    expect([publicUrlOf(fixed), publicUrlOf(set)]).toEqual(['http://localhost:3000', 'https://soporte.example.com']);
  });
  it('is written in ASCII when PUBLIC_URL is not: an accented domain in punycode, its path percent-encoded', async () => {
    const base = publicUrlOf({ PUBLIC_URL: 'https://soporte.compañía.mx/atención al cliente/', HTTP_PORT: 3000 });
    expect(base).toBe('https://soporte.xn--compaa-7va5a.mx/atenci%C3%B3n%20al%20cliente');
    // The survey's and bulletins' List-Unsubscribe: a URL in angle brackets (RFC 2369), never an RFC 2047
    // encoded-word, which no mail provider reads as one, so its one-click unsubscribe did not show.
    const mail: OutgoingMail = {
      from: 'soporte@example.test', to: ['ana@cliente.mx'], cc: [], subject: 'Encuesta', text: 'Hola', html: '', messageId: 'vt.0.abc@example.test',
      headers: { 'List-Unsubscribe': `<${base}/survey/opt-out?t=abc.def>` }, attachments: [],
    };
    const parsed = await simpleParser((await buildMime(mail, 'windows')).raw);
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r\n[ \t]/g, ' ')).toBe(`List-Unsubscribe: <${base}/survey/opt-out?t=abc.def>`);
  });
  it('is questioned when it names this machine or is not https', () => {
    for (const url of ['http://localhost:3000', 'https://127.0.0.1', 'http://app.localhost']) expect(publicUrlProblem(url), url).toMatch(/names this machine/);
    expect(publicUrlProblem('http://soporte.example.com')).toMatch(/not https/);
    expect(publicUrlProblem('https://soporte.example.com/base')).toBeNull();
  });
  it('is refused at the start when links built on it could not work: no http(s), a query, a fragment, credentials', () => {
    // Links are PUBLIC_URL + "/survey?t=...": "localhost:3000" (no scheme) parses as a URL of scheme "localhost:",
    // "https://x/?a=1" would give "https://x/?a=1/survey?t=...", and credentials would go into every mail.
    for (const url of ['localhost:3000', 'soporte.example.com:8443', 'ftp://soporte.example.com', 'javascript:alert(1)', 'https://soporte.example.com/?a=1', 'https://soporte.example.com/?', 'https://soporte.example.com/#top', 'https://ops:secret@soporte.example.com']) {
      expect(publicUrlRefusal(url), url).toMatch(/PUBLIC_URL: expected an http\(s\) address/);
    }
    for (const url of ['https://soporte.example.com', 'https://soporte.example.com/ayuda/', 'http://localhost:3000']) expect(publicUrlRefusal(url), url).toBeNull();
  });
});
