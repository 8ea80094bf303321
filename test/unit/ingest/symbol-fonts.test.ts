import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/ingest/parse.js';
import { rtfText } from '../../../src/ingest/rtf-text.js';
import { extractVisibleText, htmlToText } from '../../../src/ingest/visible-text/index.js';
import { richTextMail } from '../../support/multipart-mail.js';
import { outlookHtml as outlook, p } from '../../support/outlook-html.js';
import { compressedRtf, tnefStream } from '../../support/tnef-stream.js';

// Outlook writes ":)" as a "J" in Wingdings, "-->" as "à", a list's bullets as "·" in Symbol: the agent must read
// the smiley, the arrow and the bullet, not the letters they are encoded with.

describe('the visible text of Outlook HTML in symbol fonts', () => {
  it("shows Outlook's smileys and arrows, not the Wingdings letters they are written with", () => {
    const html = outlook(`<p class=MsoNormal>Ya funciona, gracias <span style='font-family:Wingdings'>J</span><o:p></o:p></p>
<p class=MsoNormal>El segundo equipo sigue igual <span style='font-family:Wingdings'>L</span>, y el tercero <span style='font-family:Wingdings;mso-ascii-font-family:Calibri;mso-hansi-font-family:Calibri;mso-char-type:symbol;mso-symbol-font-family:Wingdings'><span style='mso-char-type:symbol;mso-symbol-font-family:Wingdings'>K</span></span><o:p></o:p></p>
<p class=MsoNormal>Configuraci&oacute;n <span style='font-family:Wingdings'>à</span> Cuentas <span style='font-family:Wingdings'>ð</span> Sincronizar <span style='font-family:Wingdings'><span lang=ES>J</span>J</span> Juan<o:p></o:p></p>`);
    expect(extractVisibleText('', html)).toBe('Ya funciona, gracias ☺\nEl segundo equipo sigue igual ☹, y el tercero 😐\nConfiguración → Cuentas ⇨ Sincronizar ☺☺ Juan');
    // Text in other fonts stays as it is, also under a font whose longer name says "Symbol".
    const others = `<p style='font-family:"Segoe UI Symbol",sans-serif'>Juan: ver &agrave; la derecha</p><p><span style='font-family:Calibri'>J</span> listo</p>`;
    expect(htmlToText(others)).toBe('Juan: ver à la derecha\nJ listo');
  });

  it("shows a list's Symbol and Wingdings bullets and Wingdings checkmarks; the spaces after a bullet stay spaces", () => {
    const item = (level: number, font: string, bullet: string, text: string) =>
      `<p class=MsoListParagraph style='margin-left:${36 * level}.0pt;mso-add-space:auto;text-indent:-18.0pt;mso-list:l0 level${level} lfo1'><![if !supportLists]><span style='font-family:${font}'><span style='mso-list:Ignore'>${bullet}<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>${text}<o:p></o:p></p>`;
    const html = outlook([
      '<p class=MsoNormal>Lo que prob&eacute;:<o:p></o:p></p>',
      item(1, 'Symbol', '·', 'Reinici&eacute; el equipo'),
      item(2, '"Courier New"', 'o', 'Tambi&eacute;n el router'),
      item(3, 'Wingdings', '§', 'Borr&eacute; la cach&eacute;'),
      item(1, 'Wingdings', 'Ø', 'Sigue sin sincronizar'),
      "<p class=MsoNormal><span style='font-family:Wingdings'>ü</span> Respaldo hecho<o:p></o:p></p>",
    ].join('\n'));
    expect(htmlToText(html)).toBe('Lo que probé:\n• Reinicié el equipo\no También el router\n▪ Borré la caché\n⮚ Sigue sin sincronizar\n✓ Respaldo hecho');
  });

  it('reads the font from <font face>, a quoted family (&quot;), mso-symbol-font-family, a font: shorthand; Wingdings 2; Word\'s private-use codes', () => {
    const outlook2003 = `<p class=MsoNormal><font size=2 face=Arial><span style='font-size:10.0pt;font-family:Arial'>Gracias </span></font><font size=2 face=Wingdings><span style='font-size:10.0pt;font-family:Wingdings'>J</span></font><font size=2 face=Arial><span style='font-size:10.0pt;font-family:Arial'> Juan<o:p></o:p></span></font></p>`;
    expect(htmlToText(outlook2003)).toBe('Gracias ☺ Juan');
    expect(htmlToText('<p>Listo <font face="Wingdings">J</font></p>')).toBe('Listo ☺');
    const quoted = `<p class="MsoNormal"><span style="font-family:&quot;Wingdings 2&quot;;color:#00B050">P</span><span style="font-size:11.0pt;font-family:&quot;Calibri&quot;,&quot;sans-serif&quot;"> Aprobado<o:p></o:p></span></p>`;
    expect(htmlToText(quoted)).toBe('🗸 Aprobado');
    expect(htmlToText(`<p class=MsoNormal>Perfecto <span style='font-family:Wingdings'>&#61514;</span><o:p></o:p></p>`)).toBe('Perfecto ☺');
    // The symbol font Word names for a character alone, and a font: shorthand's family inside a Wingdings span.
    expect(htmlToText(`<p class=MsoNormal><span style='font-family:"Calibri",sans-serif'>Bien <span style='mso-char-type:symbol;mso-symbol-font-family:Wingdings'>J</span></span></p>`)).toBe('Bien ☺');
    // Without mso-char-type:symbol, Word does not read the text in that font (nor does a browser): letters stay.
    expect(htmlToText(`<p><span style='mso-symbol-font-family:Wingdings'>Hola Juan</span></p>`)).toBe('Hola Juan');
    expect(htmlToText(`<p><span style='font-family:Wingdings'>J<span style='font:7.0pt "Times New Roman"'>J</span>K</span></p>`)).toBe('☺J😐');
    // Outlook wraps a long style attribute: a family list that goes on past a line end is still read.
    expect(htmlToText(`<p>Listo <span style='font:10.0pt Wingdings,\nserif'>J</span></p>`)).toBe('Listo ☺');
  });

  it('reads a symbol font a <style> sheet gives a class; not where an inline font or an element of another name overrides it', () => {
    const styles = '\nspan.Emoticono\n\t{font-family:Wingdings;}\np.Griego, li.Griego\n\t{font-family:Symbol;}\n@media screen {\n.Flecha {font:11.0pt Wingdings}}\n.Calibri\n\t{font-family:Calibri}';
    const html = outlook([
      p('Gracias <span class=Emoticono>J</span> <span class=Emoticono style="font-family:Calibri">J</span> <span class=EMOTICONO>J</span>'),
      '<p class=Griego>abg</p>',
      p('<span class=Griego>abg</span> <b class="negrita Flecha">à</b> <span class=Flecha><span class=Calibri>à</span></span>'),
    ].join('\n'), styles);
    // A class's font inside @media is not followed: when it applies is not known (a print sheet, a phone's width),
    // and followed wrongly it turns a whole passage into symbols. Outlook's own sheet puts none there.
    expect(htmlToText(html)).toBe('Gracias ☺ J ☺\nαβγ\nabg à à');
    expect(htmlToText('<style>@media print { .x {font-family:Wingdings} }</style><p><span class=x>Hola Juan</span></p>')).toBe('Hola Juan');
    expect(htmlToText('<style>@media (max-width:1px){span.x{font-family:Symbol}}</style><p><span class=x>Hola</span></p>')).toBe('Hola');
    // A style sheet in the body, and a class of it used before a span that names Wingdings itself.
    const inBody = `<p><span class=smile>J</span> y <span style='font-family:Wingdings'>J</span></p><style>.smile{font-family:Wingdings}</style><p><span class=smile>L</span></p>`;
    expect(htmlToText(inBody)).toBe('☺ y ☺\n☹');
  });

  it("gives an element of several classes the font of the sheet's later rule, whatever the classes' order; span.x over .x", () => {
    // CSS: at equal specificity the later rule wins; the order of the names in class="..." does not matter.
    const later = '<style>.a{font-family:Wingdings} .b{font-family:Calibri}</style>';
    expect(htmlToText(`${later}<p><span class="b a">J</span> <span class="a b">J</span> <span class=a>J</span></p>`)).toBe('J J ☺');
    const earlier = '<style>.b{font-family:Calibri} .a{font-family:Wingdings}</style>';
    expect(htmlToText(`${earlier}<p><span class="b a">J</span> <span class="a b">J</span> <span class=b>J</span></p>`)).toBe('☺ ☺ J');
    // An element's name and a class say more than a class alone, before or after it in the sheet.
    const named = '<style>span.a{font-family:Wingdings} .b{font-family:Calibri}</style>';
    expect(htmlToText(`${named}<p><span class="b a">J</span> <b class="b a">J</b></p>`)).toBe('☺ J');
    const namedOff = '<style>.a{font-family:Wingdings} span.b{font-family:Calibri}</style>';
    expect(htmlToText(`${namedOff}<p><span class="a b">J</span> <b class="a b">J</b></p>`)).toBe('J ☺');
  });

  it('ends a symbol font left open at the end of its paragraph, cell or item: the rest of the mail stays letters', async () => {
    // An unclosed span, as a browser shows it: the span ends with its paragraph. For an HTML-only mail this is the ticket.
    const unclosed = '<p>Gracias <span style="font-family:Wingdings">J</p><p>El pedido 1234 llega mañana</p>';
    const mail = Buffer.from(`From: Ana <ana@cliente.mx>\r\nSubject: Pedido\r\nMessage-ID: <fonts-2@cliente.mx>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${unclosed}\r\n`);
    expect((await parseMail(mail)).text).toBe('Gracias ☺\nEl pedido 1234 llega mañana');
    // An old <font> and formatting inside it, a table cell, a list item, a heading, a div: each ends the symbols.
    expect(htmlToText('<p>Bien <font face=Wingdings><b><i>J</p><p>Juan</p>')).toBe('Bien ☺\nJuan');
    expect(htmlToText('<table><tr><td><span style="font-family:Symbol">a</td><td>abc</td></tr></table>')).toBe('α abc');
    expect(htmlToText('<ul><li>Hecho <span style="font-family:Wingdings">ü</li><li>Juan</li></ul>')).toBe('- Hecho ✓\n- Juan');
    expect(htmlToText('<h2><font face="Wingdings">J</h2><div>Juan</div>')).toBe('☺\nJuan');
    // A paragraph, cell or list opened inside the symbol font is the font's: its end does not end the font.
    expect(htmlToText('<div style="font-family:Wingdings"><p>J</p><p>L</p></div><p>Juan</p>')).toBe('☺\n☹\nJuan');
    expect(htmlToText('<span style="font-family:Wingdings"><p>J</p>K</span> Juan')).toBe('☺\n😐 Juan');
  });
});

/** An RTF as Outlook's Rich Text editor (Riched20) writes it, with the given fonts and body. */
const riched = (fonts: string, body: string) =>
  `{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\\deflang3082{\\fonttbl{\\f0\\fswiss\\fcharset0 Calibri;}${fonts}}\r\n{\\*\\generator Riched20 16.0.13901}\\viewkind4\\uc1 \r\n\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang10 ${body}\\par\r\n}\r\n\0`;
const bytes = (text: string, codepage: string) => [...iconv.encode(text, codepage)].map((b) => `\\'${b.toString(16)}`).join('');

describe('the text of an RTF body in symbol fonts and other character sets', () => {
  it('shows the characters of Wingdings and Symbol fonts, from bytes and from private-use \\u codes', () => {
    const rtf = riched(
      String.raw`{\f1\fnil\fcharset2 Symbol;}{\f2\fnil\fcharset2 Wingdings;}{\f3\fbidi \fnil\fcharset2\fprq2{\*\panose 05000000000000000000}Wingdings;}`,
      String.raw`Gracias \f2 J\f0  Juan\par Men\'fa \f2\'e0\f0  Opciones\par \f1\'b7\f0  Hecho \f3\u-3844?\f0\par Otra vez \f3\u-4022\'4a\f0  y {\f2 L} J`,
    );
    expect(rtfText(Buffer.from(rtf, 'latin1'))).toBe('Gracias ☺ Juan\nMenú → Opciones\n• Hecho ✓\nOtra vez ☺ y ☹ J');
  });

  it("decodes text under a font's \\fcharset in its code page, double-byte ones too; \\ansicpg stays the default", () => {
    const fonts = String.raw`{\f1\fswiss\fcharset204 Calibri;}{\f2\fswiss\fcharset161 Calibri;}{\f3\fswiss\fcharset238 Calibri;}{\f4\fswiss\fcharset162 Calibri;}{\f5\fnil\fcharset128 MS Gothic;}{\f6\fnil\fcharset134 SimSun;}{\f7\fnil\fcharset177 Arial;}{\f8\fnil\fcharset222 Tahoma;}{\f9\fnil\fcharset129 Malgun Gothic;}{\f10\fnil\fcharset136 PMingLiU;}`;
    const body = [
      `\\f1\\lang1049 ${bytes('Счет не проходит', 'cp1251')}\\f0  (caf\\'e9)`,
      `{\\f2 ${bytes('Τιμολόγιο', 'cp1253')}} ${bytes('señal', 'cp1252')}`,
      `\\f3 ${bytes('Faktura nie działa', 'cp1250')}\\f4  ${bytes('Fatura değil', 'cp1254')}`,
      `\\f5 ${bytes('請求書', 'cp932')}\\f6 ${bytes('发票', 'cp936')}\\f9 ${bytes('청구서', 'cp949')}\\f10 ${bytes('發票', 'cp950')}`,
      `\\f7 ${bytes('חשבונית', 'cp1255')}\\f8  ${bytes('ใบแจ้งหนี้', 'cp874')}\\plain  ${bytes('fin', 'cp1252')}`,
    ].join('\\par\r\n');
    expect(rtfText(Buffer.from(riched(fonts, body), 'latin1'))).toBe(
      'Счет не проходит (café)\nΤιμολόγιο señal\nFaktura nie działa Fatura değil\n請求書发票청구서發票\nחשבונית ใบแจ้งหนี้ fin',
    );
  });

  it("gives the ticket the text of a Rich Text mail whose body is in winmail.dat, in the fonts' character sets", async () => {
    const rtf = riched(String.raw`{\f1\fswiss\fcharset204 Calibri;}{\f2\fnil\fcharset2 Wingdings;}`, `\\f1 ${bytes('Спасибо', 'cp1251')}\\f0  \\f2 J`);
    const winmail = tnefStream([], 1252, { rtfCompressed: compressedRtf(Buffer.from(rtf, 'latin1')) });
    expect((await parseMail(richTextMail('fonts-1', winmail))).text).toBe('Спасибо ☺');
  });
});
