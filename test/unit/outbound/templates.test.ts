import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, VentanillaError } from '../../../src/errors.js';
import { templatesDir } from '../../../src/paths.js';
import { renderEveryTemplate } from '../../../src/warm-up.js';
import { hrefValue } from '../../../src/outbound/href.js';
import { businessPeriod } from '../../../src/outbound/locale.js';
import { SAMPLE_ARTICLE, SAMPLE_OPT_OUT_URL, SAMPLE_SURVEY_URL } from '../../../src/outbound/template-samples.js';
import {
  INTERNAL_TEMPLATES,
  TEMPLATE_NAMES,
  TICKETLESS_TEMPLATES,
  TemplateRenderer,
  phoneFor,
  pickLocale,
  type Locale,
  type TemplateContext,
  type TemplateName,
} from '../../../src/outbound/templates.js';
import { copyOfTemplates } from '../../support/template-copy.js';

const LOCALES: Locale[] = ['es', 'pt', 'en'];
const renderer = new TemplateRenderer();
const PHONES = ['+54 11 5295 9300', '01-800-913-55-29', '442 1-03-06-00', '0800-55-372'];

function ctx(name: TemplateName, locale: Locale, patch: Partial<TemplateContext> = {}): TemplateContext {
  return { ...renderer.sampleContext(name, locale), ...patch };
}

describe('every template in every locale renders its sample context', () => {
  const cases = TEMPLATE_NAMES.flatMap((name) => LOCALES.map((locale) => [name, locale] as const));
  it('covers every template x 3 locales', () => {
    expect(TEMPLATE_NAMES).toEqual(expect.arrayContaining([
      'acknowledgement', 'answer', 'pending', 'on_hold', 'solved',
      'reopened', 'closed', 'follow_up_created', 'pending_reminder', 'escalation', 'too_large',
    ]));
    expect(cases).toHaveLength(TEMPLATE_NAMES.length * 3);
  });

  it.each(cases)('%s (%s)', (name, locale) => {
    const mail = renderer.render(name, locale, renderer.sampleContext(name, locale));
    for (const part of [mail.subject, mail.text, mail.html]) {
      expect(part.trim()).not.toBe('');
      expect(part).not.toMatch(/\{\{|\}\}|undefined|\[object Object\]/);
    }
    expect(mail.subject).not.toMatch(/[\r\n]/);
    if (INTERNAL_TEMPLATES.includes(name)) {
      expect(mail.subject).not.toContain('[#');
      expect(mail.subject).toContain('1042');
    } else if (TICKETLESS_TEMPLATES.includes(name)) {
      expect(mail.subject).not.toContain('[#');
      expect(mail.text).toContain('soporte@ventanilla.test');
    } else {
      expect(mail.subject).toContain('[#1042]');
      expect(mail.text).toContain('soporte@ventanilla.test');
    }
    // A simple, self-contained HTML document.
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain(`<html lang="${locale}"`);
    expect(mail.html).toContain('name="viewport"');
    expect(mail.html).toContain('max-width:600px');
    // The only absolute links allowed are the survey answers and the survey opt-out, to our own PUBLIC_URL, and
    // the knowledge-base articles suggested.
    const ownLinksRemoved = [SAMPLE_SURVEY_URL, SAMPLE_OPT_OUT_URL, SAMPLE_ARTICLE[locale].url].reduce((html, url) => html.replaceAll(`href="${hrefValue(url)}`, 'href="#'), mail.html);
    if (name === 'csat_survey' || name === 'nps_survey') {
      expect(mail.text, 'the opt-out line of the text footer').toContain(SAMPLE_OPT_OUT_URL);
      expect(mail.html).toContain(`href="${hrefValue(SAMPLE_OPT_OUT_URL)}"`);
    }
    expect(ownLinksRemoved).not.toMatch(/<script|<link|<img|<iframe|<style|src=|url\(|@import|href="(https?:)?\/\//i);
    expect(mail.html).toContain(`<title>${mail.subject.replace(/&/g, '&amp;')}</title>`);
    expect(mail.text.endsWith('\n')).toBe(true);
    expect(mail.text).not.toMatch(/\n{3,}/);
  });
});

describe('a survey mail tells its deadline for an answer by reply too', () => {
  // A score replied by mail after the survey closed is not recorded (stages/survey-reply.ts), as the page refuses it:
  // the mail must not say only that its links expire.
  const SAYS: Record<Locale, RegExp> = {
    es: /por los enlaces o respondiendo a este correo, cuenta hasta el/,
    pt: /pelas ligações ou respondendo a este e-mail, conta até/,
    en: /by the links or by replying to this email, counts until/,
  };
  it.each(LOCALES.flatMap((locale) => (['csat_survey', 'nps_survey'] as const).map((name) => [name, locale] as const)))('%s (%s)', (name, locale) => {
    const mail = renderer.render(name, locale, ctx(name, locale));
    const expiresAt = ctx(name, locale).survey?.expiresAt as string;
    for (const part of [mail.text.replace(/\s+/g, ' '), mail.html.replace(/\s+/g, ' ')]) {
      expect(part).toMatch(SAYS[locale]);
      expect(part).toContain(expiresAt);
    }
  });
});

describe('escaping', () => {
  const evil = '<script>alert("x")</script> & Co';

  it('a subject with CR/LF cannot inject a header', () => {
    for (const locale of LOCALES) {
      // Ticketless templates do not show the ticket's subject in theirs.
      for (const name of TEMPLATE_NAMES.filter((n) => !TICKETLESS_TEMPLATES.includes(n))) {
        const base = ctx(name, locale);
        const mail = renderer.render(name, locale, { ...base, ticket: { ...base.ticket, subject: 'Factura\r\nBcc: x@evil.test\n\u2028Cc: y' } });
        expect(mail.subject).not.toMatch(/[\r\n\u2028\u0085]/);
        expect(mail.subject).toContain('Factura Bcc: x@evil.test Cc: y');
      }
    }
  });

  it('user content is escaped in HTML and left alone in the subject and text', () => {
    const base = ctx('answer', 'es');
    const mail = renderer.render('answer', 'es', {
      ...base,
      ticket: { ...base.ticket, subject: evil },
      contact: { ...base.contact, name: `Ana <b>"Jefa"</b>` },
      body: evil,
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(mail.html).toContain('Ana &lt;b&gt;&quot;Jefa&quot;&lt;/b&gt;');
    expect(mail.subject).toBe(`Re: [#1042] ${evil}`);
    expect(mail.text).toContain(evil);
    expect(mail.text).toContain('Hola, Ana <b>"Jefa"</b>:');
  });

  // Handlebars writes "=" as "&#x3D;" (for unquoted attributes). Browsers decode it, but relays that rewrite links
  // for click tracking (SendGrid, GetResponse) read the attribute as it is: "?t&#x3D;..." lost its token, and the
  // survey, opt-out or "it solved my question" page said the link was not valid.
  it('links in HTML keep their "=", and only "&" and quotes are escaped', () => {
    const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] as string).filter((h) => h.startsWith('http'));
    for (const locale of LOCALES) {
      for (const name of ['csat_survey', 'nps_survey', 'acknowledgement'] as const) {
        const links = hrefs(renderer.render(name, locale, { ...ctx(name, locale), solvedUrl: 'https://soporte.ventanilla.test/kb/solved?t=abc' }).html);
        expect(links.length, name).toBeGreaterThan(0);
        for (const link of links) expect(link, name).not.toMatch(/&#x3D;|&#x27;|&#x26;/);
      }
      const survey = hrefs(renderer.render('csat_survey', locale, ctx('csat_survey', locale)).html);
      expect(survey).toContain(`${SAMPLE_SURVEY_URL}&amp;a=good`);
      expect(survey).toContain(SAMPLE_OPT_OUT_URL);
    }
    const odd = renderer.render('acknowledgement', 'es', { ...ctx('acknowledgement', 'es'), articles: [{ title: 'x', url: 'https://kb.test/a?b=1&c="2"' }] });
    expect(hrefs(odd.html)).toContain('https://kb.test/a?b=1&amp;c=&quot;2&quot;');
  });

  it('the body keeps its line breaks in HTML, escaped first', () => {
    const mail = renderer.render('answer', 'en', ctx('answer', 'en', { body: 'Line 1 <x>\nLine 2\r\nLine 3' }));
    expect(mail.html).toContain('Line 1 &lt;x&gt;<br>\nLine 2<br>\nLine 3');
    expect(mail.text).toContain('Line 1 <x>\nLine 2\nLine 3');
  });
});

describe('labels, greeting and footer', () => {
  it('fills in status and priority labels from the locale when absent', () => {
    const expected: Record<Locale, [string, string]> = {
      es: ['Pendiente del cliente', 'Baja'],
      pt: ['Pendente do cliente', 'Baixa'],
      en: ['Pending customer', 'Low'],
    };
    for (const locale of LOCALES) {
      const base = ctx('pending', locale);
      const mail = renderer.render('pending', locale, { ...base, ticket: { ...base.ticket, status: 'pending', priority: 'low' } });
      expect(mail.text).toContain(expected[locale][0]);
      const ack = renderer.render('acknowledgement', locale, { ...ctx('acknowledgement', locale), ticket: { ...base.ticket, priority: 'low' } });
      expect(ack.text).toContain(expected[locale][1]);
    }
    const urgent = ctx('acknowledgement', 'pt');
    expect(renderer.render('acknowledgement', 'pt', { ...urgent, ticket: { ...urgent.ticket, priority: 'urgent' } }).html).toContain('Urgente');
    const given = renderer.render('answer', 'es', { ...ctx('answer', 'es'), ticket: { ...urgent.ticket, status: 'open', statusLabel: 'En curso' } });
    expect(given.text).toContain('Estado actual del ticket: En curso.');
  });

  it('an answer-by time already past (dueAsap) is "as soon as possible" in each language, with no time', () => {
    const said: Record<Locale, [string, string]> = {
      es: ['Respuesta: a la brevedad posible', 'a la brevedad posible'],
      pt: ['Resposta: o mais breve possível', 'o mais breve possível'],
      en: ['Response: as soon as possible', 'as soon as possible'],
    };
    for (const locale of LOCALES) {
      for (const name of ['acknowledgement', 'in_progress'] as const) {
        const mail = renderer.render(name, locale, ctx(name, locale, { dueAt: undefined, dueAsap: true }));
        expect(mail.text).toContain(said[locale][0]);
        expect(mail.html).toContain(said[locale][1]);
        expect(mail.text + mail.html).not.toMatch(/más tardar|Resposta até|Response by/);
      }
    }
  });

  it('greets without a name when the contact has none', () => {
    const greetings: Record<Locale, string> = { es: 'Hola:', pt: 'Olá,', en: 'Hello,' };
    for (const locale of LOCALES) {
      const base = ctx('closed', locale);
      const mail = renderer.render('closed', locale, { ...base, contact: { ...base.contact, name: null } });
      expect(mail.text.startsWith(`${greetings[locale]}\n`)).toBe(true);
    }
  });

  it("shows the support hours and the phone line of the contact's country", () => {
    const lines: Array<[string | null, string | null]> = [
      ['AR', '+54 11 5295 9300'],
      ['CO', '01-800-913-55-29'],
      ['MX', '442 1-03-06-00'],
      ['Perú', '0800-55-372'],
      ['CL', null],
      [null, null],
    ];
    for (const [country, phone] of lines) {
      const base = ctx('acknowledgement', 'es');
      const mail = renderer.render('acknowledgement', 'es', { ...base, contact: { ...base.contact, country } });
      expect(mail.text).toContain(base.support.hours);
      expect(mail.html).toContain(base.support.hours);
      expect(mail.text).toContain('responder a este correo');
      if (phone) {
        expect(mail.text).toContain(`Línea telefónica de Soporte: ${phone}`);
        expect(mail.html).toContain(`>${phone}</a>`);
      } else {
        for (const p of PHONES) expect(mail.text + mail.html).not.toContain(p);
        expect(mail.text).not.toContain('Línea telefónica');
      }
    }
  });

  it('the closed mail says a reply opens a follow-up ticket, not that it adds to this one', () => {
    const mail = renderer.render('closed', 'es', ctx('closed', 'es'));
    expect(mail.text).toContain('ticket de seguimiento');
    expect(mail.text).not.toContain('Para agregar información');
    expect(mail.html).not.toContain('Para agregar información');
  });

  it.each(LOCALES)('the mail that undoes a close (%s) says the close was a mistake, the window the answer came in, and that a reply adds to this ticket', (locale) => {
    const said = { es: ['el cierre fue un error', '5 días hábiles', 'responda a este correo y quedarán en este mismo ticket'], pt: ['o encerramento foi um erro', '5 dias úteis', 'responda a este e-mail e ficarão neste mesmo ticket'], en: ['the closure was a mistake', '5 business days', 'reply to this email and they will be added to this same ticket'] }[locale];
    const mail = renderer.render('close_undone', locale, ctx('close_undone', locale, { closedAfter: 'pending', window: businessPeriod(60, 12, locale) }));
    for (const part of [mail.text, mail.html]) for (const words of said) expect(part).toContain(words);
    expect(mail.subject).toBe(`Re: [#1042] ${ctx('close_undone', locale).ticket.subject}`);
  });

  it.each(LOCALES)('the too_large notice of a mail that undid a timer\'s close (%s) says the close was a mistake, without claiming the mail will be reviewed', (locale) => {
    const said = {
      es: { pending: 'se había cerrado por falta de respuesta, pero este correo nos llegó a tiempo, dentro del plazo de 5 días hábiles: el cierre fue un error', solved: 'se había cerrado al dar por aceptada la solución, pero este correo', review: 'revisará' },
      pt: { pending: 'tinha sido encerrado por falta de resposta, mas este e-mail chegou-nos a tempo, dentro do prazo de 5 dias úteis: o encerramento foi um erro', solved: 'tinha sido encerrado por considerarmos a solução aceite, mas este e-mail', review: 'analisar' },
      en: { pending: 'had been closed for lack of a reply, but this email reached us in time, within the 5 business days allowed: the closure was a mistake', solved: 'had been closed with the solution taken as accepted, but this email', review: 'review' },
    }[locale];
    const base = ctx('too_large', locale);
    const undone = (closedAfter: 'pending' | 'solved', hours: number) => ({ ...base, ticket: { ...base.ticket, status: 'open' }, closedAfter, window: businessPeriod(hours, 12, locale) });
    const plain = renderer.render('too_large', locale, base);
    const pending = renderer.render('too_large', locale, undone('pending', 60));
    const solved = renderer.render('too_large', locale, undone('solved', 84));
    for (const part of [pending.text, pending.html.replace(/<\/?strong>/g, '')]) expect(part).toContain(said.pending);
    for (const part of [solved.text, solved.html]) expect(part).toContain(said.solved);
    for (const mail of [plain, pending, solved]) expect(mail.text + mail.html).not.toContain(said.review);
    expect(plain.text + plain.html).not.toContain(said.pending.slice(0, 20));
    expect(pending.subject).toBe(plain.subject);
    expect(pending.subject).toContain('[#1042]');
  });

  it('the follow-up mail names both tickets', () => {
    const context = ctx('follow_up_created', 'pt', { previous: { number: 77 } });
    const mail = renderer.render('follow_up_created', 'pt', context);
    // The subject is the new ticket's own, the one every later mail of its conversation repeats.
    expect(mail.subject).toBe(`[#1042] ${context.ticket.subject}`);
    expect(mail.text).toContain('#77,');
  });

  it('escalation: internal, warning vs breach, requester falls back to the contact', () => {
    const base = ctx('escalation', 'en');
    const warning = renderer.render('escalation', 'en', base);
    const breach = renderer.render('escalation', 'en', {
      ...base,
      escalation: { level: 2, kind: 'breach', dueAt: 'yesterday, 4:00 p.m.', target: '2 business hours', organisation: null },
    });
    expect(warning.subject).toContain('SLA at risk');
    expect(breach.subject).toBe('[Escalation level 2] SLA breached · Ticket #1042: Sales tax report shows wrong totals');
    expect(breach.text).toContain('Requester: Emily Carter <emily.carter@northwind-supply.example>');
    expect(breach.text).toContain('Organization: (no organization)');
    expect(breach.text).toContain('Was due: yesterday, 4:00 p.m.');
    expect(breach.html).toContain('Emily Carter &lt;emily.carter@northwind-supply.example&gt;');
    expect(breach.text).not.toContain('reply to this email');
    expect(breach.html).not.toContain('simply reply');
    expect(breach.text).not.toContain('the last escalation');
  });

  it.each(['es', 'pt', 'en'] as const)('escalation (%s) that fills the lead\'s window says later breaches are not mailed, and where they all are', (locale) => {
    const base = ctx('escalation', locale);
    const last = renderer.render('escalation', locale, { ...base, escalation: { ...(base.escalation as NonNullable<typeof base.escalation>), capMinutes: 60 } });
    for (const part of [last.text, last.html]) {
      expect(part).toContain('60');
      expect(part).toContain('ventanilla tickets list --breached');
    }
  });
});

describe('pickLocale and phoneFor', () => {
  it.each([
    [{ locale: 'pt' }, 'pt'],
    [{ locale: 'pt-PT' }, 'pt'],
    [{ locale: 'pt_BR', country: 'MX' }, 'pt'],
    [{ locale: 'en-US' }, 'en'],
    [{ locale: 'EN' }, 'en'],
    [{ locale: 'es-MX', country: 'US' }, 'es'],
    [{ locale: 'fr-FR', country: 'PT' }, 'pt'],
    [{ locale: null, country: 'US' }, 'en'],
    [{ country: 'Portugal' }, 'pt'],
    [{ country: 'EEUU' }, 'en'],
    [{ country: 'AR' }, 'es'],
    // Countries outside the 13 served, by the language most spoken there when it is one of ours.
    [{ country: 'BR' }, 'pt'],
    [{ country: 'Brasil' }, 'pt'],
    [{ country: 'Angola' }, 'pt'],
    [{ country: 'GB' }, 'en'],
    [{ country: 'Canadá' }, 'en'],
    [{ country: 'España' }, 'es'],
    [{ country: 'FR' }, 'es'],
    [{ country: 'N/A' }, 'es'],
    [{ country: null }, 'es'],
    [{}, 'es'],
  ] as const)('%o -> %s', (contact, locale) => {
    expect(pickLocale(contact)).toBe(locale);
  });

  it('knows the four phone lines, by code or by name', () => {
    expect(phoneFor('AR')).toBe('+54 11 5295 9300');
    expect(phoneFor('co')).toBe('01-800-913-55-29');
    expect(phoneFor('México')).toBe('442 1-03-06-00');
    expect(phoneFor('Peru')).toBe('0800-55-372');
    expect(phoneFor('CL')).toBeNull();
    expect(phoneFor('PT')).toBeNull();
    expect(phoneFor('')).toBeNull();
    expect(phoneFor(null)).toBeNull();
    expect(phoneFor(undefined)).toBeNull();
  });
});

describe('errors and caching', () => {
  it('a missing template names the file', () => {
    const dir = copyOfTemplates();
    unlinkSync(join(dir, 'pt', 'solved.text.hbs'));
    const r = new TemplateRenderer(dir);
    expect(() => r.render('solved', 'pt', r.sampleContext('solved', 'pt'))).toThrow(/not found: .*pt[\\/]solved\.text\.hbs/);
    expect(() => new TemplateRenderer(join(dir, 'nowhere')).render('answer', 'es', r.sampleContext('answer', 'es'))).toThrow(
      /not found: .*nowhere[\\/]es[\\/]answer\.subject\.hbs/,
    );
  });

  it('a broken template or a missing partial names the file', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'answer.text.hbs'), '{{#if body}}\n{{body}}\n');
    writeFileSync(join(dir, 'en', 'answer.html.hbs'), '{{> nope.html}}');
    const r = new TemplateRenderer(dir);
    expect(() => r.render('answer', 'es', r.sampleContext('answer', 'es'))).toThrow(/es[\\/]answer\.text\.hbs: Parse error/);
    expect(() => r.render('answer', 'en', r.sampleContext('answer', 'en'))).toThrow(/en[\\/]answer\.html\.hbs: .*nope\.html/);
  });

  it("a broken template is a coded error that says how to check the fix: the CLI prints it in a line, not a stack", () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'answer.text.hbs'), '{{#if body}}\n{{body}}\n');
    const r = new TemplateRenderer(dir);
    let caught: unknown;
    try {
      r.render('answer', 'es', r.sampleContext('answer', 'es'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VentanillaError);
    expect((caught as VentanillaError).code).toBe(ErrorCode.TEMPLATE_INVALID);
    expect((caught as VentanillaError).message).toContain('ventanilla templates preview answer --locale es');
  });

  it("the daemon's warm-up names each template that cannot render, so the operator hears of it at start", () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'pt', 'closed.html.hbs'), '{{#each}}');
    const logged: Array<{ fields: object; msg: string }> = [];
    renderEveryTemplate(new TemplateRenderer(dir), { error: (fields: object, msg: string) => logged.push({ fields, msg }), warn: () => {} });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ template: 'closed', locale: 'pt', code: ErrorCode.TEMPLATE_INVALID });
    expect(logged[0]?.msg).toMatch(/pt[\\/]closed\.html\.hbs/);
    // Every template of the shipped set renders, in each of its wordings, and uses what chooses them.
    const none: unknown[] = [];
    renderEveryTemplate(new TemplateRenderer(templatesDir), { error: (...args: unknown[]) => none.push(args), warn: (...args: unknown[]) => none.push(args) });
    expect(none).toEqual([]);
  });

  it("the warm-up names a template that fails in one wording only (a misspelt helper in the colleague's branch), with that case", () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'en', 'close_undone.text.hbs'), '{{#if answerUnread}}x{{else if answeredBy}}{{nmae answeredBy}}{{else}}{{closedAfter}}{{/if}}');
    const logged: Array<{ fields: object; msg: string }> = [];
    renderEveryTemplate(new TemplateRenderer(dir), { error: (fields: object, msg: string) => logged.push({ fields, msg }), warn: () => {} });
    expect(logged).toEqual([{ fields: { template: 'close_undone', locale: 'en', code: ErrorCode.TEMPLATE_INVALID, cases: ['colleague'] }, msg: expect.stringContaining('Missing helper: "nmae"') }]);
  });

  it('the warm-up warns of an edited close_undone that never uses answeredBy nor answerUnread: its customers would read "your reply"', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'en', 'close_undone.html.hbs'), '{{#> layout.html}}<p>Your ticket #{{ticket.number}} was closed by mistake ({{closedAfter}}): your reply reached us in time.</p>{{/layout.html}}');
    const warned: Array<{ fields: object; msg: string }> = [];
    renderEveryTemplate(new TemplateRenderer(dir), { error: () => {}, warn: (fields: object, msg: string) => warned.push({ fields, msg }) });
    expect(warned.map((w) => w.fields)).toEqual([{ template: 'close_undone', locale: 'en', part: 'html', missing: ['answerUnread', 'answeredBy'] }]);
    expect(warned[0]?.msg).toContain(`${join(dir, 'en', 'close_undone.html.hbs')}: never uses answerUnread, answeredBy`);
    expect(warned[0]?.msg).toContain('`ventanilla templates preview close_undone --locale en --case unread --html`, `ventanilla templates preview close_undone --locale en --case colleague --html`');
  });

  it('refuses a context without what the template needs', () => {
    const base = renderer.sampleContext('pending', 'es');
    const { deadline: _deadline, ...noDeadline } = base;
    expect(() => renderer.render('pending', 'es', noDeadline)).toThrow(/es[\\/]pending\.\*\.hbs: the context has no deadline/);
    // Nor a pending or solved notice that cannot say how long the customer has ("5 días hábiles").
    const { window: _window, ...noWindow } = renderer.sampleContext('solved', 'en');
    expect(() => renderer.render('solved', 'en', noWindow)).toThrow(/the context has no window/);
    const { escalation: _escalation, ...noEscalation } = renderer.sampleContext('escalation', 'pt');
    expect(() => renderer.render('escalation', 'pt', noEscalation)).toThrow(/no escalation/);
    expect(() => renderer.render('answer', 'xx' as Locale, base)).toThrow(/Unknown locale "xx"/);
    expect(() => renderer.render('nope' as TemplateName, 'es', base)).toThrow(/Unknown mail template "nope"/);
  });

  it('compiles each template once', () => {
    const dir = copyOfTemplates();
    const r = new TemplateRenderer(dir);
    const first = r.render('reopened', 'en', r.sampleContext('reopened', 'en'));
    for (const part of ['subject', 'text', 'html']) unlinkSync(join(dir, 'en', `reopened.${part}.hbs`));
    expect(r.render('reopened', 'en', r.sampleContext('reopened', 'en'))).toEqual(first);
  });
});

describe('the escalation digest', () => {
  it('names at most ten tickets in its subject, and how many more (an outage can hold back hundreds)', () => {
    const many = (locale: Locale) => {
      const base = renderer.sampleContext('escalation_digest', locale);
      const item = base.digest?.items[0];
      const items = Array.from({ length: 12 }, (_, i) => ({ ...(item as NonNullable<typeof item>), number: 1000 + i }));
      return renderer.render('escalation_digest', locale, { ...base, digest: { ...(base.digest as NonNullable<typeof base.digest>), count: items.length, items } });
    };
    const ten = Array.from({ length: 10 }, (_, i) => `#${1000 + i}`).join(', ');
    expect(many('es').subject).toBe(`[Escalamiento] 12 avisos de SLA retenidos por el límite de correos: ${ten} y 2 más`);
    expect(many('pt').subject).toBe(`[Escalonamento] 12 avisos de SLA retidos pelo limite de e-mails: ${ten} e mais 2`);
    expect(many('en').subject).toBe(`[Escalation] 12 SLA alerts held back by the mail limit: ${ten} and 2 more`);
    // The body still lists every one.
    expect(many('es').text).toContain('#1011');
    expect(renderer.render('escalation_digest', 'en', renderer.sampleContext('escalation_digest', 'en')).subject).toBe('[Escalation] 2 SLA alerts held back by the mail limit: #1042, #1043');
  });
});
