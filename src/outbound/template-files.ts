import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { registerHrefHelper } from './href.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import type { Locale } from './locale.js';

// A template folder's .hbs files as Handlebars templates: each compiled on first use and kept, the partials
// registered once, with the helpers the templates call. Shared by the notices (templates.ts) and the bulletin
// mails (bulletins/render.ts), which check their own context and build what their templates see.

export type Part = 'subject' | 'text' | 'html';

/** The command that renders a template again, so the operator can check a fixed file; null when none does. */
export type CheckCommand = (name: string, locale: Locale, part: Part) => string | null;

/** Notices and access mails: `ventanilla templates preview`. */
const previewCommand: CheckCommand = (name, locale, part) => `ventanilla templates preview ${name} --locale ${locale}${part === 'html' ? ' --html' : ''}`;

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  registerHrefHelper(hb);
  // Multi-line user text in HTML: escape first, then keep the line breaks.
  hb.registerHelper('nl2br', (value: unknown) => {
    const escaped = hb.escapeExpression(typeof value === 'string' ? value : value == null ? '' : String(value));
    return new hb.SafeString(escaped.replace(/\r\n|\r|\n/g, '<br>\n'));
  });
  // A list's first `n` items, and how many come after them: a subject that names hundreds of tickets says "and N more".
  hb.registerHelper('first', (list: unknown, n: unknown) => (Array.isArray(list) ? list.slice(0, Number(n)) : []));
  hb.registerHelper('countBeyond', (list: unknown, n: unknown) => (Array.isArray(list) ? Math.max(0, list.length - Number(n)) : 0));
  // "+54 11 5295 9300" -> "+541152959300", for tel: links.
  hb.registerHelper('tel', (value: unknown) => (typeof value === 'string' ? value.replace(/[^\d+]/g, '') : ''));
}

export class TemplateFiles {
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private partialsLoaded = false;

  constructor(
    readonly dir: string,
    private readonly checkCommand: CheckCommand = previewCommand,
  ) {
    registerHelpers(this.hb);
  }

  file(name: string, locale: Locale, part: Part): string {
    return join(this.dir, locale, `${name}.${part}.hbs`);
  }

  run(name: string, locale: Locale, part: Part, view: object): string {
    const file = this.file(name, locale, part);
    let template = this.compiled.get(file);
    if (!template) {
      if (!existsSync(file)) throw new Error(`Mail template not found: ${file} (template "${name}", locale "${locale}", ${part} part)`);
      template = this.hb.compile(readFileSync(file, 'utf8'), { noEscape: part !== 'html' });
      this.compiled.set(file, template);
    }
    try {
      // Handlebars compiles lazily: syntax errors surface here too, so they get the file name as well.
      return template(view);
    } catch (err) {
      this.compiled.delete(file);
      const reason = err instanceof Error ? err.message : String(err);
      const check = this.checkCommand(name, locale, part);
      // Coded, so the CLI prints it without a stack; it names the command that checks an edited template.
      throw new VentanillaError(
        ErrorCode.TEMPLATE_INVALID,
        `Cannot render mail template ${file}: ${reason}\nFix the file${check ? `, then check it with \`${check}\`` : ''}.`,
        {},
        { cause: err },
      );
    }
  }

  /** templates/partials/<name>.hbs -> partial "<name>" ("footer.text", "layout.html"); *.text.* ones are not HTML-escaped. */
  loadPartials(): void {
    if (this.partialsLoaded) return;
    const partialsDir = join(this.dir, 'partials');
    if (existsSync(partialsDir)) {
      for (const entry of readdirSync(partialsDir)) {
        if (!entry.endsWith('.hbs')) continue;
        const partialName = entry.slice(0, -'.hbs'.length);
        const file = join(partialsDir, entry);
        const compiled = this.hb.compile(readFileSync(file, 'utf8'), { noEscape: !partialName.endsWith('.html') });
        this.hb.registerPartial(partialName, (context: unknown, options?: Handlebars.RuntimeOptions) => {
          try {
            return compiled(context, options);
          } catch (err) {
            if (err instanceof Error && err.message.includes(file)) throw err;
            throw new Error(`partial ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
        });
      }
    }
    this.partialsLoaded = true;
  }
}
