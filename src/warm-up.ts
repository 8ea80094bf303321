import type { App } from './app.js';
import { extractVisibleText } from './ingest/visible-text/index.js';
import { editedSince, readShippedHashes, type TemplateHashes } from './outbound/shipped-templates.js';
import { renderFailures, unusedWordingLine } from './outbound/template-check.js';
import { unusedWordingVariables } from './outbound/template-wording.js';
import type { TemplateRenderer } from './outbound/templates.js';

/**
 * Compiles every template in every locale, by rendering its sample (Handlebars compiles on first use); one a desk
 * changed, in each of its wordings. One that cannot render (an operator's edit with a syntax error, a misspelt
 * helper in one branch) is logged by name now, at start, rather than found when a customer's mail needs it;
 * warming up goes on, and the daemon runs. So is an edited part that never uses a variable the shipped one tests to
 * choose its words (template-wording.ts): it renders, but says the wrong thing to the customers it is about.
 * What is as shipped (`shipped`, recorded by the build) is not rendered in every wording nor read for its
 * variables: the tests do that, and this runs while a backlog's acknowledgements are rendered and sent.
 */
export function renderEveryTemplate(
  renderer: TemplateRenderer,
  log: { error: (fields: object, msg: string) => void; warn: (fields: object, msg: string) => void },
  shipped: TemplateHashes | null = readShippedHashes(),
): void {
  const edited = editedSince(shipped, renderer.dir);
  for (const { name, locale, cases, code, message } of renderFailures(renderer, false, edited.template)) {
    log.error({ template: name, locale, code, ...(cases.length > 0 ? { cases } : {}) }, message);
  }
  for (const unused of unusedWordingVariables(renderer.dir, edited.part)) {
    log.warn({ template: unused.name, locale: unused.locale, part: unused.part, missing: unused.missing }, unusedWordingLine(unused));
  }
}

/**
 * The first mail after start-up pays for compiling templates and regexes and for the first queries (about
 * 1.5 s here). The daemon pays it at start instead, so the first customer's mail is as fast as the rest.
 */
export async function warmUp(app: App): Promise<void> {
  renderEveryTemplate(app.lifecycle.notices.renderer, app.log);
  // The parser, loaded lazily by the pipeline (a pushed mail is parsed in this thread), is loaded now too.
  const { parseMail } = await import('./ingest/parse.js');
  const mail = await parseMail(Buffer.from('From: a@b.example\r\nSubject: warm-up\r\nMessage-ID: <w@b.example>\r\n\r\nHola.\r\n\r\nEl lun, 1 ene 2026, A <a@b.example> escribió:\r\n> x\r\n'));
  extractVisibleText(mail.text, mail.html);
  await app.db.ticket.findFirst({ select: { id: true } });
  await app.db.message.findFirst({ where: { messageId: 'warm-up' }, select: { id: true } });
}
