import { describe, expect, it } from 'vitest';
import { extractVisibleText, htmlToText } from '../../../src/ingest/visible-text/index.js';
import { textBeforeClosingOriginalMessage } from '../../../src/ingest/visible-text/reply-headers.js';

describe('extractVisibleText', () => {
  it('strips a Gmail English reply header and the quote', () => {
    const text = [
      'Thanks, that fixed it.',
      '',
      'On Mon, Mar 3, 2025 at 10:00 AM Ana Pérez <ana@example.com> wrote:',
      '',
      '> Did you try restarting the router?',
      '>',
      '> Ana',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Thanks, that fixed it.');
  });

  it('strips a Gmail English header wrapped over two lines', () => {
    const text = [
      'Sounds good.',
      '',
      'On Mon, Mar 3, 2025 at 10:00 AM Ana Pérez via Soporte <',
      'soporte@example.com> wrote:',
      '',
      '> Hello',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Sounds good.');
  });

  it('strips a Gmail Spanish reply header ("El ... escribió:")', () => {
    const text = [
      'Hola Ana,',
      '',
      'Ya funciona, gracias.',
      '',
      'El lun, 3 mar 2025 a las 10:00, Ana <ana@x.mx> escribió:',
      '',
      '> ¿Probaste reiniciar el módem?',
      '>',
      '> Saludos',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Hola Ana,\n\nYa funciona, gracias.');
  });

  it('strips a Spanish header wrapped by the mail client and unquoted history', () => {
    const text = [
      'Perfecto.',
      '',
      'El jue, 6 mar 2025 a las 18:21, Soporte Ventanilla (<',
      'soporte@ventanilla.example>) escribió:',
      '',
      'Su ticket #123 fue actualizado.',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Perfecto.');
  });

  it('strips an Outlook Spanish header block ("De: ... Enviado: ... Para: ... Asunto:")', () => {
    const text = [
      'Buenos días, adjunto la factura.',
      '',
      'Saludos,',
      'Carlos',
      '',
      '________________________________',
      'De: Soporte <soporte@ventanilla.example>',
      'Enviado: lunes, 3 de marzo de 2025 10:00',
      'Para: Carlos Gómez <carlos@empresa.mx>',
      'Asunto: RE: Factura pendiente',
      '',
      'Estimado Carlos, ¿nos puede enviar la factura?',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Buenos días, adjunto la factura.\n\nSaludos,\nCarlos');
  });

  it('strips an Outlook "-----Mensaje original-----" block', () => {
    const text = [
      'Igual que siempre.',
      '',
      '-----Mensaje original-----',
      'De: "Miguel" <miguel@example.es>',
      'Enviado: 16/02/2016 14:53',
      'Para: "soporte" <soporte@example.com>',
      'Asunto: Consulta',
      '',
      'Texto anterior',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Igual que siempre.');
  });

  it('strips an English "-----Original Message-----" block', () => {
    const text = [
      'Approved.',
      '',
      '-----Original Message-----',
      'From: Bob <bob@example.com>',
      'Sent: Monday, March 3, 2025 10:00 AM',
      'To: Alice <alice@example.com>',
      'Subject: Budget',
      '',
      'Please approve.',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Approved.');
  });

  it('strips a Portuguese (Brazil) Gmail header ("Em ... escreveu:")', () => {
    const text = [
      'Olá,',
      'Qualquer dúvida estamos aí.',
      '',
      'Em seg., 3 de mar. de 2025 às 10:00, João Silva <joao@exemplo.com.br> escreveu:',
      '',
      '> Bom dia. Obrigado pela atenção',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Olá,\nQualquer dúvida estamos aí.');
  });

  it('strips a Portuguese (Portugal) Apple Mail header ("A ..., às ..., X escreveu:")', () => {
    const text = [
      'Obrigado, já está resolvido.',
      '',
      'A 03/03/2025, às 10:00, Maria Costa <maria@exemplo.pt> escreveu:',
      '',
      '> Pode confirmar o número da encomenda?',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Obrigado, já está resolvido.');
  });

  it('strips a Portuguese Outlook header block ("De: ... Enviada: ... Para: ... Assunto:")', () => {
    const text = [
      'Segue em anexo.',
      '',
      'De: Suporte <suporte@exemplo.pt>',
      'Enviada: segunda-feira, 3 de março de 2025 10:00',
      'Para: Rui <rui@exemplo.pt>',
      'Assunto: Pedido 42',
      '',
      'Pode enviar o comprovativo?',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('Segue em anexo.');
  });

  it('cuts a "-- " signature block', () => {
    const text = ['The printer works again.', '', '-- ', 'Ana Pérez', 'Helpdesk', '+52 55 1234 5678'].join('\n');
    expect(extractVisibleText(text)).toBe('The printer works again.');
  });

  it('cuts mobile footers in English, Spanish and Portuguese', () => {
    expect(extractVisibleText('Ok, thanks!\n\nSent from my iPhone')).toBe('Ok, thanks!');
    expect(extractVisibleText('Listo, gracias.\n\nEnviado desde mi iPhone')).toBe('Listo, gracias.');
    expect(extractVisibleText('Combinado.\n\nEnviado do meu iPhone')).toBe('Combinado.');
    expect(extractVisibleText('Recibido.\n\nObtener Outlook para Android<https://aka.ms/ghei36>')).toBe('Recibido.');
    expect(
      extractVisibleText('Yes.\n\nSent from my iPhone\n\nOn 3 Mar 2025, at 10:00, Ana <ana@x.mx> wrote:\n\n> Is it fixed?'),
    ).toBe('Yes.');
  });

  it('returns a message without any quote unchanged (trimmed)', () => {
    const text = '\n\nHello,\n\nmy invoice #4411 is wrong: the amount should be 120,00 €.\n\n> not a quote, just one line\n\nRegards,\nPedro\n\n';
    expect(extractVisibleText(text)).toBe(
      'Hello,\n\nmy invoice #4411 is wrong: the amount should be 120,00 €.\n\n> not a quote, just one line\n\nRegards,\nPedro',
    );
  });

  it('does not treat prose mentioning "wrote" as a reply header', () => {
    const text = 'Here is what I wrote to the customer at 10:30:\n\nYour order ships tomorrow.\n\nThanks';
    expect(extractVisibleText(text)).toBe(text);
  });

  it('does not eat a reply sentence that starts like a header', () => {
    const text = [
      'On Monday I will check the 3 invoices.',
      '',
      'Ana Pérez <ana@example.com> wrote:',
      '> Can you check the invoices?',
    ].join('\n');
    expect(extractVisibleText(text)).toBe('On Monday I will check the 3 invoices.');
  });

  it('does not cut prose that starts like a mobile footer', () => {
    const text = [
      'Hola,',
      '',
      'Enviado de vuelta al cliente ayer.',
      '',
      'El equipo revisó el pedido completo y encontró que faltaban dos cajas del envío original,',
      'así que pedimos a la bodega que prepare un segundo despacho para el lunes por la mañana.',
      'Les confirmo el número de guía cuando lo tenga.',
      'Después coordinamos la visita del técnico para la instalación.',
      'Saludos',
    ].join('\n');
    expect(extractVisibleText(text)).toBe(text);
  });

  it('keeps the body when the mail starts with a reply header and unquoted text', () => {
    const text = 'On 8 May 2017 17:34, "Andy Jones" <andy@example.com> wrote:\n\nThe fix is in 2.0.\n';
    expect(extractVisibleText(text)).toBe('The fix is in 2.0.');
  });

  it('handles CRLF line endings', () => {
    const text = 'Done.\r\n\r\nOn Mon, Mar 3, 2025 at 10:00 AM Ana <ana@example.com> wrote:\r\n> Any news?\r\n';
    expect(extractVisibleText(text)).toBe('Done.');
  });

  it('works from HTML when the text part is empty', () => {
    const html = `<html><head><style>p{color:red}</style></head><body>
      <div dir="ltr">Gracias, ya quedó.<br><br>Saludos</div>
      <div class="gmail_quote"><div dir="ltr" class="gmail_attr">El lun, 3 mar 2025 a las 10:00, Ana &lt;<a href="mailto:ana@x.mx">ana@x.mx</a>&gt; escribi&oacute;:<br></div>
      <blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex"><div>¿Funciona ahora?</div></blockquote></div>
    </body></html>`;
    expect(extractVisibleText('', html)).toBe('Gracias, ya quedó.\n\nSaludos');
    expect(extractVisibleText('   ', html)).toBe('Gracias, ya quedó.\n\nSaludos');
    // the text part wins when present
    expect(extractVisibleText('Plain part', html)).toBe('Plain part');
  });

  it('converts HTML to text with blockquotes as quoted lines', () => {
    expect(htmlToText('<p>a &amp; b</p><blockquote><p>q1</p><blockquote>q2</blockquote></blockquote><p>c</p>')).toBe(
      'a & b\n> q1\n>> q2\nc',
    );
  });

  it('keeps the numbers of an ordered list and marks the items of a list, as the customer saw them ("in step 2...")', () => {
    expect(htmlToText('<p>Pasos:</p><ol><li>Abrir el portal</li><li>Clic en <b>Facturar</b></li><li>Error 500</li></ol><p>En el paso 2 falla.</p>')).toBe(
      'Pasos:\n1. Abrir el portal\n2. Clic en Facturar\n3. Error 500\nEn el paso 2 falla.',
    );
    expect(htmlToText('<ul><li>uno</li><li><p>dos</p></li></ul>')).toBe('- uno\n- dos');
    // start=, a nested list (numbering resumes after it), an item outside any list (Outlook's fragments)
    expect(htmlToText('<ol start="3"><li>tres<ul><li>a</li><li>b</li></ul></li><li>cuatro</li></ol><li>suelto</li>')).toBe(
      '3. tres\n- a\n- b\n4. cuatro\n- suelto',
    );
    expect(htmlToText('<OL START=7><LI>siete<LI>ocho</OL>')).toBe('7. siete\n8. ocho');
    expect(htmlToText('<ul><li></li><li>b</li></ul>')).toBe('-\n- b');
  });

  it('numbers lists with letters or roman numerals, counting down, or from an item\'s value, as the browser showed them', () => {
    expect(htmlToText('<ol type="a"><li>Abrir</li><li>Facturar</li></ol><p>Falla en el paso b.</p>')).toBe('a. Abrir\nb. Facturar\nFalla en el paso b.');
    expect(htmlToText('<ol type="I" start="3"><li>tres</li><li>cuatro</li></ol><ol type="i"><li>uno</li></ol>')).toBe('III. tres\nIV. cuatro\ni. uno');
    expect(htmlToText('<ol reversed start="3"><li>tres</li><li>dos</li><li>uno</li></ol>')).toBe('3. tres\n2. dos\n1. uno');
    expect(htmlToText('<ol reversed><li>dos<ol><li>x</li></ol></li><li>uno</li></ol><ol><li>otra</li></ol>')).toBe('2. dos\n1. x\n1. uno\n1. otra');
    expect(htmlToText('<ol><li>uno</li><li value="10">diez</li><li>once</li></ol>')).toBe('1. uno\n10. diez\n11. once');
    expect(htmlToText('<ol type="A" start="27"><li>x</li></ol>')).toBe('AA. x');
  });

  it('a stray closing tag of another kind of list does not end the list around it', () => {
    expect(htmlToText('<ol><li>uno</ul></li><li>dos</li></ol>')).toBe('1. uno\n2. dos');
  });

  it('a quotation that opens a list item is still a quotation (no control character in the text)', () => {
    expect(htmlToText('<p>Sigue fallando:</p><ol><li><blockquote>El paso 2 dice</blockquote></li></ol>')).toBe('Sigue fallando:\n1.\n> El paso 2 dice');
    expect(htmlToText('<div>Gracias</div><ul><li><blockquote>¿Funciona ahora?</blockquote></li></ul>')).toBe('Gracias\n-\n> ¿Funciona ahora?');
  });

  it('keeps the indentation of preformatted text (a pasted log or stack trace)', () => {
    expect(htmlToText('<p>El log:</p><pre>Error: timeout\n    at connect (db.js:10)\n    at main (app.js:3)</pre><p>Saludos</p>')).toBe(
      'El log:\nError: timeout\n    at connect (db.js:10)\n    at main (app.js:3)\nSaludos',
    );
    // The mail that starts with the pasted trace: its first line is indented like the others.
    expect(htmlToText('<pre>    at connect (db.js:10)\n    at main (app.js:3)</pre><p>Ese es el error</p>')).toBe(
      '    at connect (db.js:10)\n    at main (app.js:3)\nEse es el error',
    );
    expect(extractVisibleText('', '<pre>    at connect (db.js:10)\n    at main (app.js:3)</pre><p>Ese es el error</p>')).toBe(
      '    at connect (db.js:10)\n    at main (app.js:3)\nEse es el error',
    );
  });

  it('never throws and handles degenerate input', () => {
    expect(extractVisibleText('')).toBe('');
    expect(extractVisibleText('', null)).toBe('');
    expect(extractVisibleText('', '')).toBe('');
    expect(extractVisibleText(undefined as unknown as string, undefined)).toBe('');
    expect(extractVisibleText('', '<html><body></body></html>')).toBe('');
    expect(extractVisibleText('> only a quote\n> more\n> and more')).toBe('');
  });

  it('finishes on large and adversarial input (no backtracking pattern)', () => {
    const inputs = [
      'On '.repeat(70_000) + ', wrote',
      ('On Mon, ' + 'x,'.repeat(5_000) + '\n').repeat(40),
      '<http://'.repeat(60_000),
      'a'.repeat(300_000),
      ('line of text\n> quoted line\n').repeat(20_000),
      'El ' + '1, '.repeat(50_000) + 'escribió',
      ('On ,'.repeat(75) + '\n').repeat(2_000),
      ('On Mon, ' + ', '.repeat(450) + '\n').repeat(2_000),
      ('On 1, a <b@c> wrote:\n').repeat(20_000),
    ];
    const htmlInputs = [
      '<a '.repeat(100_000),
      '<div>'.repeat(100_000) + 'x',
      '<!--' + 'x'.repeat(300_000),
      '<blockquote>x'.repeat(50_000),
    ];
    // No clock here (speed belongs to test/bench): a pattern that backtracks on these inputs takes minutes, so the
    // test's timeout is the guard, and each result must still be text, not an exception.
    for (const input of inputs) expect(typeof extractVisibleText(input)).toBe('string');
    for (const html of htmlInputs) expect(typeof extractVisibleText('', html)).toBe('string');
  }, 30_000);

  it('keeps text beyond the analysed window when nothing was cut', () => {
    const big = 'word '.repeat(50_000) + '\nEND-MARKER';
    expect(extractVisibleText(big).endsWith('END-MARKER')).toBe(true);
  });
});

describe('textBeforeClosingOriginalMessage', () => {
  it('is the text before an "-----Original Message-----" that ends it, on the typed line or one of its own', () => {
    expect(textBeforeClosingOriginalMessage('4 -----Mensaje original-----')).toBe('4');
    expect(textBeforeClosingOriginalMessage('Hola\n5 gracias  *-----Original Message-----*\n')).toBe('Hola\n5 gracias');
    expect(textBeforeClosingOriginalMessage('Aprobado.\n-----Mensagem original-----')).toBe('Aprobado.\n');
  });

  it('is null when the text ends otherwise: words under the separator, a dash in a sentence, a line too long to be one', () => {
    expect(textBeforeClosingOriginalMessage('5 -----Mensaje original-----\nLa factura sigue mal.')).toBeNull();
    expect(textBeforeClosingOriginalMessage('5 - mensaje original')).toBeNull();
    expect(textBeforeClosingOriginalMessage(`${'a '.repeat(200)}-----Original Message-----`)).toBeNull();
    expect(textBeforeClosingOriginalMessage(`${' --'.repeat(5000)}x`)).toBeNull();
  });
});
