import { describe, expect, it } from 'vitest';
import { answerFromReply } from '../../../src/domain/survey-scale.js';
import { surveyMailText, writtenOutsideQuote } from '../../../src/domain/survey-quote.js';

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
const outside = (reply: string) => writtenOutsideQuote(reply, mail, isScore);
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

  it('is null when the reply says more than what stands on one side of the quote, or quotes none of it', () => {
    expect(outside(`La factura sigue fallando.\n\n${NPS}\n\n5`)).toBeNull();
    const [head, tail] = [NPS.slice(0, NPS.indexOf('- 5:')), NPS.slice(NPS.indexOf('- 5:'))];
    expect(outside(`${head}\nNo me atendieron bien.\n${tail}\n\n5`)).toBeNull();
    expect(outside('9\n\nSaludos')).toBeNull();
    expect(outside(`${NPS}\n${'\n'.repeat(600)}9`)).toBeNull();
  });
});
