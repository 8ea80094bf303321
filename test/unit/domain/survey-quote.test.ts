import { describe, expect, it } from 'vitest';
import { answerFromReply } from '../../../src/domain/survey-scale.js';
import { surveyMailText, writtenAroundQuote } from '../../../src/domain/survey-quote.js';

// The yearly NPS mail (0-10), as its text part reads: the numbers a quote of it carries must never be an answer.
const NPS = [
  'Hola:',
  '',
  'Una vez al año preguntamos a nuestros clientes cómo vamos. En una escala del 0 al 10, ¿qué tan probable es que nos recomiende a un colega o a otra empresa? (0 = nada probable, 10 = muy probable)',
  '',
  'Elija un número y confírmelo en la página que se abre.',
  ...Array.from({ length: 11 }, (_, n) => `- ${n}: https://soporte.example.test/survey?t=eyJwIjoic3VydmV5In0.abc&a=${n}`),
  '',
  'También puede responder a este correo solo con el número.',
  '',
  'Atentamente,',
  'Equipo de Soporte Técnico',
].join('\n');

const mail = surveyMailText([NPS]);
const isScore = (line: string) => answerFromReply('0-10', line) !== null;
const around = (reply: string) => writtenAroundQuote(reply, mail, isScore);
/** The one piece written around the quote; null when there is none or more than one. */
const outside = (reply: string) => {
  const pieces = around(reply);
  return pieces?.length === 1 ? (pieces[0] as string) : null;
};
/** As a client that wraps quoted text at 72 characters writes it. */
const rewrapped = (text: string) => text.split('\n').flatMap((line) => line.match(/.{1,72}(\s|$)|\S+/g) ?? ['']).join('\n');

describe('what a reply writes outside an unmarked quote of the survey mail', () => {
  it('is the text under the quote, or above it', () => {
    expect(outside(`${NPS}\n\n9 gracias`)).toBe('9 gracias');
    expect(outside(`${NPS}\n10\n\nSaludos,\nAna`)).toBe('10\n\nSaludos,\nAna');
    expect(outside(`8\n\n${NPS}`)).toBe('8');
    // Re-wrapped and re-indented by the quoting client.
    expect(outside(`${rewrapped(NPS).replace(/^/gm, '  ')}\n\n7`)).toBe('7');
  });

  it('is nothing when only the quote is there, however it is cut: its own numbers are no answer', () => {
    expect(outside(NPS)).toBeNull();
    const lines = NPS.split('\n');
    for (let end = 1; end <= lines.length; end++) {
      const cut = lines.slice(0, end).join('\n');
      const written = outside(cut);
      expect(written === null || !isScore(written), cut.slice(-60)).toBe(true);
    }
  });

  it('is in more than one piece when the reply writes on both sides of the quote; null when it quotes none of it', () => {
    expect(around(`La factura sigue fallando.\n\n${NPS}\n\n5`)).toEqual(['La factura sigue fallando.', '5']);
    const [head, tail] = [NPS.slice(0, NPS.indexOf('- 5:')), NPS.slice(NPS.indexOf('- 5:'))];
    expect(around(`${head}\nNo me atendieron bien.\n${tail}\n\n5`)).toBeNull();
    expect(around('9\n\nSaludos')).toBeNull();
    expect(around(`${NPS}\n${'\n'.repeat(600)}9`)).toBeNull();
  });

  describe('a score typed on a line of its own between the lines of an unmarked quote (Outlook)', () => {
    const question = NPS.indexOf('\n\nElija');
    const typedAfterQuestion = (typed: string) => `${NPS.slice(0, question)}\n${typed}${NPS.slice(question)}`;

    it('is a piece of its own when it is the only thing typed there', () => {
      expect(around(typedAfterQuestion('9'))).toEqual(['9']);
      expect(around(`De: Soporte <soporte@example.test>\nEnviado: lunes, 7 de diciembre de 2026 10:00\n\n${typedAfterQuestion('10/10')}`)).toEqual([
        'De: Soporte <soporte@example.test>\nEnviado: lunes, 7 de diciembre de 2026 10:00',
        '10/10',
      ]);
      // Two scores, or a score with words typed elsewhere in the quote: for the desk.
      expect(around(typedAfterQuestion('9').replace('\nAtentamente,', '\n7\nAtentamente,'))).toEqual(['9', '7']);
      expect(around(typedAfterQuestion('9').replace('\nAtentamente,', '\nNo me atendieron bien.\nAtentamente,'))).toBeNull();
    });

    it('is never a number of the quote itself, however a client re-wraps it', () => {
      for (let width = 8; width <= 80; width++) {
        const wrapped = NPS.split('\n').flatMap((line) => line.match(new RegExp(`.{1,${width}}(\\s|$)|\\S+`, 'g')) ?? ['']).join('\n');
        expect((around(wrapped) ?? []).filter(isScore), `width ${width}`).toEqual([]);
      }
      // The scale as a row of numbers, one a line (an HTML mail as some clients quote it).
      const row = surveyMailText([`${NPS}\n0 1 2 3 4 5 6 7 8 9 10\nFin de la encuesta de este año.`]);
      const quote = `${NPS}\n${Array.from({ length: 11 }, (_, n) => String(n)).join('\n')}\nFin de la encuesta de este año.`;
      expect((writtenAroundQuote(quote, row, isScore) ?? []).filter(isScore)).toEqual([]);
    });
  });

  describe('a quote marked with "> "', () => {
    const marked = (text: string) => text.replace(/^/gm, '> ');
    const [head, tail] = [NPS.slice(0, NPS.indexOf('\n\nElija')), NPS.slice(NPS.indexOf('\n\nElija'))];
    const header = 'El lun, 7 dic 2026 a las 10:00, Soporte <soporte@example.test> escribió:';

    it('has what is typed between its lines (an inline answer), its reply header above it a piece of its own', () => {
      expect(around(`${header}\n${marked(head)}\n9\n${marked(tail)}`)).toEqual([header, '9']);
      expect(around(`${marked(head)}\n\n10 ¡gracias!\n\n${marked(tail)}\n\nSaludos,\nAna`)).toEqual(['10 ¡gracias!', 'Saludos,\nAna']);
      // Re-wrapped and quoted twice.
      expect(around(`${rewrapped(head).replace(/^/gm, '>> ')}\n7\n${rewrapped(tail).replace(/^/gm, '> > ')}`)).toEqual(['7']);
    });

    it('never takes a marked line for the customer, however it is cut; each typed run is a piece', () => {
      expect(around(marked(NPS))).toEqual([]);
      const lines = marked(NPS).split('\n');
      for (let end = 1; end <= lines.length; end++) expect(around(lines.slice(0, end).join('\n')) ?? [], lines[end - 1]).toEqual([]);
      expect(around(`${marked(head)}\n9\n${marked(tail).replace('> Atentamente,', 'No me atendieron bien.\n> Atentamente,')}`)).toEqual(['9', 'No me atendieron bien.']);
      // A marked line that is not the survey mail's: not a quote of it, for the desk.
      expect(around(`${marked(head)}\n9\n> Otra cosa que nunca escribimos en la encuesta.\n${marked(tail)}`)).toBeNull();
    });

    describe('a score typed on the same line as the quote (phone clients, Outlook inline)', () => {
      const [first, ...rest] = marked(NPS.slice(NPS.indexOf('Una vez'))).split('\n');

      it('is a piece of its own when it stands alone before the marks of a line of the survey mail', () => {
        expect(around(`9 ${first}\n${rest.join('\n')}`)).toEqual(['9']);
        expect(around(`10/10 >> ${first?.slice(2)}\n${rest.join('\n').replace(/^/gm, '>')}`)).toEqual(['10/10']);
      });

      it('is not split off a line that is not the survey mail\'s, nor read after the marks or inside a sentence', () => {
        // After the marks it is the quote's text, as the "0 al 10" of its question is.
        expect((around(`${first} 9\n${rest.join('\n')}`) ?? []).filter(isScore)).toEqual([]);
        for (const line of ['9 > Otra cosa que nunca escribimos en la encuesta.', '9 > 5 en la factura 120', 'Le doy 9 > nada de lo que esperaba.', '11 ' + first]) {
          expect((around(`${line}\n${rest.join('\n')}`) ?? []).filter(isScore), line).toEqual([]);
        }
      });
    });
  });
});
