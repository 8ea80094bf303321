import { describe, expect, it } from 'vitest';
import { businessPeriod } from '../../../src/outbound/locale.js';
import { TemplateRenderer, type Locale, type TemplateContext } from '../../../src/outbound/templates.js';

// close_undone to the ticket's other people when a too-large answer in time undid the timer's close
// (too-large-close-undone.ts): its sender gets the too_large notice; the others, who had the closing mail, are told
// the ticket is open again, and nothing of a reply they did not send nor of information nobody could read.

const LOCALES: Locale[] = ['es', 'pt', 'en'];
const renderer = new TemplateRenderer();
const ctx = (locale: Locale, patch: Partial<TemplateContext>): TemplateContext => ({ ...renderer.sampleContext('close_undone', locale), ...patch });

describe('close_undone for an answer too large to read', () => {
  it.each(LOCALES)('the mail telling the others a too-large answer undid the close (%s) says a mail about it came in time, nothing of what it said', (locale) => {
    const said = {
      es: { pending: 'se había cerrado por falta de respuesta, pero un correo sobre él nos llegó a tiempo, dentro del plazo de 5 días hábiles: el cierre fue un error', solved: 'al dar por aceptada la solución, pero un correo sobre él', untrue: ['su respuesta', 'revisará', 'tamaño'] },
      pt: { pending: 'tinha sido encerrado por falta de resposta, mas um e-mail sobre ele chegou-nos a tempo, dentro do prazo de 5 dias úteis: o encerramento foi um erro', solved: 'por considerarmos a solução aceite, mas um e-mail sobre ele', untrue: ['a sua resposta', 'analisar', 'tamanho'] },
      en: { pending: 'had been closed for lack of a reply, but an email about it reached us in time, within the 5 business days allowed: the closure was a mistake', solved: 'with the solution taken as accepted, but an email about it', untrue: ['your reply', 'review', 'too large'] },
    }[locale];
    const unread = (closedAfter: 'pending' | 'solved', hours: number) => renderer.render('close_undone', locale, ctx(locale, { closedAfter, window: businessPeriod(hours, 12, locale), answerUnread: true }));
    const pending = unread('pending', 60);
    const solved = unread('solved', 84);
    for (const part of [pending.text, pending.html.replace(/<\/?strong>/g, '')]) expect(part).toContain(said.pending);
    for (const part of [solved.text, solved.html]) expect(part).toContain(said.solved);
    for (const mail of [pending, solved]) for (const words of said.untrue) expect(mail.text + mail.html).not.toContain(words);
  });
});

// close_undone after an answer in time from someone other than the requester (a colleague in copy): the one mail to the
// requester and the copies names its sender instead of "your reply" (apply.ts answeredBy).
describe('close_undone for an answer in time that was not the requester\'s', () => {
  it.each(LOCALES)('(%s) says a reply from the colleague, by name, came in time, and nothing of "your reply" nor of what "you sent"', (locale) => {
    const said = {
      es: { pending: 'se había cerrado por falta de respuesta, pero una respuesta de Luis García sobre él nos llegó a tiempo, dentro del plazo de 5 días hábiles: el cierre fue un error', solved: 'al dar por aceptada la solución, pero una respuesta de Luis García sobre la solución nos llegó a tiempo', untrue: ['su respuesta', 'que nos envió'] },
      pt: { pending: 'tinha sido encerrado por falta de resposta, mas uma resposta de Luis García sobre ele chegou-nos a tempo, dentro do prazo de 5 dias úteis: o encerramento foi um erro', solved: 'por considerarmos a solução aceite, mas uma resposta de Luis García sobre a solução chegou-nos a tempo', untrue: ['a sua resposta', 'que nos enviou'] },
      en: { pending: 'had been closed for lack of a reply, but a reply from Luis García on it reached us in time, within the 5 business days allowed: the closure was a mistake', solved: 'with the solution taken as accepted, but a reply from Luis García about the solution reached us in time', untrue: ['your reply', 'you sent'] },
    }[locale];
    const byLuis = (closedAfter: 'pending' | 'solved', hours: number) => renderer.render('close_undone', locale, ctx(locale, { closedAfter, window: businessPeriod(hours, 12, locale), answeredBy: 'Luis García' }));
    const pending = byLuis('pending', 60);
    const solved = byLuis('solved', 84);
    for (const mail of [pending, solved]) for (const words of said.untrue) expect(mail.text + mail.html).not.toContain(words);
    for (const part of [pending.text, pending.html]) expect(part).toContain(said.pending);
    for (const part of [solved.text, solved.html]) expect(part).toContain(said.solved);
  });

  it('a name with markup is shown as text in the html part', () => {
    const mail = renderer.render('close_undone', 'es', ctx('es', { closedAfter: 'pending', window: businessPeriod(60, 12, 'es'), answeredBy: '<b>Luis</b>' }));
    expect(mail.html).toContain('una respuesta de &lt;b&gt;Luis&lt;/b&gt; sobre él');
    expect(mail.text).toContain('una respuesta de <b>Luis</b> sobre él');
  });
});
