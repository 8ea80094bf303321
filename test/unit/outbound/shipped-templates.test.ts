import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { LOCALES } from '../../../src/outbound/locale.js';
import { editedSince, hashesOf, readShippedHashes, shippedTemplatesPath } from '../../../src/outbound/shipped-templates.js';
import { TEMPLATE_NAMES, TemplateRenderer } from '../../../src/outbound/templates.js';
import { templatesDir } from '../../../src/paths.js';
import { renderEveryTemplate } from '../../../src/warm-up.js';
import { copyOfTemplates } from '../../support/template-copy.js';

// The daemon warms up once the mailbox is caught up, while the acknowledgements a backlog owes are rendered and
// sent: it renders each notice's every wording, and reads which variables a part uses, only for what a desk
// changed (the shipped templates are checked by the tests, and by `templates check`). What is shipped is what the
// build recorded of templates/.

const shipped = hashesOf(templatesDir);

/** A renderer that counts the renderings of each notice (name/locale), to see which wordings the warm-up renders. */
function countingRenderer(dir: string): { renderer: TemplateRenderer; renders: Map<string, number> } {
  const renderer = new TemplateRenderer(dir);
  const renders = new Map<string, number>();
  const render = renderer.render.bind(renderer);
  renderer.render = (name, locale, context) => {
    renders.set(`${name}/${locale}`, (renders.get(`${name}/${locale}`) ?? 0) + 1);
    return render(name, locale, context);
  };
  return { renderer, renders };
}

const quiet = { error: () => {}, warn: () => {} };

describe('templates a desk changed', () => {
  it('an untouched copy: nothing changed', () => {
    const edited = editedSince(shipped, copyOfTemplates());
    for (const name of TEMPLATE_NAMES) {
      for (const locale of LOCALES) {
        expect(edited.template(name, locale), `${locale}/${name}`).toBe(false);
        for (const part of ['subject', 'text', 'html'] as const) expect(edited.part(name, locale, part)).toBe(false);
      }
    }
  });

  it('one part edited: that part, and its template in that language only', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'close_undone.text.hbs'), readFileSync(join(dir, 'es', 'close_undone.text.hbs'), 'utf8') + 'Gracias.\n');
    const edited = editedSince(shipped, dir);
    expect(edited.part('close_undone', 'es', 'text')).toBe(true);
    expect(edited.part('close_undone', 'es', 'html')).toBe(false);
    expect(edited.template('close_undone', 'es')).toBe(true);
    expect(edited.template('close_undone', 'pt')).toBe(false);
    expect(edited.template('closed', 'es')).toBe(false);
  });

  it.each([
    ['edited', 'footer.text.hbs'],
    ['added', 'quien.text.hbs'],
  ])('a partial %s: every part, since any may call it', (_, partial) => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'partials', partial), '{{answeredBy}}');
    const edited = editedSince(shipped, dir);
    expect(edited.part('closed', 'pt', 'subject')).toBe(true);
    expect(edited.template('too_large', 'en')).toBe(true);
  });

  it('without a record of what was shipped (not built): everything counts as changed', () => {
    const edited = editedSince(null, templatesDir);
    expect(edited.part('answer', 'es', 'text')).toBe(true);
    expect(edited.template('answer', 'es')).toBe(true);
  });

  it.skipIf(!existsSync(shippedTemplatesPath))('the build records templates/ as it is', () => {
    expect(readShippedHashes()).toEqual(shipped);
  });
});

describe("the daemon's warm-up", () => {
  it('templates as shipped: each notice rendered once per language, not in every wording', () => {
    const { renderer, renders } = countingRenderer(copyOfTemplates());
    renderEveryTemplate(renderer, quiet, shipped);
    expect(new Set(renders.values())).toEqual(new Set([1]));
    expect(renders.size).toBe(TEMPLATE_NAMES.length * LOCALES.length);
  });

  it('an edited notice: every wording of it, in the language edited; a branch that cannot render is named with its case', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'en', 'close_undone.text.hbs'), '{{#if answerUnread}}x{{else if answeredBy}}{{nmae answeredBy}}{{else}}{{closedAfter}}{{/if}}');
    const { renderer, renders } = countingRenderer(dir);
    const logged: object[] = [];
    renderEveryTemplate(renderer, { error: (fields) => logged.push(fields), warn: () => {} }, shipped);
    expect(logged).toEqual([{ template: 'close_undone', locale: 'en', code: ErrorCode.TEMPLATE_INVALID, cases: ['colleague'] }]);
    expect(renders.get('close_undone/en')).toBeGreaterThan(1);
    expect(renders.get('close_undone/es')).toBe(1);
  });

  it('an edited part lacking a wording is warned of, as by `templates check`', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'pt', 'close_undone.html.hbs'), '{{#> layout.html}}<p>{{ticket.number}} {{closedAfter}}</p>{{/layout.html}}');
    const warned: object[] = [];
    renderEveryTemplate(new TemplateRenderer(dir), { error: () => {}, warn: (fields) => warned.push(fields) }, shipped);
    expect(warned).toEqual([{ template: 'close_undone', locale: 'pt', part: 'html', missing: ['answerUnread', 'answeredBy'] }]);
  });

  it('a part as the build recorded it is not read for its variables (the tests read the shipped ones)', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'pt', 'close_undone.html.hbs'), '{{#> layout.html}}<p>{{ticket.number}} {{closedAfter}}</p>{{/layout.html}}');
    const warned: object[] = [];
    renderEveryTemplate(new TemplateRenderer(dir), { error: () => {}, warn: (fields) => warned.push(fields) }, hashesOf(dir));
    expect(warned).toEqual([]);
  });
});
