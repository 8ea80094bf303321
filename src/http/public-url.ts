import type { App } from '../app.js';

// The base of links in mail (surveys, bulletin unsubscribe). Apart from server.ts, so that commands that only
// need the links do not load the HTTP server.

/**
 * PUBLIC_URL without a trailing slash, else the local server (fine for a demo, not for customers). Written as the
 * URL parser writes it, in ASCII: an accented domain ("soporte.compañía.mx") in punycode, a path's accents and
 * spaces percent-encoded. As given, it went into List-Unsubscribe as an RFC 2047 encoded-word, which no mail
 * provider reads as a link, and a space cut every link in the text part in two.
 */
export function publicUrlOf(env: LinkEnv): string {
  const port = env.HTTP_PORT === 0 ? (boundPorts.get(env) ?? 0) : env.HTTP_PORT;
  return (env.PUBLIC_URL === undefined ? `http://localhost:${port}` : new URL(env.PUBLIC_URL).href).replace(/\/+$/, '');
}

export type LinkEnv = { PUBLIC_URL?: string; HTTP_PORT: number };

// HTTP_PORT 0 lets the system pick the port at `listen`, after the app (and the links of its mail) were set up:
// without PUBLIC_URL every link said "http://localhost:0", which opens nothing. Kept by the configuration it
// belongs to, so that every part built on that configuration reads the port the server really has.
const boundPorts = new WeakMap<LinkEnv, number>();

/** The port the HTTP server of this configuration listens on: the base of links from then on, when HTTP_PORT is 0. */
export function learnBoundPort(env: LinkEnv, port: number): void {
  boundPorts.set(env, port);
}

/** Whether links in mail name a port chosen for this run only (HTTP_PORT 0 and no PUBLIC_URL): dead after a restart. */
export function linksLastOneRun(env: LinkEnv): boolean {
  return env.PUBLIC_URL === undefined && env.HTTP_PORT === 0;
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
