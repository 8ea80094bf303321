import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage } from '../../../src/http/page-reply.js';
import { PAGE_COPY } from '../../../src/surveys/copy.js';
import { renderErrorPage, renderOptOutPage, renderSurveyPage, type SurveyPageInput } from '../../../src/surveys/pages.js';

const base: SurveyPageInput = { locale: 'es', brand: 'Mesa de Ayuda', kind: 'csat', scale: 'good_bad', ticket: { number: 1042, subject: 'Factura <script>alert(1)</script>' }, current: null, picked: null, comment: null, action: '/survey?t=abc.def', saved: false };

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

  it('a link\'s answer comes picked, not recorded: the page asks to send it', () => {
    const html = renderSurveyPage({ ...base, picked: 'bad' });
    expect(html).toContain('<h1>Confirme su respuesta</h1>');
    expect(html).toContain('Pulse «Enviar» para registrarla');
    expect(html).toMatch(/value="bad" checked/);
    expect(html).not.toMatch(/value="good" checked/);
    expect(html).not.toContain('role="status"'); // nothing recorded: no thanks
    expect(html).toContain('<button type="submit">Enviar</button>');

    // Already answered "good", the link of "bad" opened: the page says what is recorded, picks "bad", asks to save.
    const change = renderSurveyPage({ ...base, locale: 'en', current: 'good', picked: 'bad' });
    expect(change).toContain('We recorded your answer: <strong>Good</strong>');
    expect(change).toMatch(/value="bad" checked/);
    expect(change).toContain('Press “Save changes” to record it instead of the previous one.');
    expect(change).toContain('<button type="submit">Save changes</button>');
    // The link of the answer already recorded: nothing to confirm.
    expect(renderSurveyPage({ ...base, locale: 'en', current: 'good', picked: 'good' })).not.toContain('Press “Save changes”');
  });

  it('the words that ask to press the button name it, in every language', () => {
    for (const t of Object.values(PAGE_COPY)) {
      expect(t.confirm).toContain(t.submit);
      expect(t.confirmChange).toContain(t.update);
    }
  });

  it('error pages say what happened and that nothing was stored', () => {
    const expired = renderErrorPage('pt', 'expired', { name: 'Apoio ao Cliente', address: 'suporte@example.pt' });
    expect(expired).toContain('<html lang="pt"');
    expect(expired).toContain('<h1>Esta ligação expirou</h1>');
    expect(expired).toContain('Nenhuma resposta foi registada.');
    expect(expired).toContain('<p class="brand">Apoio ao Cliente · Inquérito de satisfação</p>');
    expect(renderErrorPage('en', 'invalid', { name: 'Help desk', address: 's@x.example' })).toContain('<h1>This link is not valid</h1>');
  });

  it('the opt-out page asks with one button (a GET records nothing), then says it is done; no script', () => {
    const ask = renderOptOutPage({ locale: 'pt', brand: 'Apoio ao Cliente', email: 'joana@contabil.pt', done: false, action: '/survey/opt-out?t=abc.def' });
    expect(ask).toMatch(/^<!DOCTYPE html>\n<html lang="pt"/);
    expect(ask).toContain('<h1>Deixar de receber inquéritos?</h1>');
    expect(ask).toContain('<p class="brand">Apoio ao Cliente · Inquérito de satisfação</p>');
    expect(ask).toContain('joana@contabil.pt');
    expect(ask).toContain('<form method="post" action="/survey/opt-out?t&#x3D;abc.def"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Não quero mais inquéritos</button></form>');
    expect(ask).not.toMatch(/<script|<img|src=|https?:\/\//i);
    const done = renderOptOutPage({ locale: 'es', brand: 'Mesa de Ayuda', email: '<b>x</b>@cliente.mx', done: true, action: '/survey/opt-out?t=abc.def' });
    expect(done).toContain('role="status"');
    expect(done).toContain('No le enviaremos más encuestas');
    expect(done).toContain('&lt;b&gt;x&lt;/b&gt;@cliente.mx');
    expect(done).not.toContain('<form');
  });

  it('the error page of an opt-out link says nothing was changed', () => {
    const html = renderErrorPage('en', 'invalid', { name: 'Help desk', address: 's@x.example' }, 'opt_out');
    expect(html).toContain('<h1>This link is not valid</h1>');
    expect(html).toContain('Nothing was changed.');
    expect(html).not.toContain('No answer was recorded.');
  });

  it('an unknown visitor gets the page in their browser\'s language, Spanish by default', () => {
    expect(localeFromAcceptLanguage('pt-PT,pt;q=0.9,en;q=0.8')).toBe('pt');
    expect(localeFromAcceptLanguage('fr-FR, en-US;q=0.7')).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBe('es');
    expect(localeFromAcceptLanguage('de')).toBe('es');
    // By the weights the browser gives, not the order it lists them in; q=0 is "not this one" (RFC 9110 12.5.4).
    expect(localeFromAcceptLanguage('en;q=0.3, pt-BR;q=0.9')).toBe('pt');
    expect(localeFromAcceptLanguage('en;q=0, pt;q=0.1')).toBe('pt');
    expect(localeFromAcceptLanguage('en;q=0')).toBe('es');
    expect(localeFromAcceptLanguage('pt;q=0.5, en')).toBe('en');
    expect(localeFromAcceptLanguage('en;q=abc, pt')).toBe('pt');
  });
});
