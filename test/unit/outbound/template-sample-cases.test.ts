import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../../src/outbound/locale.js';
import { SAMPLE_COLLEAGUE, sampleCases } from '../../../src/outbound/template-samples.js';
import { TEMPLATE_NAMES, TemplateRenderer } from '../../../src/outbound/templates.js';

// `templates preview --case` shows the wordings the default sample does not reach (close_undone after a colleague's
// answer, or an answer nobody could read; too_large for an answer that undid a close), so a desk can see each one
// before its customers do.

const renderer = new TemplateRenderer();
const text = (name: Parameters<typeof renderer.sampleContext>[0], locale: (typeof LOCALES)[number], cases: string[] = []) =>
  renderer.render(name, locale, renderer.sampleContext(name, locale, cases)).text;

describe('sample cases of a notice', () => {
  it('close_undone: the colleague\'s answer, the unreadable one and the close for lack of a reply, each its own wording', () => {
    expect(sampleCases('close_undone')).toEqual(['pending', 'colleague', 'unread']);
    expect(text('close_undone', 'es')).toContain('pero su respuesta sobre la solución nos llegó a tiempo');
    expect(text('close_undone', 'es', ['colleague'])).toContain(`pero una respuesta de ${SAMPLE_COLLEAGUE.es} sobre la solución nos llegó a tiempo`);
    expect(text('close_undone', 'es', ['colleague', 'pending'])).toContain(`por falta de respuesta, pero una respuesta de ${SAMPLE_COLLEAGUE.es} sobre él nos llegó a tiempo`);
    expect(text('close_undone', 'es', ['unread'])).toContain('pero un correo sobre él nos llegó a tiempo');
    expect(text('close_undone', 'en', ['pending'])).toContain('had been closed for lack of a reply, but your reply reached us in time');
  });

  it('too_large: the mail that came in time and undid a close that was a mistake', () => {
    expect(sampleCases('too_large')).toEqual(['undoes-close', 'pending']);
    expect(text('too_large', 'es')).not.toContain('se había cerrado');
    expect(text('too_large', 'es', ['undoes-close'])).toContain('se había cerrado al dar por aceptada la solución, pero este correo nos llegó a tiempo');
    expect(text('too_large', 'es', ['pending'])).toContain('se había cerrado por falta de respuesta, pero este correo nos llegó a tiempo');
  });

  it.each(TEMPLATE_NAMES)('%s: every case renders in every language, each a wording of its own', (name) => {
    for (const locale of LOCALES) {
      const seen = new Set([text(name, locale)]);
      for (const one of sampleCases(name)) seen.add(text(name, locale, [one]));
      expect(seen.size).toBe(sampleCases(name).length + 1);
    }
  });

  it('an unknown case is refused, naming the cases there are', () => {
    expect(() => renderer.sampleContext('close_undone', 'es', ['colega'])).toThrow(/close_undone has no sample case "colega"; its cases: pending, colleague, unread/);
    expect(() => renderer.sampleContext('answer', 'es', ['colleague'])).toThrow(/answer has no sample case "colleague"; it has none/);
  });
});
