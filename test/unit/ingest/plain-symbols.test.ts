import { describe, expect, it } from 'vitest';
import { HtmlFonts } from '../../../src/ingest/visible-text/html-fonts.js';
import { htmlToText } from '../../../src/ingest/visible-text/html-to-text.js';
import { plainWithSymbols } from '../../../src/ingest/visible-text/plain-symbols.js';
import { outlookHtml, outlookItem, p, wingdings } from '../../support/outlook-html.js';

// An Outlook mail's text/plain part has the letters its HTML part shows in a symbol font ("gracias J" for
// "gracias ☺"): the letter is replaced where the HTML's text, its symbols marked, lines up with the plain text
// around it, and only there.

describe("a text/plain part's letters that its HTML part shows in a symbol font", () => {
  it('replaces several symbols, next to each other too, and leaves the same letters in other words as they are', () => {
    const html = outlookHtml([
      p(`Juan: ya funciona ${wingdings('JJ')} y el otro equipo no ${wingdings('L')}`),
      p(`Men&uacute; ${wingdings('à')} Opciones ${wingdings('è')} Guardar`),
      p(`Perfecto <span style='font-family:Wingdings'>&#61514;</span>`),
    ].join('\n'));
    const plain = 'Juan: ya funciona JJ y el otro equipo no L\r\nMenú à Opciones è Guardar\r\nPerfecto J\r\n';
    expect(plainWithSymbols(plain, html)).toBe('Juan: ya funciona ☺☺ y el otro equipo no ☹\r\nMenú → Opciones ⇒ Guardar\r\nPerfecto ☺\r\n');
    // Word's private-use code of the symbol may be in the text/plain part as well.
    expect(plainWithSymbols('Perfecto \uf04a', outlookHtml(p(`Perfecto ${wingdings('J')}`)))).toBe('Perfecto ☺');
  });

  it('replaces a symbol at the end of a line, also when what follows differs (a signature image the HTML has no text for)', () => {
    const html = outlookHtml([p(`Gracias ${wingdings('J')}`), p('&nbsp;'), p('<b>Ana Ruiz</b>'), p("<img width=120 height=40 src=\"cid:image001.png@01DA1234.56789ABC\">"), p('Gerente de compras')].join('\n'));
    const plain = 'Gracias J\n\nAna Ruiz\n[cid:image001.png@01DA1234.56789ABC]\nGerente de compras\n';
    expect(plainWithSymbols(plain, html)).toBe('Gracias ☺\n\nAna Ruiz\n[cid:image001.png@01DA1234.56789ABC]\nGerente de compras\n');
    // A mail that is only a smiley.
    expect(plainWithSymbols('J\n', outlookHtml(p(wingdings('J'))))).toBe('☺\n');
  });

  it("shows a list's Symbol and Wingdings bullets as bullets, with Outlook's spaces after them", () => {
    const html = outlookHtml([p('Lo que prob&eacute;:'), outlookItem('Symbol', '·', 'Reinici&eacute; el equipo'), outlookItem('Wingdings', '§', 'Borr&eacute; la cach&eacute;')].join('\n'));
    const plain = 'Lo que probé:\n\n·         Reinicié el equipo\n\n§  Borré la caché\n';
    expect(plainWithSymbols(plain, html)).toBe('Lo que probé:\n\n•         Reinicié el equipo\n\n▪  Borré la caché\n');
  });

  it('replaces the symbols of quoted text, unquoted (Outlook) or quoted with "> " in the text and a blockquote in the HTML', () => {
    const html = [
      `<p>Listo ${wingdings('J')}</p><blockquote><p>El lunes 23, Soporte escribi&oacute;:</p>`,
      `<p>&iquest;Ya puede entrar? ${wingdings('K')}</p><blockquote><p>No entra ${wingdings('L')}</p></blockquote></blockquote>`,
    ].join('');
    const plain = 'Listo J\n\n> El lunes 23, Soporte escribió:\n> ¿Ya puede entrar? K\n>> No entra L\n';
    expect(plainWithSymbols(plain, html)).toBe('Listo ☺\n\n> El lunes 23, Soporte escribió:\n> ¿Ya puede entrar? 😐\n>> No entra ☹\n');
  });

  it('leaves a text/plain part that is not the rendering of the HTML part as it is', () => {
    const html = outlookHtml([p(`Muchas gracias por la ayuda ${wingdings('J')}`), p('Juan J. P&eacute;rez')].join('\n'));
    // Another text altogether (a mailing tool's "view it in HTML"); the same letters in other words.
    for (const plain of ['Este mensaje requiere un lector de HTML. J', 'Juan J. Pérez\nGracias J', 'J']) expect(plainWithSymbols(plain, html)).toBe(plain);
    // The passage twice in the text/plain part, once in the HTML: which one the symbol is cannot be told.
    const twice = outlookHtml([p('Hola'), p(`Muchas gracias por toda la ayuda de ayer ${wingdings('J')} hasta pronto, buen fin de semana`), p('Juan')].join('\n'));
    const plain = 'Hola\nMuchas gracias por toda la ayuda de ayer J hasta pronto, buen fin de semana\nMuchas gracias por toda la ayuda de ayer J hasta pronto, buen fin de semana\nJuan';
    expect(plainWithSymbols(plain, twice)).toBe(plain);
    // Characters in the HTML that look like the marks of a symbol (html-fonts.ts MARK_OPEN) are not taken for one.
    const forged = outlookHtml(p(`Hola \u0004J\u0005☹\u0006 y muchas gracias por la ayuda ${wingdings('J')} hasta luego, adi&oacute;s`));
    expect(plainWithSymbols('Hola J y muchas gracias por la ayuda J hasta luego, adiós', forged)).toBe('Hola J y muchas gracias por la ayuda ☺ hasta luego, adiós');
  });

  it('leaves a real letter next to a symbol the text/plain part lacks: the letters replaced sit as the HTML run does', () => {
    // The text/plain part without the smiley's J: the J of Juan, on the next line, is not the smiley.
    const juan = outlookHtml([p(`Muchas gracias por todo ${wingdings('J')}`), p('Juan P&eacute;rez')].join('\n'));
    expect(plainWithSymbols('Muchas gracias por todo\nJuan Pérez\n', juan)).toBe('Muchas gracias por todo\nJuan Pérez\n');
    // Nor the L ending the word before a frown the part lacks.
    const portal = outlookHtml(p(`No puedo entrar otra vez en el PORTAL ${wingdings('L')} de nuevo hoy`));
    expect(plainWithSymbols('No puedo entrar otra vez en el PORTAL de nuevo hoy', portal)).toBe('No puedo entrar otra vez en el PORTAL de nuevo hoy');
    // Nor a real "à" after an arrow the part lacks: a one-sided context's open side must be a line's edge.
    const menu = outlookHtml(p(`Voir le menu ${wingdings('à')} &agrave; droite`));
    expect(plainWithSymbols('Voir le menu à droite', menu)).toBe('Voir le menu à droite');
    // A real J next to a real smiley: the smiley is replaced, the J stays.
    const initial = outlookHtml([p(`Saludos, J ${wingdings('J')}`), p('Juan')].join('\n'));
    expect(plainWithSymbols('Saludos, J J\nJuan', initial)).toBe('Saludos, J ☺\nJuan');
    const nextLine = outlookHtml([p(`Muchas gracias por todo ${wingdings('J')}`), p('Juan P&eacute;rez')].join('\n'));
    expect(plainWithSymbols('Muchas gracias por todo J\r\nJuan Pérez\r\n', nextLine)).toBe('Muchas gracias por todo ☺\r\nJuan Pérez\r\n');
  });

  it('leaves a line of that one letter alone when only one side of the symbol lines up (an initial under a smiley the part lacks)', () => {
    const initial = outlookHtml([p(`Un saludo ${wingdings('J')}`), p('J')].join('\n'));
    expect(plainWithSymbols('Un saludo\nJ\n', initial)).toBe('Un saludo\nJ\n');
    const before = outlookHtml([p('L'), p(`${wingdings('L')} no funciona el portal otra vez`)].join('\n'));
    expect(plainWithSymbols('L\nno funciona el portal otra vez', before)).toBe('L\nno funciona el portal otra vez');
    const quoted = outlookHtml(`${p('Ok')}<blockquote>${p(`Gracias por todo ${wingdings('J')}`)}${p('J')}</blockquote>`);
    expect(plainWithSymbols('Ok\n\n> Gracias por todo\n> J\n', quoted)).toBe('Ok\n\n> Gracias por todo\n> J\n');
    // With both sides lining up, a smiley alone on its line is still one.
    const alone = outlookHtml([p('Muchas gracias por todo'), p(wingdings('J')), p('Juan P&eacute;rez')].join('\n'));
    expect(plainWithSymbols('Muchas gracias por todo\nJ\nJuan Pérez', alone)).toBe('Muchas gracias por todo\n☺\nJuan Pérez');
  });

  it('takes no marks from entities or link addresses: only a symbol font marks a letter', () => {
    // &#4;J&#5;...&#6; decodes into the marks html-fonts.ts puts around a symbol: they are not taken for one.
    const html = outlookHtml(p(`Hola &#4;J&#5;XXX INJECTED&#6; y muchas gracias por la ayuda ${wingdings('J')} hasta luego`));
    expect(plainWithSymbols('Hola J y muchas gracias por la ayuda J hasta luego', html)).toBe('Hola J y muchas gracias por la ayuda ☺ hasta luego');
    const hex = outlookHtml(p(`Hola &#x4;J&#x5;XXX&#x6; ${wingdings('J')}`));
    expect(plainWithSymbols('Hola JXXX J', hex)).toBe('Hola JXXX ☺');
    // A link's address is written out after its text: its entities neither.
    const link = outlookHtml(p(`Hola <a href="https://x.example/&#4;J&#5;XXX&#6;">aqu&iacute;</a> gracias por la ayuda ${wingdings('J')}`));
    const plain = 'Hola aquí <https://x.example/J> gracias por la ayuda J';
    expect(plainWithSymbols(plain, link)).toBe('Hola aquí <https://x.example/J> gracias por la ayuda ☺');
    expect(htmlToText(html, { markSymbols: true })).not.toContain('INJECTED\u0006');
  });

  it('reads a symbol font a class of the style sheet gives, as the HTML shows it', () => {
    const html = outlookHtml(p('Recibido <span class="x Emoticono">J</span> y <span class=MsoWingdings>à</span> siguiente'), '\nspan.Emoticono\n\t{font-family:Wingdings;}\n.MsoWingdings {mso-style-name:x; font-family:"Wingdings"}');
    expect(plainWithSymbols('Recibido J y à siguiente', html)).toBe('Recibido ☺ y → siguiente');
  });

  it('does not look further at HTML that names a symbol font only for its font list and list styles (most Outlook mails)', () => {
    const html = outlookHtml([p('Gracias J'), '<ul><li>Uno</li></ul>'].join('\n'));
    expect(HtmlFonts.of(html)).toBeNull();
    expect(plainWithSymbols('Gracias J', html)).toBe('Gracias J');
    // A symbol font in a span, or a class of one in use, is looked at.
    expect(HtmlFonts.of(outlookHtml(p(`Gracias ${wingdings('J')}`)))).not.toBeNull();
    expect(HtmlFonts.of(outlookHtml(p('<span class=Emoticono>J</span>'), '\n.Emoticono {font-family:Wingdings}'))).not.toBeNull();
    expect(HtmlFonts.of(outlookHtml(p('Gracias J'), '\n.Emoticono {font-family:Wingdings}'))).toBeNull();
  });
});
