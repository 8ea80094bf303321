import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it, vi } from 'vitest';
import { TEMPLATE_NAMES, TemplateRenderer, type Locale, type TemplateContext } from '../../../src/outbound/templates.js';
import { copyOfTemplates } from '../../support/template-copy.js';

// Notices are rendered from a skeleton per shape (src/outbound/render-memo.ts). What a customer receives must
// be exactly what a full Handlebars rendering gives, whatever the per-ticket values hold.

const LOCALES: Locale[] = ['es', 'pt', 'en'];

/** Per-ticket values as mail brings them: HTML's special characters, accents, emoji, empty names, long subjects. */
function variants(base: TemplateContext): TemplateContext[] {
  const ticket = (patch: Partial<TemplateContext['ticket']>) => ({ ...base.ticket, ...patch });
  const contact = (patch: Partial<TemplateContext['contact']>) => ({ ...base.contact, ...patch });
  return [
    base,
    { ...base, ticket: ticket({ number: 7, subject: 'Factura <script>alert("x")</script> & "más" =' }) },
    { ...base, ticket: ticket({ number: 123456, subject: 'Re: 💥 Erro na emissão — série “FT2026”' }), contact: contact({ name: "O'Brien & Sons `x`" }) },
    { ...base, contact: contact({ name: null, email: 'a+b=c@example.com' }) },
    { ...base, contact: contact({ name: '' }), ticket: ticket({ subject: '' }) },
    { ...base, dueAt: undefined, deadline: base.deadline && 'viernes 4 de diciembre de 2026, 9:00' },
    { ...base, issueRef: 'DMINA-9<9>', previous: base.previous && { number: 55, subject: 'Antes & después' } },
    { ...base, ticket: ticket({ priority: 'urgent', status: 'open' }), contact: contact({ country: 'PT' }) },
    // Values the subject folds or the text part tidies: rendered the long way.
    { ...base, ticket: ticket({ subject: 'two  spaces' }) },
    { ...base, ticket: ticket({ subject: 'line\r\nBcc: x@example.com' }), contact: contact({ name: ' padded ' }) },
  ];
}

describe('notices from skeletons', () => {
  const cases = TEMPLATE_NAMES.flatMap((name) => LOCALES.map((locale) => [name, locale] as const));

  it.each(cases)('%s (%s) is exactly the full rendering, for every kind of value', (name, locale) => {
    const renderer = new TemplateRenderer();
    for (const ctx of variants(renderer.sampleContext(name, locale))) {
      // Twice: the first call of a shape builds its skeleton, the second fills it.
      expect(renderer.render(name, locale, ctx)).toEqual(renderer.renderFully(name, locale, ctx));
      expect(renderer.render(name, locale, ctx)).toEqual(renderer.renderFully(name, locale, ctx));
    }
  });

  it('renders a shape through Handlebars once, then fills it', () => {
    const renderer = new TemplateRenderer();
    const full = vi.spyOn(renderer, 'renderFully');
    const base = renderer.sampleContext('acknowledgement', 'es');
    for (let number = 1; number <= 50; number++) {
      const mail = renderer.render('acknowledgement', 'es', { ...base, ticket: { ...base.ticket, number, subject: `Caso ${number} <urgente>` } });
      expect(mail.subject).toContain(`[#${number}]`);
      expect(mail.html).toContain(`Caso ${number} &lt;urgente&gt;`);
    }
    // The skeleton, and its check with two sets of probe values.
    expect(full).toHaveBeenCalledTimes(3);
    // Another shape: no name, so the greeting changes.
    renderer.render('acknowledgement', 'es', { ...base, contact: { ...base.contact, name: null } });
    expect(full).toHaveBeenCalledTimes(6);
  });

  // A triple-stash lets the subject into the HTML unescaped; the tel helper keeps an address's digits, which
  // maps a placeholder and the first set of probes alike to their index (the second set tells them apart).
  it.each([
    ['closed.html.hbs', '<p>{{{ticket.subject}}}</p><p>{{contact.name}}</p>', (mail: { html: string }) => expect(mail.html).toContain('<p>x & <b>y</b></p>')],
    ['closed.text.hbs', 'Phone {{tel contact.email}} for #{{ticket.number}}', (mail: { text: string }) => expect(mail.text).toMatch(/^Phone \+1202555 for #1042/)],
  ])('renders in full, always, a shape whose template does more than interpolate a value (%s)', (file, template, expectation) => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'en', file), template);
    const renderer = new TemplateRenderer(dir);
    const full = vi.spyOn(renderer, 'renderFully');
    const base = renderer.sampleContext('closed', 'en');
    const mails = [
      { ...base, ticket: { ...base.ticket, subject: 'a <b>bold</b> claim' }, contact: { ...base.contact, email: '555-0100@example.com' } },
      { ...base, ticket: { ...base.ticket, subject: 'x & <b>y</b>' }, contact: { ...base.contact, email: '+1 (202) 555@example.com' } },
    ];
    const rendered = mails.map((ctx) => renderer.render('closed', 'en', ctx));
    const calls = full.mock.calls.length;
    expect(rendered).toEqual(mails.map((ctx) => renderer.renderFully('closed', 'en', ctx)));
    expectation(rendered[1] as { html: string; text: string });
    // The shape failed its check: each later mail of it went through Handlebars (the skeleton, the check,
    // and both mails: at least 4 calls).
    expect(calls).toBeGreaterThanOrEqual(4);
    renderer.render('closed', 'en', mails[0] as TemplateContext);
    expect(full.mock.calls.length).toBe(calls + 2 + 1);
  });

  it('keeps at most its limit of shapes, and answers right after evicting one', () => {
    const renderer = new TemplateRenderer();
    const base = renderer.sampleContext('acknowledgement', 'en');
    // Each support-hours sentence is a shape of its own.
    for (let i = 0; i < 300; i++) {
      const ctx = { ...base, support: { ...base.support, hours: `Hours variant ${i}` } };
      expect(renderer.render('acknowledgement', 'en', ctx).text).toContain(`Hours variant ${i}`);
    }
    const again = { ...base, support: { ...base.support, hours: 'Hours variant 0' } };
    expect(renderer.render('acknowledgement', 'en', again)).toEqual(renderer.renderFully('acknowledgement', 'en', again));
  });
  // answeredBy (close_undone after a colleague's answer) is not a per-ticket slot: it must make a shape of its own,
  // or the second colleague's mail would be the first one's skeleton, naming the wrong person.
  it.each(LOCALES)('close_undone notices (%s) after answers from different colleagues each name their own colleague', (locale) => {
    const renderer = new TemplateRenderer();
    const base = renderer.sampleContext('close_undone', locale);
    const names = ['Luis García', 'Pedro Ruiz', 'Marta <Gómez>'];
    const mails = names.map((answeredBy, i) => renderer.render('close_undone', locale, { ...base, ticket: { ...base.ticket, number: 2000 + i }, answeredBy }));
    names.forEach((name, i) => {
      const mail = mails[i] as { text: string; html: string };
      expect(mail.text).toContain(name);
      expect(mail.html).toContain(Handlebars.escapeExpression(name));
      for (const other of names.filter((n) => n !== name)) {
        expect(mail.text).not.toContain(other);
        expect(mail.html).not.toContain(Handlebars.escapeExpression(other));
      }
    });
  });
});
