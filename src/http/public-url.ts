import type { App } from '../app.js';

// The base of links in mail (surveys, bulletin unsubscribe). Apart from server.ts, so that commands that only
// need the links do not load the HTTP server.

/**
 * PUBLIC_URL without a trailing slash, else the local server (fine for a demo, not for customers). Written as the
 * URL parser writes it, in ASCII: an accented domain ("soporte.compañía.mx") in punycode, a path's accents and
 * spaces percent-encoded. As given, it went into List-Unsubscribe as an RFC 2047 encoded-word, which no mail
 * provider reads as a link, and a space cut every link in the text part in two.
 */
export function publicUrlOf(env: { PUBLIC_URL?: string; HTTP_PORT: number }): string {
  return (env.PUBLIC_URL === undefined ? `http://localhost:${env.HTTP_PORT}` : new URL(env.PUBLIC_URL).href).replace(/\/+$/, '');
}

export function publicUrl(app: App): string {
  return publicUrlOf(app.config.env);
}

/**
 * Whether links can be built on `url` by appending "/survey?t=...": http(s) with a host and perhaps a path;
 * no query or fragment (the link's own path would land in them), no credentials (they would be in every mail).
 */
export function isLinkBase(url: string): boolean {
  const { protocol, hostname, username, password } = new URL(url);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '' && !/[?#]/.test(url) && username === '' && password === '';
}

/** Why links built on `url` will not serve the people mailed, or null when they will. */
export function publicUrlProblem(url: string): string | null {
  const { protocol, hostname } = new URL(url);
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || /^127\./.test(hostname) || hostname === '[::1]') {
    return "it names this machine, so the links in customers' mail (surveys, unsubscribe) will not open for them";
  }
  if (protocol !== 'https:') return 'it is not https: mail providers honour one-click unsubscribe (RFC 8058) only over https, and browsers warn on forms';
  return null;
}
