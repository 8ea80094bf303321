import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBulletin } from '../../../src/bulletins/bulletin-file.js';
import { countryNames, parseCountries, SERVED_COUNTRIES } from '../../../src/bulletins/countries.js';
import { parseCsv } from '../../../src/bulletins/csv.js';
import { parseBulletinCommand } from '../../../src/bulletins/mail-commands.js';
import { markdownToHtml, markdownToText } from '../../../src/bulletins/markdown.js';
import { renderBulletinPage } from '../../../src/bulletins/pages.js';
import { listIdHeader } from '../../../src/bulletins/reader-mail.js';
import { buildMime } from '../../../src/outbound/mime-build.js';
import { fillBody } from '../../../src/outbound/shared-body.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const parse = (text: string) => parseBulletin(text, { file: 'b.md', timeZone: 'America/Mexico_City', now: NOW });

describe('bulletin files', () => {
  it('reads the front matter: countries by code or name, send_at in the business time zone, variants', () => {
    const draft = parse('---\ntitle: Reforma\ncountries: [México, ar]\ntopics: IVA nomina\nsend_at: 2026-12-01 09:00\nvariants:\n  pt: { title: Reforma PT, body: "Texto **pt**" }\n---\nTexto\n');
    expect(draft).toMatchObject({ title: 'Reforma', countries: ['AR', 'MX'], topics: ['iva', 'nomina'], defaultLocale: 'es', sendAt: new Date('2026-12-01T15:00:00Z') });
    expect(draft.variants).toEqual({ es: { title: 'Reforma', markdown: 'Texto\n' }, pt: { title: 'Reforma PT', markdown: 'Texto **pt**' } });
    expect(parse('---\ntitle: T\ncountries: PT\nsend_at: 2026-12-01T09:00:00Z\n---\nx').sendAt).toEqual(new Date('2026-12-01T09:00:00Z'));
    expect(parse('---\ntitle: T\ncountries: PT\n---\nx').sendAt).toEqual(NOW);
    // A title in quotes keeps its "#"; a comment on a line of its own, or after a quoted title, is a comment.
    expect(parse('---\ntitle: "Boletín fiscal #45" # número\n  # otro\ncountries: PT\n---\nx').title).toBe('Boletín fiscal #45');
    expect(parse('---\ntitle: T\ncountries: PT\nsend_at: 2026-12-01 09:00 -06:00\n---\nx').sendAt).toEqual(new Date('2026-12-01T15:00:00Z'));
    expect(parse('---\ntitle: T\ncountries: PT\nsend_at: 2026-12-01 09:00 Z\n---\nx').sendAt).toEqual(new Date('2026-12-01T09:00:00Z'));
    // A few minutes late is "now"; --send-now sends a past send_at at once.
    expect(parse('---\ntitle: T\ncountries: PT\nsend_at: 2026-11-30T11:57:00Z\n---\nx').sendAt).toEqual(new Date('2026-11-30T11:57:00Z'));
    expect(parseBulletin('---\ntitle: T\ncountries: PT\nsend_at: 2025-12-01 09:00\n---\nx', { timeZone: 'UTC', now: NOW, sendNow: true }).sendAt).toEqual(NOW);
  });

  it.each([
    ['no front matter', 'Hola', /no front matter/],
    ['no countries', '---\ntitle: T\n---\nx', /"countries" is required/],
    ['an unknown country', '---\ntitle: T\ncountries: [MX, Narnia]\n---\nx', /Narnia/],
    ['a bad date', '---\ntitle: T\ncountries: MX\nsend_at: mañana\n---\nx', /"send_at" must be a date/],
    ['a send_at in the past (a wrong year)', '---\ntitle: T\ncountries: MX\nsend_at: 2025-12-01 09:00\n---\nx', /"send_at" 2025-12-01 09:00 -06:00 is in the past \(now 2026-11-30 06:00 -06:00\); .*--send-now/],
    ['no body', '---\ntitle: T\ncountries: MX\n---\n', /no text/],
    ['a variant in an unknown language', '---\ntitle: T\ncountries: MX\nvariants:\n  fr: { title: T, body: x }\n---\nx', /"fr" is not one of/],
    ['a title with ": " not in quotes', '---\ntitle: Reforma del IVA: lo que cambia\ncountries: MX\n---\nx', /not valid YAML: Nested mappings are not allowed in compact mappings at line 2, column 8:[\s\S]*\^[\s\S]*A value with ": " or " #" in it goes in double quotes: title: "Reforma del IVA: lo que cambia"/],
    ['a title cut by " #" (a YAML comment)', '---\ntitle: Boletín fiscal #45\ncountries: MX\n---\nx', /"title" is cut at " #", where a YAML comment starts \(it would read "Boletín fiscal"\): put the whole title in double quotes/],
    ['a translation\'s title cut by " #"', '---\ntitle: T\ncountries: MX\nvariants:\n  pt:\n    title: Boletim #45\n    body: x\n---\nx', /"variants\.pt\.title" is cut at " #"/],
  ])('refuses %s, naming the file', (_what, text, error) => {
    expect(() => parse(text)).toThrow(error);
    expect(() => parse(text)).toThrow(/^b\.md: /);
  });
});

describe('bulletin files with translations in files of their own', () => {
  it('refuses an empty translation file, like an empty body', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-variant-'));
    try {
      writeFileSync(join(dir, 'vacio.pt.md'), '\n  \n');
      writeFileSync(join(dir, 'iva.pt.md'), 'O **IVA** muda.\n');
      const bulletin = (name: string) => `---\ntitle: T\ncountries: [PT, MX]\nvariants:\n  pt: { title: TP, file: ${join(dir, name)} }\n---\nTexto\n`;
      expect(() => parse(bulletin('vacio.pt.md'))).toThrow(`b.md: variants.pt.file: ${join(dir, 'vacio.pt.md')} has no text`);
      expect(parse(bulletin('iva.pt.md')).variants.pt).toEqual({ title: 'TP', markdown: 'O **IVA** muda.\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Markdown', () => {
  it('renders HTML without raw HTML, scripts or unsafe links', () => {
    const html = markdownToHtml('# T\n\nVer [ley](https://dof.gob.mx) y [malo](javascript:alert(1)). <script>x</script>\n\n![p](data:image/png;base64,AA)');
    expect(html).toContain('<a href="https://dof.gob.mx"');
    expect(html).not.toMatch(/<script|javascript:|data:image/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('writes a readable text part: links spelled out, lists and tables kept', () => {
    const text = markdownToText('## Cambios\n\nLa **tasa** baja: [ver](https://sat.gob.mx) & más.\n\n- uno\n- dos\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    expect(text).toBe('Cambios\n=======\n\nLa tasa baja: ver (https://sat.gob.mx) & más.\n\n- uno\n- dos\n\na | b\n1 | 2');
  });

  it('a quote of several paragraphs keeps one quoted blank line between them, as the HTML part shows it', () => {
    expect(markdownToText('> Artículo 1.\n>\n> Artículo 2.\n>> Nota del SAT.\n')).toBe('> Artículo 1.\n>\n> Artículo 2.\n>\n> > Nota del SAT.');
  });

  it('a task list keeps its boxes, ticked or not, on the item’s line', () => {
    const md = '- [x] **Presentar** la declaración\n- [ ] Pagar el ISR\n';
    expect(markdownToText(md)).toBe('- [x] Presentar la declaración\n- [ ] Pagar el ISR');
    expect(markdownToText('1. [ ] uno\n\n2. [x] dos\n')).toBe('1. [ ] uno\n2. [x] dos');
    expect(markdownToHtml(md)).toContain('<input checked="" disabled="" type="checkbox"> <strong>Presentar</strong>');
  });
});

describe('character references (&euro;, &#8364;...)', () => {
  it('the text part reads them as the HTML part shows them', () => {
    const md = 'Precio: 5 &euro; &mdash; &#8364; &#x20AC; &ntilde;&Aacute;&ccedil;&otilde; &copy; &laquo;x&raquo; AT&amp;T &nosuch;\n';
    expect(markdownToText(md)).toBe('Precio: 5 € — € € ñÁçõ © «x» AT&T &nosuch;');
    expect(markdownToHtml(md)).toContain('&euro; &mdash;');
  });

  it('in code, "&lt;" is "<" in both parts (the HTML escapes it once, not twice)', () => {
    const md = 'Código:\n\n```\na &lt; b &amp;&amp; c\n```\n\nY `x &gt; y`.\n';
    expect(markdownToText(md)).toBe('Código:\n\n    a < b && c\n\nY x > y.');
    const html = markdownToHtml(md);
    expect(html).toContain('<code>a &lt; b &amp;&amp; c\n</code>');
    expect(html).toContain('<code>x &gt; y</code>');
    expect(html).not.toContain('&amp;lt;');
  });
});

describe('small parsers', () => {
  it('CSV: quotes, the delimiter of Spanish spreadsheets, and the line each record starts on', () => {
    expect(parseCsv('email,countries\na@x.mx,"MX, AR"\n\n"b@x\nmx",PT\n')).toEqual([
      { line: 1, fields: ['email', 'countries'] },
      { line: 2, fields: ['a@x.mx', 'MX, AR'] },
      { line: 4, fields: ['b@x\nmx', 'PT'] },
    ]);
    expect(parseCsv('correo;países\r\nc@x.mx;MX\r\n')).toEqual([{ line: 1, fields: ['correo', 'países'] }, { line: 2, fields: ['c@x.mx', 'MX'] }]);
    // Old Mac line ends ("\r" alone) count as lines, inside quotes too; a space before a quote is no content.
    expect(parseCsv('email,name,countries\ra@x.mx,"Ana\rPérez",MX\rbad,B,MX\r').map((r) => r.line)).toEqual([1, 2, 4]);
    expect(parseCsv('email, name, countries\nana@x.mx, Ana, "MX AR"\n')[1]).toEqual({ line: 2, fields: ['ana@x.mx', ' Ana', 'MX AR'] });
    // Blank spreadsheet rows are no rows.
    expect(parseCsv('correo;países\r\nc@x.mx;MX\r\n;;\r\n ; \r\n"";""\r\nd@x.mx;AR\r\n')).toEqual([
      { line: 1, fields: ['correo', 'países'] },
      { line: 2, fields: ['c@x.mx', 'MX'] },
      { line: 6, fields: ['d@x.mx', 'AR'] },
    ]);
  });

  it('names countries in the reader’s alphabetical order, not by their codes', () => {
    expect(countryNames([...SERVED_COUNTRIES].sort(), 'es')).toBe('Argentina, Bolivia, Chile, Colombia, Costa Rica, Ecuador, Estados Unidos, México, Paraguay, Perú, Portugal, República Dominicana, Uruguay');
    expect(countryNames(['PE', 'PT', 'PY', 'US', 'DO'], 'en')).toBe('Dominican Republic, Paraguay, Peru, Portugal, United States');
    expect(countryNames(['PE', 'PT', 'PY', 'EC'], 'pt')).toBe('Equador, Paraguai, Peru, Portugal');
  });

  it('countries by code or name, two-word names included', () => {
    expect(parseCountries('MX Costa Rica eeuu Narnia')).toEqual({ codes: ['CR', 'MX', 'US'], unknown: ['Narnia'] });
  });

  it.each([
    ['SUSCRIBIR MX AR', '', { kind: 'subscribe', countries: ['AR', 'MX'], unknown: [] }],
    ['', 'subscribe\n', { kind: 'subscribe', countries: [], unknown: [] }],
    ['Re: Boletín', 'BAJA\n> cita', { kind: 'unsubscribe', token: null }],
    ['unsubscribe eyJwIjoiYnVsbGV0aW4tdW5zdWJzY3JpYmUifQ.Sa07IXpEVN8jWTXOrnq80S5hlKs', '', { kind: 'unsubscribe', token: 'eyJwIjoiYnVsbGV0aW4tdW5zdWJzY3JpYmUifQ.Sa07IXpEVN8jWTXOrnq80S5hlKs' }],
    ['Cancelar inscrição', '', { kind: 'unsubscribe', token: null }],
    ['Pregunta', 'Hola, ¿cuándo sale el boletín?', null],
    ['Suscripción al boletín fiscal', '', { kind: 'subscribe', countries: [], unknown: [] }],
    ['SUSCRIBIR MX y AR', '', { kind: 'subscribe', countries: ['AR', 'MX'], unknown: [] }],
    ['Suscribirme por favor', '', { kind: 'subscribe', countries: [], unknown: [] }],
    ['Suscribirse', '', { kind: 'subscribe', countries: [], unknown: [] }],
    ['SUBSCREVER PT e MX', '', { kind: 'subscribe', countries: ['MX', 'PT'], unknown: [] }],
    ['Subscribe me to Costa Rica and the United States, please', '', { kind: 'subscribe', countries: ['CR', 'US'], unknown: [] }],
    ['SUSCRIBIR MX Narnia', '', { kind: 'subscribe', countries: ['MX'], unknown: ['Narnia'] }],
    ['Desuscribirse', '', { kind: 'unsubscribe', token: null }],
    ['Hola', 'Quiero darme de baja del boletín', { kind: 'unsubscribe', token: null }],
    ['Baja por favor', '', { kind: 'unsubscribe', token: null }],
    // "Baja", "Stop", "Alta" are ordinary words too: a command only when nothing but countries follows.
    ['Baja de tasas del ISR', '', null],
    ['Alta en el padrón de exportadores', '', null],
    ['Re: Baja de tasas del ISR 2027', '¿Esto aplica a personas físicas?', null],
    ['RE: Stop a las devoluciones del IVA', 'duda', null],
    ['Fwd: Cancelar la retención', '', null],
    // Behind the tag a subscriber's mail gateway puts in front of the subject.
    ['[EXTERNO] SUSCRIBIR MX AR', '', { kind: 'subscribe', countries: ['AR', 'MX'], unknown: [] }],
    ['[EXTERNAL] UNSUBSCRIBE', '', { kind: 'unsubscribe', token: null }],
    ['*EXTERNAL* Baja por favor', '', { kind: 'unsubscribe', token: null }],
    ['[EXTERNO] RE: Baja de tasas del ISR', 'Gracias por el boletín', null],
    ['[EXTERNO] RE: Baja', '', null],
  ])('mail commands: %j %j', (subject, body, expected) => {
    expect(parseBulletinCommand(subject, body)).toEqual(expected);
  });

  it('a shared body gets each reader’s values, escaped in HTML', () => {
    expect(fillBody('<a href="%%vt.unsubscribe_url%%">%%vt.email%%</a> %%vt.other%%', { unsubscribe_url: 'https://x/u?t=a.b', email: "o'neil@x.com" }, true)).toBe(
      // A link keeps its "=": relays that rewrite links for click tracking read the attribute as it is.
      '<a href="https://x/u?t=a.b">o&#x27;neil@x.com</a> %%vt.other%%',
    );
    expect(fillBody('%%vt.email%%', { email: "o'neil@x.com" }, false)).toBe("o'neil@x.com");
    expect(fillBody('<a href="%%vt.unsubscribe_url%%">', { unsubscribe_url: 'https://x/u?t=a&b="c"<d>' }, true)).toBe('<a href="https://x/u?t=a&amp;b=&quot;c&quot;&lt;d&gt;">');
  });

  it('List-Id keeps the id readable when the name is not ASCII', () => {
    expect(listIdHeader('Boletín fiscal', 'boletin.example.com')).toBe('=?UTF-8?B?Qm9sZXTDrW4gZmlzY2Fs?= <boletin.example.com>');
    expect(listIdHeader('Fiscal news', 'news.example.com')).toBe('"Fiscal news" <news.example.com>');
  });

  it('List-Id splits a long name into encoded words of at most 75 characters, each whole characters (RFC 2047)', async () => {
    for (const name of ['Boletín fiscal y tributario de Latinoamérica', 'ñ'.repeat(80), 'Novedades 😀'.repeat(6)]) {
      const header = listIdHeader(name, 'boletin.example.mx');
      expect(header.endsWith(' <boletin.example.mx>')).toBe(true);
      const words = header.slice(0, -' <boletin.example.mx>'.length).split(' ');
      expect(words.length).toBeGreaterThan(1);
      const decoded = words.map((word) => {
        expect(word.length, word).toBeLessThanOrEqual(75);
        const b64 = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(word)?.[1] ?? '';
        // A word that split a character would not decode on its own (RFC 2047 6.3).
        return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
      });
      expect(decoded.join('')).toBe(name);
      // And the mail carries it so: no header line longer than 78 characters.
      const { raw } = await buildMime({ from: 'boletin@example.mx', to: ['ana@example.mx'], cc: [], subject: 'x', text: 'x', html: '', messageId: 'b@example.mx', headers: { 'List-Id': header }, attachments: [] }, 'windows');
      const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
      expect(Math.max(...head.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(78);
      expect(head.replace(/\r\n[ \t]+/g, ' ')).toContain(`List-ID: ${header}`);
    }
  });
});

describe('pages', () => {
  it('are in the reader’s language, escape what they show, and load nothing from elsewhere', () => {
    const html = renderBulletinPage('en', 'unsubscribe_ask', { email: '<b>x</b>@example.com', list: 'Tax news', countries: '', address: 'news@example.com', action: '?t=a.b' });
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;@example.com');
    expect(html).toContain('<button type="submit">Unsubscribe</button>');
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(html).not.toMatch(/<script|<link|<img|src=|https?:/);
  });
});
