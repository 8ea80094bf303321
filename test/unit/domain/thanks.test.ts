import { describe, expect, it } from 'vitest';
import { isOnlyCourtesy, isOnlyThanks } from '../../../src/domain/thanks.js';

// A reply that only thanks (DOMAIN.md rule 4: the customer validates the solution) keeps a solved ticket solved
// and opens no follow-up of a closed one. Anything more than thanks keeps the rule's "a reply reopens".

const ana = { name: 'Ana Pérez', address: 'ana.perez@cliente.mx' };

describe('isOnlyThanks', () => {
  it.each([
    '¡Muchas gracias!',
    'Gracias',
    'gracias!!! 🙏',
    'Perfecto, muchas gracias por la ayuda.',
    'Ya funciona, gracias.',
    'Mil gracias, excelente servicio',
    'Listo, muchas gracias. Saludos',
    'Gracias,\nAna',
    'Muchas gracias\n\nSaludos cordiales,\nAna Pérez',
    'Muito obrigada pela ajuda!',
    'Obrigado, já funciona. Cumprimentos',
    'Thanks!',
    'Thank you so much for your help :)',
    'Great, thanks a lot!',
    'Thx',
    'It works now, thank you!',
    'Gracias, funcionó.',
    'Ya quedó funcionando, gracias',
    'Obrigado, funcionou!',
    "Thanks, it's working now",
    'Thanks, I appreciate it',
    'Thanks 👍',
    'Gracias 😊',
    'Thanks, have a nice day',
    'It is fixed now, thanks',
    'Thanks, it is all fixed',
    'That is all, thanks',
    'Thanks, we did it',
    'Everything is fine, thanks',
    'Did the trick, thanks!',
    'Thanks! Did the trick',
    'Gracias 👍🏽',
    'Obrigada ❤️',
    'Thanks 😀🎉',
    'Gracias ;)',
  ])('%j is only thanks', (text) => {
    expect(isOnlyThanks(text, ana)).toBe(true);
  });

  it.each([
    ['no thanks at all', 'Ok'],
    ['a problem', 'Gracias, pero sigue fallando.'],
    ['a negation', 'No funciona, gracias'],
    ['a question', 'Gracias. ¿Y el otro error?'],
    ['another request', 'Thanks! Can you also check the March invoice?'],
    ['a negation in English', "Thanks, but it doesn't work"],
    ['still', 'Gracias, todavía aparece el error 500'],
    ['a rejection', 'No, gracias'],
    ['it did not work', 'Gracias, no funcionó'],
    ['still failing', "Thanks, it's still failing"],
    ['still seen', 'Thanks, I still see the error'],
    ['a question without its mark', 'Thanks, is it fixed now'],
    ['a question without its mark, after the thanks', 'Thank you. Did it go through'],
    ['a question without its mark, after a dash', 'Thanks - is it fixed now'],
    ['a question without its mark, after an ellipsis', 'Thanks… is it fixed now'],
    ['a question without its mark, after an emoji', 'Thanks 🙂 is it fixed now'],
    ['a question without any punctuation', 'Thanks so much is it fixed now'],
    ['a question without any punctuation, after thank you', 'Thank you is it fixed now'],
    ['a question after "and"', 'Thanks, and is everything fixed now'],
    ['a question before the thanks', 'Hi team is everything fixed now thanks'],
    ['a question about the trick', 'Thanks, did the trick work'],
    ['a thumbs down', 'Gracias 👎'],
    ['a sad face', 'Obrigado 🙁'],
    ['an angry face', 'thanks 😡'],
    ['rolled eyes', 'Gracias 🙄'],
    ['a facepalm', 'Thanks 🤦‍♀️'],
    ['a cross', 'Obrigado ❌'],
    ['a blank face', 'Gracias 😐'],
    ['a sad emoticon', 'Gracias :('],
    ['a sad emoticon with a nose', 'Thanks :-('],
    ['a crying emoticon', "Obrigado :'("],
    ['a wry emoticon', 'gracias :/'],
    ['an annoyed emoticon', 'Gracias ¬¬'],
    ['an unamused emoticon', 'thanks -_-'],
    ['someone else named', 'Gracias,\nLuis'],
    ['empty', ''],
    ['long', `Muchas gracias ${'gracias '.repeat(20)}`],
  ])('%s is not: %j', (_why, text) => {
    expect(isOnlyThanks(text, ana)).toBe(false);
  });
});

describe('isOnlyCourtesy (what may follow a survey score in a reply)', () => {
  it.each(['¡Gracias!', 'Saludos,\nAna Pérez', 'excelente servicio', 'Muy bien'])('%j is', (text) => {
    expect(isOnlyCourtesy(text, ana)).toBe(true);
  });
  it.each(['Sigue fallando la factura', 'Saludos,\nLuis', 'gracias, ¿y el XML?', 'Gracias 2', 'Gracias :('])('%j is not', (text) => {
    expect(isOnlyCourtesy(text, ana)).toBe(false);
  });
});
