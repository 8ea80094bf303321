// Outlook's mail as it writes it: its HTML (Word's "filtered medium" HTML, with the fonts it declares) and the
// multipart/alternative mail around it, its text/plain beside it. Outlook's symbol fonts show in both: the HTML puts
// a smiley in a Wingdings span (`<span style='font-family:Wingdings'>J</span>`), the text/plain part has the letter.
import iconv from 'iconv-lite';

/** The head of an Outlook 2016 mail, with the fonts it declares and (`styles`) any more of its style sheet. */
export const outlookHead = (styles = '') => `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=windows-1252"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--
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
span.EmailStyle17
	{mso-style-type:personal-compose;
	font-family:"Calibri",sans-serif;
	color:windowtext;}${styles}
/* List Definitions */
@list l0
	{mso-list-id:1442065124;
	mso-list-type:hybrid;}
@list l0:level1
	{mso-level-number-format:bullet;
	mso-level-text:\\F0B7;
	mso-level-tab-stop:none;
	mso-level-number-position:left;
	text-indent:-18.0pt;
	font-family:Symbol;}
@list l0:level3
	{mso-level-number-format:bullet;
	mso-level-text:\\F0A7;
	font-family:Wingdings;}
--></style></head><body lang=ES link="#0563C1" vlink="#954F72" style='word-wrap:break-word'><div class=WordSection1>`;

/** An Outlook mail's whole HTML around its body's paragraphs. */
export const outlookHtml = (body: string, styles = '') => `${outlookHead(styles)}\n${body}\n</div></body></html>`;

/** A paragraph of Outlook's HTML. */
export const p = (html: string) => `<p class=MsoNormal>${html}<o:p></o:p></p>`;

/** Text in a symbol font, as Outlook writes its AutoCorrect's smileys and arrows. */
export const wingdings = (letters: string, font = 'Wingdings') => `<span style='font-family:${font}'>${letters}</span>`;

/** A bulleted item of Outlook's lists: its bullet in a symbol font, padded with spaces. */
export const outlookItem = (font: string, bullet: string, html: string) =>
  `<p class=MsoListParagraph style='margin-left:36.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:${font}'><span style='mso-list:Ignore'>${bullet}<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>${html}<o:p></o:p></p>`;

/** Quoted-printable of Windows-1252 text, lines cut at 76 characters as Outlook does (soft breaks). */
function quotedPrintable(text: string): string {
  return text.split('\n').map((line) => {
    const encoded = [...iconv.encode(line, 'win1252')].map((b) => (b === 0x3d || b > 0x7e || (b < 0x20 && b !== 0x09) ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
    const pieces: string[] = [];
    let rest = encoded;
    while (rest.length > 75) {
      let cut = 75;
      while (rest[cut - 1] === '=' || rest[cut - 2] === '=') cut--; // an =XX stays whole
      pieces.push(`${rest.slice(0, cut)}=`);
      rest = rest.slice(cut);
    }
    return [...pieces, rest].join('\r\n');
  }).join('\r\n');
}

/** An Outlook mail: multipart/alternative, its text and HTML parts in Windows-1252, quoted-printable. */
export function outlookMail(id: string, plain: string, html: string, subject = 'RE: Pedido 1234'): Buffer {
  const part = (type: string, body: string) => [`Content-Type: ${type}; charset="Windows-1252"`, 'Content-Transfer-Encoding: quoted-printable', '', quotedPrintable(body)];
  const lines = [
    'From: Ana Ruiz <ana@cliente.mx>', 'To: soporte@example.test', `Subject: ${subject}`, `Message-ID: <${id}@cliente.mx>`,
    'Date: Mon, 23 Nov 2026 10:00:00 -0600', 'X-Mailer: Microsoft Outlook 16.0', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="----=_NextPart_000_0001_01DA1234.56789ABC"', '',
    '------=_NextPart_000_0001_01DA1234.56789ABC', ...part('text/plain', plain),
    '------=_NextPart_000_0001_01DA1234.56789ABC', ...part('text/html', html),
    '------=_NextPart_000_0001_01DA1234.56789ABC--', '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
