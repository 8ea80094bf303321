import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage } from '../../../src/surveys/copy.js';
import { renderErrorPage, renderSurveyPage, type SurveyPageInput } from '../../../src/surveys/pages.js';

const base: SurveyPageInput = { locale: 'es', kind: 'csat', scale: 'good_bad', ticket: { number: 1042, subject: 'Factura <script>alert(1)</script>' }, current: null, comment: null, action: '/survey?t=abc.def', saved: false };

describe('the survey pages', () => {
  it('are self-contained, in the contact\'s language, and escape what people wrote', () => {
    const html = renderSurveyPage({ ...base, current: 'bad', comment: '</textarea><img src=x onerror=alert(1)>' });
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="es"/);
    expect(html).toContain('name="viewport"');
    expect(html).not.toMatch(/<script|<img|src=|https?:\/\//i);
    expect(html).toContain('Factura &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/textarea&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;</textarea>');
    expect(html).toMatch(/value="bad" checked/);
    expect(html).toContain('Registramos su respuesta: <strong>Mala</strong>');
    expect(html).toContain('action="/survey?t&#x3D;abc.def"');
  });

  it('label every answer for screen readers, in a fieldset whose legend is the question', () => {
    const html = renderSurveyPage({ ...base, locale: 'en', kind: 'nps', scale: '0-10', ticket: null });
    expect(html).toContain('<legend>How likely are you to recommend us to a colleague or another company?</legend>');
    for (let n = 0; n <= 10; n++) expect(html).toContain(`<label class="choice" for="answer-${n}"><input type="radio" id="answer-${n}" name="answer" value="${n}" required><span>${n}</span></label>`);
    expect(html).toContain('aria-describedby="ends"');
    expect(html).toContain('<label class="field-label" for="comment">Comment (optional)</label>');
    expect(html).not.toContain('role="status"'); // not answered yet: no thanks
  });

  it('error pages say what happened and that nothing was stored', () => {
    const expired = renderErrorPage('pt', 'expired', 'suporte@example.pt');
    expect(expired).toContain('<html lang="pt"');
    expect(expired).toContain('<h1>Esta ligação expirou</h1>');
    expect(expired).toContain('Nenhuma resposta foi registada.');
    expect(renderErrorPage('en', 'invalid', 's@x.example')).toContain('<h1>This link is not valid</h1>');
  });

  it('an unknown visitor gets the page in their browser\'s language, Spanish by default', () => {
    expect(localeFromAcceptLanguage('pt-PT,pt;q=0.9,en;q=0.8')).toBe('pt');
    expect(localeFromAcceptLanguage('fr-FR, en-US;q=0.7')).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBe('es');
    expect(localeFromAcceptLanguage('de')).toBe('es');
  });
});
