import { aboveSignature } from './signature-block.js';

// A reply that only thanks (DOMAIN.md rule 4: the customer has 84 business hours to validate or reject the
// solution). "¡Muchas gracias!" to a solved ticket validates it: reopening it put a settled case back in the
// agents' queue and restarted its window, and to a closed one it opened a follow-up with an acknowledgement
// ("we received your request #1043"). What a mail says beyond thanks (a problem, a question, a negation,
// another name than the sender's) keeps the rule's "a reply reopens": only the words below may appear.

/** Words that thank: one of them must be there. */
const THANKS = new Set([
  'gracias', 'agradezco', 'agradecido', 'agradecida', 'agradecidos',
  'obrigado', 'obrigada', 'obrigados', 'obrigadíssimo', 'obrigadíssima', 'agradeço', 'agradecemos',
  'thanks', 'thank', 'thx', 'ty', 'cheers', 'appreciated', 'appreciate',
]);

/** Courtesy, praise and "it works now" in Spanish, Portuguese and English: nothing that asks or objects. */
const COURTESY = new Set([
  // es
  'muchas', 'muchísimas', 'mil', 'por', 'la', 'el', 'su', 'tu', 'sus', 'ayuda', 'apoyo', 'atención', 'atencion',
  'perfecto', 'perfecta', 'excelente', 'genial', 'listo', 'lista', 'ok', 'okay', 'vale', 'bien', 'todo', 'ya',
  'funciona', 'funcionó', 'funcionando', 'sirvió', 'quedó', 'resuelto', 'resuelta', 'solucionado', 'solucionada', 'saludos', 'saludo', 'cordiales',
  'cordial', 'atentamente', 'un', 'una', 'abrazo', 'buen', 'buena', 'día', 'dia', 'tarde', 'tardes', 'noches', 'de',
  'nuevo', 'nuevamente', 'servicio', 'muy', 'amable', 'amables', 'súper', 'super', 'equipo', 'soporte', 'hola',
  'les', 'le', 'y',
  // pt
  'muito', 'muita', 'muitíssimo', 'pela', 'pelo', 'a', 'o', 'perfeito', 'perfeita', 'ótimo', 'ótima', 'otimo',
  'já', 'ja', 'tudo', 'bem', 'resolvido', 'resolvida', 'cumprimentos', 'melhores', 'abraço', 'abraços', 'bom',
  'boa', 'noite', 'mais', 'vez', 'olá', 'suporte', 'atenção', 'e', 'ajuda', 'apoio', 'funcionou', 'funcionando',
  // en
  'you', 'so', 'much', 'very', 'many', 'lot', 'for', 'the', 'your', 'help', 'support', 'great', 'perfect',
  'awesome', 'excellent', 'regards', 'best', 'kind', 'it', 'works', 'working', 'now', 'all', 'good', 'again',
  'that', 'did', 'trick', 'have', 'nice', 'day', 'sorted', 'fixed', 'resolved', 'solved', 'is', 'everything',
  'fine', 'team', 'hi', 'hello', 'and', 'guys', "it's", 'it’s', 'i', 'we',
]);

/**
 * English auxiliaries that open a question when a clause starts with them ("Thanks, is it fixed now", its mark
 * forgotten). Not "have": "Thanks, have a nice day".
 */
const QUESTION_OPENERS = new Set(['is', 'are', 'was', 'were', 'do', 'does', 'did', 'can', 'could', 'will', 'would', 'should', 'shall']);

/** What an auxiliary asks about when it comes first ("is it", "did that", "is everything"). */
const SUBJECTS = new Set(['it', 'that', 'this', 'everything', 'all', 'i', 'we', 'you', 'they', 'there']);

/**
 * A question without its mark. A clause opened by an auxiliary ("Thanks, is it fixed now"); clauses end at any
 * sign, not only at , . ; : ! ("Thanks - is it fixed now", "Thanks 🙂 is it fixed now"). And, as customers leave
 * out punctuation altogether ("Thanks so much is it fixed now"), an auxiliary before its subject with no subject
 * in front of it: "it is all fixed", "that did the trick", "we did it" state. The "you" of "thank you" is no
 * subject ("Thank you is it fixed now").
 */
function asksWithoutMark(text: string): boolean {
  return text.split(/[^\p{L}\s'’]+/u).some((clause) => {
    const words = wordsOf(clause);
    return words.some((word, i) => {
      if (!QUESTION_OPENERS.has(word)) return false;
      // "Did the trick, thanks!" leaves out its subject ("that"): it states. ("Did the trick work" has a word
      // beyond courtesy, and reopens anyway.)
      if (word === 'did' && words[i + 1] === 'the' && words[i + 2] === 'trick') return false;
      if (i === 0) return true;
      const before = words[i - 1] ?? '';
      const subjectBefore = SUBJECTS.has(before) && !(before === 'you' && words[i - 2] === 'thank');
      return SUBJECTS.has(words[i + 1] ?? '') && !subjectBefore;
    });
  });
}

/**
 * Emoji that approve. Any other may disapprove ("Gracias 👎", "Gracias 🙄", "Thanks 🤦", "Obrigado ❌"): a list of
 * the disapproving ones always missed some, and in doubt the reply reopens. (Skin tones, the variation selector
 * and the joiner of a sequence are no pictographs: "👍🏽" and "❤️" are checked as 👍 and ❤.)
 */
const APPROVING = new Set([...'👍👌👏🙌🙏🤝💪😀😃😄😁😊🙂☺😉😍🥰🤗😇😎🥳🎉✨⭐🌟💯✅✔❤💙💚💛💜🧡🤍💐🌹']);

/** Emoticons that disapprove: "Gracias :(", ":-(", ":'(", ":/", "-_-", "¬¬" (annoyance, in Latin America). */
const DISAPPROVING_EMOTICON = /[:;=]['’]?-?[(\[/\\|{]|-_-|¬¬/;

const disapproves = (text: string): boolean =>
  DISAPPROVING_EMOTICON.test(text) || [...text.matchAll(/\p{Extended_Pictographic}/gu)].some(([emoji]) => !APPROVING.has(emoji));

/** Longer than this, a mail says more than thanks. */
const MAX_CHARS = 120;

const wordsOf = (text: string): string[] => text.toLowerCase().match(/\p{L}+(?:['’]\p{L}+)?/gu) ?? [];

/**
 * The words of a text that says nothing but courtesy: each a thanking word, a courtesy or the sender's own
 * name (a sign-off), no question (marked, or asked without its mark), no disapproving emoji, at most
 * MAX_CHARS characters. Null when it says more.
 */
function courtesyWords(visibleText: string, sender: { name: string | null; address: string }): string[] | null {
  const text = visibleText.trim();
  if (text === '' || text.length > MAX_CHARS || /[?¿]/.test(text) || disapproves(text)) return null;
  if (asksWithoutMark(text)) return null;
  const words = wordsOf(text);
  const own = new Set([...wordsOf(sender.name ?? ''), ...wordsOf(sender.address.split('@')[0] ?? '')]);
  return words.every((w) => THANKS.has(w) || COURTESY.has(w) || own.has(w)) ? words : null;
}

/**
 * True when the visible text only thanks: courtesy (above) with a thanking word among it, alone or above the
 * sender's signature (Outlook's has no "-- " line: signature-block.ts).
 */
export function isOnlyThanks(visibleText: string, sender: { name: string | null; address: string }): boolean {
  const thanks = (text: string) => courtesyWords(text, sender)?.some((w) => THANKS.has(w)) ?? false;
  if (thanks(visibleText)) return true;
  const above = aboveSignature(visibleText, sender, MAX_CHARS);
  return above !== visibleText && thanks(above);
}

/**
 * True when the text is only courtesy, thanks or not, and no number: what may follow a survey score in a
 * reply ("9 / ¡Gracias!", "5 / Saludos, Ana") without saying anything more.
 */
export function isOnlyCourtesy(text: string, sender: { name: string | null; address: string }): boolean {
  return !/\d/.test(text) && courtesyWords(text, sender) !== null;
}
