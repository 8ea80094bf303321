// Links in the HTML part of mail. Handlebars writes "=" as "&#x3D;" (and the shared bodies' filling did the same,
// with "&" as "&#x26;"): that protects unquoted attributes, which our templates never use. Browsers decode it, but
// relays that rewrite links for click tracking (SendGrid, GetResponse) read the attribute as it is, and a link whose
// "?t=" became "?t&#x3D;" lost its token: the survey, opt-out or unsubscribe page said it was not valid
// (handlebars.js issue 1175). So a URL in a double-quoted attribute has only what could end or break it escaped,
// and "&" as "&amp;", as HTML writes it.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };

/** `url` as the value of a double-quoted href attribute. */
export function hrefValue(url: string): string {
  return url.replace(/[&"'<>]/g, (c) => ESCAPES[c] as string);
}

/** Registers `{{href url}}` on a Handlebars environment: the URL escaped for an attribute (above), not as text. */
export function registerHrefHelper(hb: typeof import('handlebars')): void {
  hb.registerHelper('href', (url: unknown) => new hb.SafeString(hrefValue(typeof url === 'string' ? url : '')));
}
