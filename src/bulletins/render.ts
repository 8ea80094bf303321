import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { registerHrefHelper } from '../outbound/href.js';
import { oneLine } from '../outbound/templates.js';
import type { Locale } from '../outbound/locale.js';
import { placeholder } from '../outbound/shared-body.js';
import { templatesDir } from '../paths.js';
import type { BulletinVariant } from './bulletin-file.js';
import { countryNames, SERVED_COUNTRIES } from './countries.js';
import { markdownToHtml, markdownToText } from './markdown.js';
import type { ConfirmationHint } from './subscription.js';

// Bulletin mails: templates/<locale>/bulletin.* (the bulletin in its layout) and bulletin_confirm.* (the
// double opt-in link), with the partials templates/partials/bulletin-*.hbs. A bulletin is rendered once per
// language; what differs per reader (the address, the unsubscribe link, the countries they subscribed to) stays
// a placeholder that the outbox drainer fills in (src/outbound/shared-body.ts).

/** The values of a bulletin body's placeholders for one reader (renderBulletin). */
export function readerFill(reader: { email: string; countries: readonly string[] }, locale: Locale, unsubscribeUrl: string): Record<string, string> {
  return { email: reader.email, unsubscribe_url: unsubscribeUrl, subscribed_countries: countryNames(reader.countries, locale) };
}

export interface RenderedParts {
  subject: string;
  text: string;
  html: string;
}

type Name = 'bulletin' | 'bulletin_confirm';

export class BulletinRenderer {
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private partialsLoaded = false;

  constructor(readonly dir: string = templatesDir) {
    this.hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    registerHrefHelper(this.hb);
  }

  /**
   * The bulletin in one language, with the reader's address, unsubscribe link and subscribed countries as
   * placeholders (readerFill gives their values). countriesLabel names the bulletin's own countries.
   */
  renderBulletin(variant: BulletinVariant, locale: Locale, ctx: { listName: string; countries: string[] }): RenderedParts {
    return this.render('bulletin', locale, {
      ...this.titleView(variant, locale, ctx),
      bodyHtml: new this.hb.SafeString(markdownToHtml(variant.markdown)),
      bodyText: markdownToText(variant.markdown),
      email: placeholder('email'),
      unsubscribeUrl: placeholder('unsubscribe_url'),
      subscribedLabel: placeholder('subscribed_countries'),
    });
  }

  /**
   * The Subject alone (bulletin.subject.hbs), as renderBulletin gives it: the sender needs it for every batch,
   * also one resumed after a restart, when the body is stored already and not rendered again.
   */
  bulletinSubject(variant: BulletinVariant, locale: Locale, ctx: { listName: string; countries: string[] }): string {
    this.loadPartials();
    return oneLine(this.run('bulletin', locale, 'subject', this.titleView(variant, locale, ctx)));
  }

  private titleView(variant: BulletinVariant, locale: Locale, ctx: { listName: string; countries: string[] }): Record<string, unknown> {
    const title = oneLine(variant.title);
    return { title, underline: '='.repeat(Math.min(title.length, 72)), listName: ctx.listName, countriesLabel: countryNames(ctx.countries, locale) };
  }

  /** The mail with the link that confirms a subscription asked for by mail. */
  renderConfirmation(
    locale: Locale,
    ctx: { listName: string; countries: string[]; email: string; confirmUrl: string; days: number; hint?: ConfirmationHint; address?: string },
  ): RenderedParts {
    // The hint says how to name countries when none was named or some words were not understood.
    const unknownWords = ctx.hint?.unknown.join(', ') ?? '';
    const chooseHint = ctx.hint ? ctx.hint.guessed || unknownWords !== '' : false;
    return this.render('bulletin_confirm', locale, { ...ctx, countriesLabel: countryNames(ctx.countries, locale), unknownWords, chooseHint, servedCodes: [...SERVED_COUNTRIES].sort().join(' ') });
  }

  private render(name: Name, locale: Locale, view: Record<string, unknown>): RenderedParts {
    this.loadPartials();
    const subject = oneLine(this.run(name, locale, 'subject', view));
    const text = this.run(name, locale, 'text', view).replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
    const html = this.run(name, locale, 'html', { ...view, locale, mailSubject: subject });
    return { subject, text, html };
  }

  private run(name: Name, locale: Locale, part: 'subject' | 'text' | 'html', view: Record<string, unknown>): string {
    const file = join(this.dir, locale, `${name}.${part}.hbs`);
    let template = this.compiled.get(file);
    if (!template) {
      if (!existsSync(file)) throw new Error(`Mail template not found: ${file}`);
      template = this.hb.compile(readFileSync(file, 'utf8'), { noEscape: part !== 'html' });
      this.compiled.set(file, template);
    }
    return template({ ...view, locale });
  }

  private loadPartials(): void {
    if (this.partialsLoaded) return;
    const dir = join(this.dir, 'partials');
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      if (!entry.startsWith('bulletin-') || !entry.endsWith('.hbs')) continue;
      const name = entry.slice(0, -'.hbs'.length);
      this.hb.registerPartial(name, this.hb.compile(readFileSync(join(dir, entry), 'utf8'), { noEscape: !name.endsWith('.html') }));
    }
    this.partialsLoaded = true;
  }
}
