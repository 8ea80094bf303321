import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../../src/paths.js';
import { LOCALES } from '../../../src/outbound/locale.js';
import { TEMPLATE_NAMES } from '../../../src/outbound/templates.js';
import { WORDING_VARIABLES, testedVariables, unusedWordingVariables } from '../../../src/outbound/template-wording.js';
import { copyOfTemplates } from '../../support/template-copy.js';

// A desk that edited a notice before the shipped one learned a new wording (close_undone's answeredBy and
// answerUnread) keeps its copy: its customers get the wording meant for the other case ("su respuesta" of a
// colleague's reply), and nothing told the desk. The check names what the desk's copy never uses.

/** es/close_undone.text.hbs as shipped before answeredBy and answerUnread, with a desk's own closing line. */
const EDITED_BEFORE = `{{> greeting.text}}

{{#if (eq closedAfter "solved")}}Su ticket #{{ticket.number}} se cerró al dar por aceptada la solución, pero su respuesta llegó a tiempo.{{else}}Su ticket #{{ticket.number}} se cerró por falta de respuesta, pero su respuesta llegó a tiempo.{{/if}}

Gracias por su paciencia, el equipo de Facturación.

{{> footer.text}}
`;

describe('variables that choose a notice\'s wording', () => {
  it.each(TEMPLATE_NAMES)('%s: the list the check holds is what the shipped templates test, in every language and part', (name) => {
    for (const locale of LOCALES) {
      for (const part of ['subject', 'text', 'html'] as const) {
        const shipped = testedVariables(readFileSync(join(templatesDir, locale, `${name}.${part}.hbs`), 'utf8'));
        // A shipped template that tests a new variable must name it in WORDING_VARIABLES (template-wording.ts),
        // so that desks whose edited copy lacks that branch are warned.
        expect([...shipped].sort(), `${locale}/${name}.${part}.hbs`).toEqual([...(WORDING_VARIABLES[name][part] ?? [])].sort());
      }
    }
  });

  it('the shipped templates use every one of them', () => {
    expect(unusedWordingVariables(templatesDir)).toEqual([]);
  });

  it('a close_undone edited before answeredBy and answerUnread existed is named, with the variables it never uses', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'close_undone.text.hbs'), EDITED_BEFORE);
    expect(unusedWordingVariables(dir)).toEqual([{ name: 'close_undone', locale: 'es', part: 'text', file: join(dir, 'es', 'close_undone.text.hbs'), missing: ['answerUnread', 'answeredBy'] }]);
  });

  it('a variable used anywhere counts: as a value, in a helper, or in a partial of the desk\'s that the template calls', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'partials', 'quien.text.hbs'), '{{#if answeredBy}}una respuesta de {{answeredBy}}{{else}}su respuesta{{/if}}');
    writeFileSync(join(dir, 'es', 'close_undone.text.hbs'), '{{> quien.text}} {{#unless (eq answerUnread true)}}.{{/unless}} {{closedAfter}}\n');
    writeFileSync(join(dir, 'pt', 'close_undone.text.hbs'), '{{answeredBy}} {{#with this}}{{closedAfter}}{{/with}}\n');
    expect(unusedWordingVariables(dir).map(({ locale, part, missing }) => ({ locale, part, missing }))).toEqual([{ locale: 'pt', part: 'text', missing: ['answerUnread'] }]);
  });

  it('a variable named through @root or a block parameter ({{#each digest.items as |item|}}{{item.kind}}) counts too', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'close_undone.text.hbs'), '{{#if @root.answeredBy}}{{@root.answeredBy}}{{/if}} {{answerUnread}} {{closedAfter}}\n');
    writeFileSync(join(dir, 'en', 'escalation_digest.text.hbs'), '{{#each digest.items as |item|}}{{#if (eq item.kind "sla")}}late{{else}}{{item.kind}}{{/if}}{{/each}}\n');
    expect(unusedWordingVariables(dir)).toEqual([]);
  });

  it('too_large edited before it told of a close that was a mistake is named for closedAfter', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'en', 'too_large.html.hbs'), '{{#> layout.html}}<p>Your mail «{{ticket.subject}}» was too large ({{body}}).</p>{{/layout.html}}');
    expect(unusedWordingVariables(dir).map(({ name, locale, part, missing }) => ({ name, locale, part, missing }))).toEqual([{ name: 'too_large', locale: 'en', part: 'html', missing: ['closedAfter'] }]);
  });

  it('a part that is missing is not reported here (rendering reports it, TEMPLATE_INVALID)', () => {
    const dir = copyOfTemplates();
    unlinkSync(join(dir, 'es', 'closed.text.hbs'));
    expect(unusedWordingVariables(dir)).toEqual([]);
  });
});
