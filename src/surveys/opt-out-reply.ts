// A reply to a survey mail that asks for no more of them ("Quiero darme de baja de estas encuestas", "Unsubscribe"):
// the wish the opt-out link in the mail's footer records (opt-out-routes.ts), said the way people say it. As an
// ordinary reply it reopened the solved ticket (a CSAT mail) or opened one (NPS), and the surveys went on.
// Only the unmistakable phrases of the bulletins' commands (bulletins/command-words.ts): a weak word alone ("Baja",
// "Stop", "Cancelar") may be a rating or the customer's problem ("baja" is also "low"), and stays for the desk.

import { isFiller, matchCommand, wordKey, wordsOf } from '../bulletins/command-words.js';

/** Words that may follow the command and name what is left: "de estas encuestas", "from these surveys". */
const ABOUT_SURVEYS = new Set(
  'encuesta encuestas survey surveys pesquisa pesquisas questionario questionarios cuestionario cuestionarios estas estos esta este essas esses these such mas more mail mails email emails correo correos'.split(' '),
);

/** The visible text (quotes and signature removed) only asks for no more surveys. */
export function asksNoMoreSurveys(visibleText: string): boolean {
  const words = wordsOf(visibleText.trim());
  if (words.length === 0 || words.length > 16) return false;
  const matched = matchCommand(words, 'unsubscribe');
  return matched?.strength === 'strong' && matched.rest.every((w) => isFiller(w) || ABOUT_SURVEYS.has(wordKey(w)));
}
