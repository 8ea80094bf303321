import type { App } from '../app.js';

/**
 * The base of links in mail: PUBLIC_URL, else the local server (fine for a demo, not for customers). Apart from
 * server.ts, so that commands that only need the links do not load the HTTP server.
 */
export function publicUrl(app: App): string {
  return (app.config.env.PUBLIC_URL ?? `http://localhost:${app.config.env.HTTP_PORT}`).replace(/\/+$/, '');
}
