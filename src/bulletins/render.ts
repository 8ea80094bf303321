import Handlebars from 'handlebars';
import type { Locale } from '../outbound/locale.js';
import { placeholder } from '../outbound/shared-body.js';
import { TemplateFiles, type CheckCommand } from '../outbound/template-files.js';
import { oneLine } from '../domain/one-line.js';
import { templatesDir } from '../paths.js';
import type { BulletinVariant } from './bulletin-file.js';
import { countryNames, SERVED_COUNTRIES } from './countries.js';
import { markdownToHtml, markdownToText } from './markdown.js';
import type { ConfirmationHint } from './subscription.js';

// Bulletin mails: templates/<locale>/bulletin.* (the bulletin in its layout), bulletin_confirm.* (the
// double opt-in link) and bulletin_subscribed.* (SUSCRIBIR from a reader already subscribed), with the partials templates/partials/bulletin-*.hbs. A bulletin is rendered once per
// language; what differs per reader (the address, the unsubscribe link, the countries they subscribed to) stays
// a placeholder that the outbox drainer fills in (src/outbound/shared-body.ts).

/** The codes of the countries served, as the mails list them for a reader to choose. */
const SERVED_CODES = [...SERVED_COUNTRIES].sort().join(' ');

/** The values of a bulletin body's placeholders for one reader (renderBulletin). */
export function readerFill(reader: { email: string; countries: readonly string[] }, locale: Locale, unsubscribeUrl: string): Record<string, string> {
  return { email: reader.email, unsubscribe_url: unsubscribeUrl, subscribed_countries: countryNames(reader.countries, locale) };
}

export interface RenderedParts {
  subject: string;
  text: string;
  html: string;
}

type Name = 'bulletin' | 'bulletin_confirm' | 'bulletin_subscribed';

/**
 * A fixed bulletin template is checked with `bulletin preview`, which renders the bulletin (its Subject in both
 * outputs); no command renders the confirmation mail on its own.
 */
const bulletinPreview: CheckCommand = (name, locale, part) =>
  name === 'bulletin' ? `ventanilla bulletin preview <file-or-id> --locale ${locale}${part === 'html' ? ' --html' : ''}` : null;

export class BulletinRenderer {
  private readonly files: TemplateFiles;

  constructor(readonly dir: string = templatesDir) {
    this.files = new TemplateFiles(dir, bulletinPreview);
  }

  /**
   * The bulletin in one language, with the reader's address, unsubscribe link and subscribed countries as
   * placeholders (readerFill gives their values). countriesLabel names the bulletin's own countries.
   */
  renderBulletin(variant: BulletinVariant, locale: Locale, ctx: { listName: string; countries: string[] }): RenderedParts {
    return this.render('bulletin', locale, {
      ...this.titleView(variant, locale, ctx),
      bodyHtml: new Handlebars.SafeString(markdownToHtml(variant.markdown)),
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
    this.files.loadPartials();
    return oneLine(this.files.run('bulletin', locale, 'subject', { ...this.titleView(variant, locale, ctx), locale }));
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
    return this.render('bulletin_confirm', locale, { ...ctx, countriesLabel: countryNames(ctx.countries, locale), unknownWords, chooseHint, servedCodes: SERVED_CODES });
  }

  /** The answer to SUSCRIBIR from a reader who follows every country named already: nothing to confirm. */
  renderAlreadySubscribed(locale: Locale, ctx: { listName: string; countries: string[]; email: string; address: string; unknown?: string[] }): RenderedParts {
    // "SUSCRIBIR Narnia" from a subscriber: told she is subscribed, and also what was not read as a country, with the codes.
    const unknownWords = ctx.unknown?.join(', ') ?? '';
    return this.render('bulletin_subscribed', locale, { ...ctx, countriesLabel: countryNames(ctx.countries, locale), unknownWords, servedCodes: SERVED_CODES });
  }

  private render(name: Name, locale: Locale, fields: Record<string, unknown>): RenderedParts {
    this.files.loadPartials();
    const view = { ...fields, locale };
    const subject = oneLine(this.files.run(name, locale, 'subject', view));
    const text = this.files.run(name, locale, 'text', view).replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
    const html = this.files.run(name, locale, 'html', { ...view, mailSubject: subject });
    return { subject, text, html };
  }
}
