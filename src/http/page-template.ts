import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths.js';

// The public pages' HTML: templates/pages/<name>.html.hbs, with the one style sheet inlined (the server's
// Content-Security-Policy allows nothing from elsewhere). Handlebars escapes everything a page shows.

const hb = Handlebars.create();
const cache = new Map<string, Handlebars.TemplateDelegate>();
let style: string | undefined;

export type PageName = 'survey' | 'opt-out' | 'error' | 'article' | 'kb-solved';

/** Whom every page speaks for: each desk's own SUPPORT_NAME and SUPPORT_ADDRESS, never a name written here. */
export interface Desk {
  name: string;
  address: string;
}

export const deskOf = (config: { supportName: string; supportAddress: string }): Desk => ({ name: config.supportName, address: config.supportAddress });

export function renderPage(name: PageName, view: object): string {
  let template = cache.get(name);
  if (!template) {
    template = hb.compile(readFileSync(join(templatesDir, 'pages', `${name}.html.hbs`), 'utf8'), { strict: false });
    cache.set(name, template);
  }
  style ??= readFileSync(join(templatesDir, 'pages', 'style.css'), 'utf8');
  return template({ ...view, style });
}
