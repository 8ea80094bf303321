import type { Locale } from '../outbound/locale.js';

// The pages behind the links in bulletin mail, in the reader's language: small, accessible (landmarks, a
// real heading, a labelled button, visible focus, high contrast), with no script and nothing loaded from
// anywhere else (the server's Content-Security-Policy allows inline style only).

/** `confirm_invalid`: a broken or expired confirmation link, whose reader wanted to subscribe, not to leave. */
export type PageKind = 'unsubscribe_ask' | 'unsubscribed' | 'already_unsubscribed' | 'confirm_ask' | 'confirmed' | 'invalid' | 'confirm_invalid';

interface Copy {
  title: string;
  text: (v: { email: string; list: string; countries: string; address: string }) => string;
  button?: string;
}

const COPY: Record<Locale, Record<PageKind, Copy>> = {
  es: {
    unsubscribe_ask: { title: '¿Darse de baja?', text: (v) => `La dirección ${v.email} dejará de recibir el ${v.list}.`, button: 'Darme de baja' },
    unsubscribed: { title: 'Baja confirmada', text: (v) => `Listo: ${v.email} ya no recibirá el ${v.list}.` },
    already_unsubscribed: { title: 'Sin suscripción', text: (v) => `${v.email} no está suscrita al ${v.list}: no recibirá más boletines.` },
    confirm_ask: { title: 'Confirme su suscripción', text: (v) => `${v.email} recibirá el ${v.list} de: ${v.countries}.`, button: 'Confirmar la suscripción' },
    confirmed: { title: 'Suscripción confirmada', text: (v) => `Gracias: ${v.email} recibirá el ${v.list} de: ${v.countries}. Cada boletín trae un enlace para darse de baja.` },
    invalid: { title: 'Enlace no válido', text: () => 'El enlace no es válido o ya caducó. Si quiere darse de baja, responda a cualquier boletín con la palabra BAJA.' },
    confirm_invalid: { title: 'Enlace no válido', text: (v) => `El enlace para confirmar la suscripción no es válido o ya caducó. Para suscribirse, escriba a ${v.address} con la palabra SUSCRIBIR: le enviaremos un enlace nuevo.` },
  },
  pt: {
    unsubscribe_ask: { title: 'Cancelar a inscrição?', text: (v) => `O endereço ${v.email} deixará de receber o ${v.list}.`, button: 'Cancelar a inscrição' },
    unsubscribed: { title: 'Inscrição cancelada', text: (v) => `Pronto: ${v.email} já não receberá o ${v.list}.` },
    already_unsubscribed: { title: 'Sem inscrição', text: (v) => `${v.email} não está inscrito no ${v.list}: não receberá mais boletins.` },
    confirm_ask: { title: 'Confirme a sua inscrição', text: (v) => `${v.email} receberá o ${v.list} de: ${v.countries}.`, button: 'Confirmar a inscrição' },
    confirmed: { title: 'Inscrição confirmada', text: (v) => `Obrigado: ${v.email} receberá o ${v.list} de: ${v.countries}. Cada boletim traz uma ligação para cancelar a inscrição.` },
    invalid: { title: 'Ligação inválida', text: () => 'A ligação não é válida ou já expirou. Para cancelar a inscrição, responda a qualquer boletim com a palavra CANCELAR.' },
    confirm_invalid: { title: 'Ligação inválida', text: (v) => `A ligação para confirmar a inscrição não é válida ou já expirou. Para se inscrever, escreva para ${v.address} com a palavra SUBSCREVER: enviaremos uma ligação nova.` },
  },
  en: {
    unsubscribe_ask: { title: 'Unsubscribe?', text: (v) => `${v.email} will no longer receive the ${v.list}.`, button: 'Unsubscribe' },
    unsubscribed: { title: 'You are unsubscribed', text: (v) => `Done: ${v.email} will no longer receive the ${v.list}.` },
    already_unsubscribed: { title: 'Not subscribed', text: (v) => `${v.email} is not subscribed to the ${v.list}: no more bulletins will be sent.` },
    confirm_ask: { title: 'Confirm your subscription', text: (v) => `${v.email} will receive the ${v.list} for: ${v.countries}.`, button: 'Confirm the subscription' },
    confirmed: { title: 'Subscription confirmed', text: (v) => `Thank you: ${v.email} will receive the ${v.list} for: ${v.countries}. Every bulletin has a link to unsubscribe.` },
    invalid: { title: 'Link not valid', text: () => 'This link is not valid or has expired. To unsubscribe, reply to any bulletin with the word UNSUBSCRIBE.' },
    confirm_invalid: { title: 'Link not valid', text: (v) => `This link to confirm the subscription is not valid or has expired. To subscribe, write to ${v.address} with the word SUBSCRIBE: we will send you a new link.` },
  },
};

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

// overflow-wrap: a long address (the page names the reader's) wraps; unbroken, a phone zoomed the page out to fit it.
const STYLE = `
body{margin:0;background:#f3f4f6;color:#111827;font:18px/1.5 Arial,Helvetica,sans-serif}
main{max-width:36rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #d1d5db;border-radius:8px;overflow-wrap:break-word}
h1{margin:0 0 1rem;font-size:1.6rem;line-height:1.25}
p{margin:0 0 1.25rem}
.list{margin:0 0 .5rem;color:#065f46;font-weight:bold;font-size:1rem}
button{font:inherit;font-weight:bold;padding:.75rem 1.5rem;color:#fff;background:#065f46;border:2px solid #065f46;border-radius:6px;cursor:pointer}
button:hover{background:#064e3b}
button:focus-visible{outline:3px solid #1d4ed8;outline-offset:3px}
@media (prefers-color-scheme:dark){body{background:#111827;color:#f9fafb}main{background:#1f2937;border-color:#374151}.list{color:#6ee7b7}}
`;

/** A whole page; `action` (the same URL, with its token) gets the form when the page asks something. */
export function renderBulletinPage(locale: Locale, kind: PageKind, v: { email: string; list: string; countries: string; address: string; action?: string }): string {
  const copy = COPY[locale][kind];
  const asks = copy.button !== undefined && v.action !== undefined;
  const form = asks
    ? `<form method="post" action="${escapeHtml(v.action as string)}">` +
      (kind === 'unsubscribe_ask' ? '<input type="hidden" name="List-Unsubscribe" value="One-Click">' : '') +
      `<button type="submit">${escapeHtml(copy.button as string)}</button></form>`
    : '';
  return `<!DOCTYPE html>
<html lang="${locale}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(copy.title)} · ${escapeHtml(v.list)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="list">${escapeHtml(v.list)}</p>
<h1>${escapeHtml(copy.title)}</h1>
<p${asks ? '' : ' role="status"'}>${escapeHtml(copy.text(v))}</p>
${form}
</main>
</body>
</html>
`;
}
