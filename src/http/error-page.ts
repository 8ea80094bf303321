import type { Locale } from '../outbound/locale.js';
import { renderPage, type Desk } from './page-template.js';

// The page of an answer the server gives when no feature's page can: no page at the address (404), a request
// it cannot read (the other 4xx: a body too large, a content type no route reads, an address that is not
// valid percent-encoding or too long), a failure of ours (5xx). The look of the surveys' error page; nothing
// of the request (its address holds a link's token) and no internal code.

export type ErrorPageKind = 'not_found' | 'unreadable' | 'failure';

interface ErrorCopy {
  heading: Record<ErrorPageKind, string>;
  text: Record<ErrorPageKind, string>;
  /** Said of a refused request only: a failure of ours may have happened halfway. */
  nothingDone: string;
  contact: string;
}

const COPY: Record<Locale, ErrorCopy> = {
  es: {
    heading: { not_found: 'No hay ninguna página en esta dirección', unreadable: 'No pudimos leer esta solicitud', failure: 'No pudimos atender su solicitud' },
    text: {
      not_found: 'Revise el enlace: puede estar incompleto. Si lo copió de un correo, cópielo entero.',
      unreadable: 'Su navegador o su programa de correo envió algo que esta página no acepta. Abra de nuevo el enlace desde el correo.',
      failure: 'Ocurrió un problema de nuestro lado. Inténtelo de nuevo más tarde.',
    },
    nothingDone: 'No se registró ni se cambió nada.',
    contact: 'Si necesita ayuda, escríbanos a',
  },
  pt: {
    heading: { not_found: 'Não existe nenhuma página neste endereço', unreadable: 'Não conseguimos ler este pedido', failure: 'Não conseguimos atender o seu pedido' },
    text: {
      not_found: 'Verifique a ligação: pode estar incompleta. Se a copiou de um e-mail, copie-a inteira.',
      unreadable: 'O seu navegador ou o seu programa de e-mail enviou algo que esta página não aceita. Abra novamente a ligação a partir do e-mail.',
      failure: 'Ocorreu um problema do nosso lado. Tente novamente mais tarde.',
    },
    nothingDone: 'Nada foi registado nem alterado.',
    contact: 'Se precisar de ajuda, escreva-nos para',
  },
  en: {
    heading: { not_found: 'There is no page at this address', unreadable: 'We could not read this request', failure: 'We could not answer your request' },
    text: {
      not_found: 'Check the link: it may be incomplete. If you copied it from an email, copy all of it.',
      unreadable: 'Your browser or email program sent something this page does not accept. Open the link from the email again.',
      failure: 'Something went wrong on our side. Please try again later.',
    },
    nothingDone: 'Nothing was recorded or changed.',
    contact: 'If you need help, write to',
  },
};

export function errorPageKind(status: number): ErrorPageKind {
  if (status === 404) return 'not_found';
  return status < 500 ? 'unreadable' : 'failure';
}

export function renderHttpErrorPage(locale: Locale, kind: ErrorPageKind, desk: Desk): string {
  const c = COPY[locale];
  return renderPage('error', {
    locale,
    brand: desk.name,
    heading: c.heading[kind],
    text: c.text[kind],
    nothingStored: kind === 'failure' ? null : c.nothingDone,
    contact: c.contact,
    support: desk.address,
  });
}
