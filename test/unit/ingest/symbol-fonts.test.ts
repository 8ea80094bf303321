import { describe, expect, it } from 'vitest';
import { extractVisibleText, htmlToText } from '../../../src/ingest/visible-text/index.js';

// Outlook writes ":)" as a "J" in Wingdings, "-->" as "à", a list's bullets as "·" in Symbol: the agent must read
// the smiley, the arrow and the bullet, not the letters they are encoded with.

/** The head of an Outlook 2016 mail ("filtered medium" HTML), with the fonts it declares. */
const OUTLOOK_HEAD = `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=iso-8859-1"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--
/* Font Definitions */
@font-face
	{font-family:Wingdings;
	panose-1:5 0 0 0 0 0 0 0 0 0;}
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
--></style></head><body lang=ES link="#0563C1" vlink="#954F72" style='word-wrap:break-word'><div class=WordSection1>`;
const outlook = (body: string) => `${OUTLOOK_HEAD}\n${body}\n</div></body></html>`;

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
    expect(htmlToText(`<p><span style='font-family:Wingdings'>J<span style='font:7.0pt "Times New Roman"'>J</span>K</span></p>`)).toBe('☺J😐');
  });

});
