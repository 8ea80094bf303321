// A reply to a survey mail that asks for no more of them ("Quiero darme de baja de estas encuestas", "Unsubscribe"):
// the wish the opt-out link in the mail's footer records (opt-out-routes.ts), said the way people say it. As an
// ordinary reply it reopened the solved ticket (a CSAT mail) or opened one (NPS), and the surveys went on.
// Only the unmistakable phrases of the bulletins' commands (bulletins/command-words.ts): a weak word alone ("Baja",
// "Stop", "Cancelar") may be a rating or the customer's problem ("baja" is also "low"), and stays for the desk.
// The opt-out is silent (the ticket stays solved), so it is taken only when the reply is plainly about the surveys:
// "dar de baja mi correo", "unsubscribe me from all emails", "cancelar suscripción" ask about the address, all mail,
// an account or a subscription to the service, and were swallowed while the desk never saw them.

import { matchCommand, wordKey, wordsOf } from '../bulletins/command-words.js';

/** Words that name the surveys: "de las encuestas", "from these surveys". */
const SURVEY_WORDS = new Set(
  'encuesta encuestas survey surveys pesquisa pesquisas questionario questionarios cuestionario cuestionarios'.split(' '),
);

/** "These": the mails the reply answers, when plural ("estos correos", "these emails"), or alone ("Unsubscribe from these"). */
const THESE = new Set('estas estos these essas esses estes'.split(' '));

/** Mail words: only "these mails" may stand for the surveys ("mi correo", "todos los correos", "all mail" do not). */
const MAIL_WORDS = new Set('mails emails e-mails correos mensajes mensagens messages'.split(' '));

/** "All" (filler to the bulletins' commands): "de todos los correos", "from all": every mail, unless surveys are named. */
const ALL = new Set('todo todos todas toda all everything every tudo'.split(' '));

/** Other mail (filler to the bulletins' commands): "de la lista", "del boletín" ask for something else than surveys. */
const OTHER_MAIL = new Set(
  'lista list boletin boletines boletim boletins bulletin bulletins newsletter newsletters noticias novedades news fiscal fiscales fiscais'.split(' '),
);

/** Said of what is left without naming anything else. */
const MODIFIERS = new Set('mas more'.split(' '));

/** Phrases that name a subscription: about the service (or a bulletin) unless they name the surveys. */
const SUBSCRIPTION_KEYS = new Set(['suscripcion', 'subscripcion', 'inscricao', 'subscricao', 'assinatura']);

/** The visible text (quotes and signature removed) only asks for no more surveys. */
export function asksNoMoreSurveys(visibleText: string): boolean {
  const words = wordsOf(visibleText.trim());
  if (words.length === 0 || words.length > 16) return false;
  const matched = matchCommand(words, 'unsubscribe');
  if (matched?.strength !== 'strong') return false;
  let namesSurveys = false;
  let previous = '';
  for (const word of matched.rest) {
    const key = wordKey(word);
    // "these emails", "these survey emails": the mails being answered; "mi correo", "all emails" are not.
    if (SURVEY_WORDS.has(key) || (MAIL_WORDS.has(key) && (THESE.has(previous) || SURVEY_WORDS.has(previous)))) namesSurveys = true;
    else if (!THESE.has(key) && !MODIFIERS.has(key)) return false;
    previous = key;
  }
  if (words.some((w) => OTHER_MAIL.has(wordKey(w)))) return false;
  if (!namesSurveys && words.some((w) => ALL.has(wordKey(w)))) return false;
  // "Cancelar suscripción" alone is about the service (or the bulletin), not the survey just received.
  return namesSurveys || !words.some((w) => SUBSCRIPTION_KEYS.has(wordKey(w)));
}
