// The words of the surveys that are not in a mail template: the answers' labels (mail and page) and the
// answer page, in the three languages of the desk (DOMAIN.md rule 12).

import { normaliseReply, type SurveyKind, type SurveyScale } from '../domain/survey-scale.js';
import type { Locale } from '../outbound/locale.js';

const CSAT_LABELS: Record<Locale, Record<string, string>> = {
  es: { good: 'Buena', bad: 'Mala', '1': 'Muy insatisfecho', '2': 'Insatisfecho', '3': 'Ni satisfecho ni insatisfecho', '4': 'Satisfecho', '5': 'Muy satisfecho' },
  pt: { good: 'Boa', bad: 'Má', '1': 'Muito insatisfeito', '2': 'Insatisfeito', '3': 'Nem satisfeito nem insatisfeito', '4': 'Satisfeito', '5': 'Muito satisfeito' },
  en: { good: 'Good', bad: 'Bad', '1': 'Very dissatisfied', '2': 'Dissatisfied', '3': 'Neither satisfied nor dissatisfied', '4': 'Satisfied', '5': 'Very satisfied' },
};

/** The words of the 1-5 scale in every language, as a reply is read, and their number: a reply "Muy satisfecho" is a 5. */
export const CSAT_SCORE_WORDS: ReadonlyMap<string, number> = new Map(
  Object.values(CSAT_LABELS).flatMap((labels) => ['1', '2', '3', '4', '5'].map((v) => [normaliseReply(labels[v] as string), Number(v)] as const)),
);

/** "Buena"; "5 · Muy satisfecho"; "9" (NPS numbers speak for themselves, the ends are explained apart). */
export function choiceLabel(scale: SurveyScale, value: string, locale: Locale): string {
  if (scale === '0-10') return value;
  const words = CSAT_LABELS[locale][value] ?? value;
  // A word answer on the 1-5 scale ("bueno" by mail) has no number to show: "Buena", not "good · Buena".
  return scale === '1-5' && /^\d$/.test(value) ? `${value} · ${words}` : words;
}

export interface PageCopy {
  title: string;
  question: Record<SurveyKind, string>;
  npsEnds: string;
  ticket: string;
  thanks: string;
  recorded: string;
  /** The page a link opens, its answer picked but not recorded until the button is pressed (link scanners open every link). */
  confirmTitle: string;
  confirm: string;
  /** The same, when another answer is recorded already. */
  confirmChange: string;
  saved: string;
  change: string;
  comment: string;
  commentHint: string;
  submit: string;
  update: string;
  pickOne: string;
  invalidTitle: string;
  invalidText: string;
  expiredTitle: string;
  expiredText: string;
  /** The same, of a survey answered in time. */
  expiredAnsweredText: string;
  nothingStored: string;
  contact: string;
}

export const PAGE_COPY: Record<Locale, PageCopy> = {
  es: {
    title: 'Encuesta de satisfacción',
    question: { csat: '¿Cómo calificaría la atención que recibió?', nps: '¿Qué tan probable es que nos recomiende a un colega o a otra empresa?' },
    npsEnds: '0 = nada probable · 10 = muy probable',
    ticket: 'Ticket',
    thanks: '¡Gracias por su respuesta!',
    recorded: 'Registramos su respuesta:',
    confirmTitle: 'Confirme su respuesta',
    confirm: 'Marcamos la respuesta que eligió. Pulse «Enviar» para registrarla; antes puede agregar un comentario.',
    confirmChange: 'Marcamos abajo la respuesta que eligió ahora. Pulse «Guardar cambios» para registrarla en lugar de la anterior.',
    saved: 'Guardamos sus cambios. ¡Gracias!',
    change: 'Puede cambiar su respuesta o agregar un comentario:',
    comment: 'Comentario (opcional)',
    commentHint: '¿Qué hicimos bien o qué podemos mejorar? Máximo 2000 caracteres.',
    submit: 'Enviar',
    update: 'Guardar cambios',
    pickOne: 'Elija una respuesta antes de enviar.',
    invalidTitle: 'Este enlace no es válido',
    invalidText: 'El enlace de la encuesta está incompleto o fue modificado.',
    expiredTitle: 'Este enlace ha caducado',
    expiredText: 'El plazo para responder esta encuesta terminó.',
    expiredAnsweredText: 'El plazo para cambiar su respuesta terminó.',
    nothingStored: 'No se registró ninguna respuesta.',
    contact: 'Si desea darnos su opinión, escríbanos a',
  },
  pt: {
    title: 'Inquérito de satisfação',
    question: { csat: 'Como avalia o atendimento que recebeu?', nps: 'Qual a probabilidade de nos recomendar a um colega ou a outra empresa?' },
    npsEnds: '0 = nada provável · 10 = muito provável',
    ticket: 'Ticket',
    thanks: 'Obrigado pela sua resposta!',
    recorded: 'Registámos a sua resposta:',
    confirmTitle: 'Confirme a sua resposta',
    confirm: 'Marcámos a resposta que escolheu. Carregue em «Enviar» para a registar; antes pode acrescentar um comentário.',
    confirmChange: 'Marcámos abaixo a resposta que escolheu agora. Carregue em «Guardar alterações» para a registar em vez da anterior.',
    saved: 'Guardámos as suas alterações. Obrigado!',
    change: 'Pode alterar a sua resposta ou acrescentar um comentário:',
    comment: 'Comentário (opcional)',
    commentHint: 'O que fizemos bem ou o que podemos melhorar? Máximo de 2000 caracteres.',
    submit: 'Enviar',
    update: 'Guardar alterações',
    pickOne: 'Escolha uma resposta antes de enviar.',
    invalidTitle: 'Esta ligação não é válida',
    invalidText: 'A ligação do inquérito está incompleta ou foi alterada.',
    expiredTitle: 'Esta ligação expirou',
    expiredText: 'O prazo para responder a este inquérito terminou.',
    expiredAnsweredText: 'O prazo para alterar a sua resposta terminou.',
    nothingStored: 'Nenhuma resposta foi registada.',
    contact: 'Se quiser dar-nos a sua opinião, escreva-nos para',
  },
  en: {
    title: 'Satisfaction survey',
    question: { csat: 'How would you rate the support you received?', nps: 'How likely are you to recommend us to a colleague or another company?' },
    npsEnds: '0 = not at all likely · 10 = extremely likely',
    ticket: 'Ticket',
    thanks: 'Thank you for your answer!',
    recorded: 'We recorded your answer:',
    confirmTitle: 'Confirm your answer',
    confirm: 'We marked the answer you chose. Press “Send” to record it; you can add a comment first.',
    confirmChange: 'Below is the answer you chose now. Press “Save changes” to record it instead of the previous one.',
    saved: 'Your changes are saved. Thank you!',
    change: 'You can change your answer or add a comment:',
    comment: 'Comment (optional)',
    commentHint: 'What did we do well, or what could we do better? 2000 characters at most.',
    submit: 'Send',
    update: 'Save changes',
    pickOne: 'Please pick an answer before sending.',
    invalidTitle: 'This link is not valid',
    invalidText: 'The survey link is incomplete or was changed.',
    expiredTitle: 'This link has expired',
    expiredText: 'The time to answer this survey is over.',
    expiredAnsweredText: 'The time to change your answer is over.',
    nothingStored: 'No answer was recorded.',
    contact: 'If you would like to tell us your opinion, write to',
  },
};

/** The opt-out page ("Don't send me surveys"): asks with one button, then says it is done. */
export interface OptOutCopy {
  askTitle: string;
  ask: (email: string) => string;
  button: string;
  doneTitle: string;
  done: (email: string) => string;
  /** The error page of a broken opt-out link: what it is, that nothing changed, whom to write to. */
  invalidText: string;
  nothingChanged: string;
  contact: string;
}

export const OPT_OUT_COPY: Record<Locale, OptOutCopy> = {
  es: {
    askTitle: '¿Dejar de recibir encuestas?',
    ask: (email) => `${email} no recibirá más encuestas de satisfacción ni la encuesta anual. Los avisos de sus tickets seguirán llegando.`,
    button: 'No quiero más encuestas',
    doneTitle: 'Listo',
    done: (email) => `No le enviaremos más encuestas a ${email}. Los avisos de sus tickets seguirán llegando.`,
    invalidText: 'El enlace para dejar de recibir encuestas está incompleto, fue modificado o es demasiado antiguo.',
    nothingChanged: 'No se cambió nada.',
    contact: 'Si no desea recibir encuestas, escríbanos a',
  },
  pt: {
    askTitle: 'Deixar de receber inquéritos?',
    ask: (email) => `${email} não receberá mais inquéritos de satisfação nem o inquérito anual. Os avisos dos seus tickets continuarão a chegar.`,
    button: 'Não quero mais inquéritos',
    doneTitle: 'Pronto',
    done: (email) => `Não enviaremos mais inquéritos para ${email}. Os avisos dos seus tickets continuarão a chegar.`,
    invalidText: 'A ligação para deixar de receber inquéritos está incompleta, foi alterada ou é demasiado antiga.',
    nothingChanged: 'Nada foi alterado.',
    contact: 'Se não quiser receber inquéritos, escreva-nos para',
  },
  en: {
    askTitle: 'Stop receiving surveys?',
    ask: (email) => `${email} will get no more satisfaction surveys and no yearly survey. The notices about your tickets will still arrive.`,
    button: 'No more surveys',
    doneTitle: 'Done',
    done: (email) => `We will send you no more surveys at ${email}. The notices about your tickets will still arrive.`,
    invalidText: 'The link to stop surveys is incomplete, was changed or is too old.',
    nothingChanged: 'Nothing was changed.',
    contact: 'If you do not want surveys, write to',
  },
};
