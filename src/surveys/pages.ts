// The public pages of the surveys: the answer page (a link's answer to confirm, or thanks and the answer;
// a comment form), the opt-out page ("Don't send me surveys") and the error page of a link that is broken or expired. Plain HTML and inline CSS (the server's CSP allows no scripts and
// nothing from outside), in the contact's language, readable on a phone. Everything shown is escaped.

import { choicesOf, type SurveyKind, type SurveyScale } from '../domain/survey-scale.js';
import { renderPage, type Desk } from '../http/page-template.js';
import type { Locale } from '../outbound/locale.js';
import { choiceLabel, OPT_OUT_COPY, PAGE_COPY } from './copy.js';

export interface SurveyPageInput {
  locale: Locale;
  /** SUPPORT_NAME: the desk the customer wrote to. */
  brand: string;
  kind: SurveyKind;
  scale: SurveyScale;
  ticket: { number: number; subject: string } | null;
  /** The current answer's value ('good', '4', '9') or null; the comment. */
  current: string | null;
  /**
   * The answer of the link that opened the page, or null. It comes picked but is not recorded: link scanners
   * open every link of a mail, so only the form's button (a POST) answers.
   */
  picked: string | null;
  comment: string | null;
  /** The form's target: the page's own URL, relative (http/page-reply.ts thisPageWith). */
  action: string;
  /** Just saved by the form (the page after the redirect). */
  saved: boolean;
  error?: string;
}

const SCALE_CLASS: Record<SurveyScale, string> = { good_bad: 'binary', '1-5': 'five', '0-10': 'eleven' };

export function renderSurveyPage(input: SurveyPageInput): string {
  const t = PAGE_COPY[input.locale];
  const answered = input.current !== null;
  const toConfirm = input.picked !== null && input.picked !== input.current;
  const shown = toConfirm ? input.picked : input.current;
  const choices = choicesOf(input.scale).map((value) => ({ value, id: `answer-${value}`, label: choiceLabel(input.scale, value, input.locale), checked: value === shown }));
  return renderPage('survey', {
    locale: input.locale,
    brand: input.brand,
    t,
    heading: answered ? t.thanks : toConfirm ? t.confirmTitle : t.title,
    confirm: toConfirm ? (answered ? t.confirmChange : t.confirm) : null,
    question: t.question[input.kind],
    ticket: input.ticket,
    choices,
    scaleClass: SCALE_CLASS[input.scale],
    npsEnds: input.scale === '0-10' ? t.npsEnds : null,
    comment: input.comment ?? '',
    answered,
    recordedLabel: answered ? choiceLabel(input.scale, input.current as string, input.locale) : '',
    saved: input.saved,
    error: input.error,
    action: input.action,
  });
}

export interface OptOutPageInput {
  locale: Locale;
  /** SUPPORT_NAME: the desk whose surveys these are. */
  brand: string;
  email: string;
  /** Opted out already: the page says so and asks nothing. */
  done: boolean;
  /** The form's target: the page's own URL, relative (its token is what a forged POST from elsewhere lacks). */
  action: string;
}

/** One button that POSTs: a GET (a link scanner) must not opt anyone out. */
export function renderOptOutPage(input: OptOutPageInput): string {
  const o = OPT_OUT_COPY[input.locale];
  return renderPage('opt-out', {
    locale: input.locale,
    brand: input.brand,
    t: PAGE_COPY[input.locale],
    heading: input.done ? o.doneTitle : o.askTitle,
    text: input.done ? o.done(input.email) : o.ask(input.email),
    button: o.button,
    done: input.done,
    action: input.action,
  });
}

/**
 * `about`: the link of an answer (nothing recorded) or of the opt-out (nothing changed). `recorded`: the label of
 * the answer an expired survey keeps, said instead of "no answer was recorded".
 */
export function renderErrorPage(locale: Locale, reason: 'invalid' | 'expired', desk: Desk, about: 'answer' | 'opt_out' = 'answer', recorded?: string): string {
  const t = PAGE_COPY[locale];
  const o = OPT_OUT_COPY[locale];
  const [heading, text] = reason === 'expired' ? [t.expiredTitle, t.expiredText] : [t.invalidTitle, about === 'opt_out' ? o.invalidText : t.invalidText];
  const [nothingStored, contact] = about === 'opt_out' ? [o.nothingChanged, o.contact] : [t.nothingStored, t.contact];
  if (reason === 'expired' && recorded !== undefined) {
    return renderPage('error', { locale, brand: desk.name, t, heading, text: `${t.expiredAnsweredText} ${t.recorded} ${recorded}.`, nothingStored: null, contact, support: desk.address });
  }
  return renderPage('error', { locale, brand: desk.name, t, heading, text, nothingStored, contact, support: desk.address });
}
