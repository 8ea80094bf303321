import { oneLine } from '../domain/one-line.js';
import { LOCALES, type Locale } from './locale.js';
import { sampleAccessContext, sampleCaseSetting, sampleCases } from './template-samples.js';
import { ACCESS_TEMPLATE_NAMES, TEMPLATE_NAMES, type TemplateName, type TemplateRenderer } from './templates.js';
import type { UnusedWording } from './template-wording.js';

// What `ventanilla templates check` and the daemon's warm-up find in a template folder a desk may have edited:
// a template that cannot render (in one of its wordings: a helper misspelt in the colleague's branch fails only
// when a colleague answers), and the lines that tell the desk what to do about a part lacking a wording.

export interface RenderFailure {
  name: string;
  locale: Locale;
  /** The sample cases of the rendering that failed ([] the default sample). */
  cases: string[];
  code: unknown;
  message: string;
}

/** Every combination of a notice's sample cases, the default ([]) first: each wording the template has. */
export function caseCombinations(name: TemplateName): string[][] {
  return sampleCases(name).reduce<string[][]>((combinations, one) => [...combinations, ...combinations.map((c) => [...c, one])], [[]]);
}

/**
 * Renders every notice in every language and wording, and each access mail: the first failure of each, per language.
 * `everyWording`: which notices to render in each of their wordings; the others, their default sample only.
 */
export function renderFailures(
  renderer: TemplateRenderer,
  withAccessMails = false,
  everyWording: (name: TemplateName, locale: Locale) => boolean = () => true,
): RenderFailure[] {
  const failures: RenderFailure[] = [];
  const attempt = (name: string, locale: Locale, cases: string[], render: () => unknown): boolean => {
    try {
      render();
      return true;
    } catch (error) {
      failures.push({ name, locale, cases, code: (error as { code?: unknown }).code, message: error instanceof Error ? error.message : String(error) });
      return false;
    }
  };
  for (const locale of LOCALES) {
    for (const name of TEMPLATE_NAMES) {
      // One failure per template and language: a file that does not compile fails in every wording.
      const combinations = everyWording(name, locale) ? caseCombinations(name) : [[]];
      combinations.every((cases) => attempt(name, locale, cases, () => renderer.render(name, locale, renderer.sampleContext(name, locale, cases))));
    }
    if (!withAccessMails) continue;
    for (const name of ACCESS_TEMPLATE_NAMES) attempt(name, locale, [], () => renderer.renderAccess(name, locale, sampleAccessContext(name, locale)));
  }
  return failures;
}

/** A failure on one line: what cannot render, in which wording, and why. */
export function failureLine(failure: RenderFailure): string {
  const wording = failure.cases.length > 0 ? `, case ${failure.cases.join(',')}` : '';
  return `${failure.name} (${failure.locale}${wording}): ${oneLine(failure.message.split('\n')[0] ?? '')}`;
}

/**
 * The warning for a part that lacks a wording, with what to do: each variable's sample case, whose preview shows
 * what the desk's customers get now. `dir`: the folder checked, when it is not the one the daemon reads.
 */
export function unusedWordingLine(unused: UnusedWording, dir?: string): string {
  const { name, locale, part, file, missing } = unused;
  const cases = [...new Set(missing.map((variable) => sampleCaseSetting(name, variable)).filter((one) => one !== undefined))];
  const preview = (one?: string) =>
    `\`ventanilla templates preview ${name} --locale ${locale}${one ? ` --case ${one}` : ''}${part === 'html' ? ' --html' : ''}${dir ? ` --dir ${dir}` : ''}\``;
  const previews = cases.length > 0 ? cases.map(preview).join(', ') : preview();
  const they = missing.length > 1 ? 'they are' : 'it is';
  return (
    `${file}: never uses ${missing.join(', ')}, which the shipped ${name} tests in {{#if}} to choose its words: ` +
    `when ${they} set, customers get this copy's words for when ${they} not. ` +
    `Add those branches from the shipped ${locale}/${name}.${part}.hbs of this version; see what customers get now with ${previews}`
  );
}
