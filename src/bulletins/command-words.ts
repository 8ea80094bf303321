import { isServed } from './countries.js';

// The words of the mail commands (mail-commands.ts), in Spanish, Portuguese and English, as people write
// them: "Suscripción al boletín fiscal", "Quiero darme de baja", "SUBSCREVER PT e MX". Compared without
// accents or case. A "strong" phrase is a command whatever follows it; a "weak" one ("Baja", "Stop", "Alta")
// is also an ordinary word ("Baja de tasas del ISR", "Alta en el padrón"), so it is a command only when
// nothing but countries and filler words follow.

export type Strength = 'strong' | 'weak';

const phrases = (list: string): string[][] => list.split(',').map((p) => p.trim().split(' '));

const UNSUBSCRIBE: Record<Strength, string[][]> = {
  strong: phrases(
    'unsubscribe, desuscribir, desuscribirme, desuscribirse, desuscribeme, desubscribir, desubscribirme, desubscribirse, ' +
      'desinscribir, desinscribirme, desinscrever, desinscrever-me, descadastrar, descadastrar-me, darme de baja, dar de baja, ' +
      'darse de baja, dame de baja, denme de baja, cancelar suscripcion, cancelar subscripcion, cancelar inscricao, ' +
      'cancelar subscricao, cancelar assinatura, anular suscripcion, opt-out, opt out, remove me',
  ),
  weak: phrases('baja, stop, remover, remove, cancelar, cancel, sair'),
};

const SUBSCRIBE: Record<Strength, string[][]> = {
  strong: phrases(
    'suscribir, suscribirme, suscribirse, suscribeme, suscribanme, suscripcion, subscribir, subscribirme, subscribirse, ' +
      'subscripcion, subscribe, subscription, sign up, signup, subscrever, subscrever-me, subscreve-me, subscricao, ' +
      'inscrever, inscrever-me, inscreva-me, inscribir, inscribirme',
  ),
  weak: phrases('alta, darme de alta, dar de alta, inscripcion, inscricao, assinar, join'),
};

/** Words around a command that say nothing about it: articles, "por favor", the list's name, "y"/"e"/"and". */
const FILLER = new Set(
  (
    'a al el la lo los las del de do da dos das ao aos en em in on at para pra por favor porfa porfavor pf please pls plz ' +
    'gracias obrigado obrigada thanks thank you me mi mis my i yo eu to the of for from this list lista y e and o u ou or ' +
    'boletin boletines boletim boletins bulletin bulletins newsletter newsletters fiscal fiscales fiscais tributario ' +
    'tributaria tributarias noticias novedades news pais paises country countries quiero quisiera deseo quero gostaria want ' +
    'would like su sus seu sua tambien also hola ola hello hi saludos with con com todos todas all'
  ).split(' '),
);

export const wordKey = (word: string): string => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** "DO" in capitals is the Dominican Republic; "do" is Portuguese for "of the". */
export function isFiller(word: string): boolean {
  return FILLER.has(wordKey(word)) && !(word === word.toUpperCase() && isServed(word));
}

/** The words of a line: punctuation and the filler words around them dropped ("Costa Rica" stays two words). */
export function wordsOf(line: string): string[] {
  return line
    .split(/[\s,;:.!¡?¿()[\]{}"'«»“”‘’/|*_<>]+/)
    .map((w) => w.replace(/^-+|-+$/g, ''))
    .filter(Boolean);
}

export type Matched = { strength: Strength; rest: string[] };

/** The command phrase at the start of `words` (after filler words such as "quiero", "por favor"). */
export function matchCommand(words: readonly string[], kind: 'subscribe' | 'unsubscribe'): Matched | null {
  let start = 0;
  while (start < words.length && isFiller(words[start] as string)) start++;
  const keys = words.slice(start).map(wordKey);
  const table = kind === 'subscribe' ? SUBSCRIBE : UNSUBSCRIBE;
  for (const strength of ['strong', 'weak'] as const) {
    // The longest phrase first: "cancelar suscripcion" is strong, "cancelar" alone weak.
    const found = table[strength].filter((p) => p.every((w, i) => keys[i] === w)).sort((a, b) => b.length - a.length)[0];
    if (found) return { strength, rest: words.slice(start + found.length).filter((w) => !isFiller(w)) };
  }
  return null;
}
