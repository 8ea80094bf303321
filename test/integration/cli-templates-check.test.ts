import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_COLLEAGUE } from '../../src/outbound/template-samples.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { copyOfTemplates } from '../support/template-copy.js';

// A desk owner who edited close_undone before it learned to name a colleague's answer (answeredBy) and one nobody
// could read (answerUnread) runs `templates check` after upgrading: it names the file and what the copy never uses,
// and the preview shows the wording the copy lacks.

const EDITED_BEFORE = `{{> greeting.text}}

{{#if (eq closedAfter "solved")}}Su ticket #{{ticket.number}} se cerró al dar por aceptada la solución, pero su respuesta llegó a tiempo.{{else}}Su ticket #{{ticket.number}} se cerró por falta de respuesta, pero su respuesta llegó a tiempo.{{/if}}

{{> footer.text}}
`;

describe.skipIf(!cliBuilt)('templates check and preview --case', () => {
  it('names an edited close_undone that lacks the colleague and unreadable-answer branches, and how to see them', async () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'close_undone.text.hbs'), EDITED_BEFORE);
    const checked = await runCli(['templates', 'check', '--dir', dir]);
    expect(checked.code, checked.stderr).toBe(0);
    const warning = checked.stdout.split('\n').find((line) => line.includes('close_undone')) ?? '';
    expect(warning).toContain(join(dir, 'es', 'close_undone.text.hbs'));
    expect(warning).toContain('never uses answerUnread, answeredBy');
    expect(warning).toContain(`ventanilla templates preview close_undone --locale es --case unread --dir ${dir}`);
    expect(warning).toContain(`ventanilla templates preview close_undone --locale es --case colleague --dir ${dir}`);
    expect(checked.stdout).toContain('1 warning');
    // The preview of the desk's copy with a colleague's answer: the wording its customers would get, "su respuesta".
    const preview = await runCli(['templates', 'preview', 'close_undone', '--case', 'colleague', '--dir', dir]);
    expect(preview.stdout).toContain('pero su respuesta llegó a tiempo');
    expect(preview.stdout).not.toContain(SAMPLE_COLLEAGUE.es);
  });

  it('the shipped templates: every one renders in every case, no warning', async () => {
    const checked = await runCli(['templates', 'check']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/^every template renders, in es, pt, en, and uses what the shipped one does\n$/);
  });

  it('a template that cannot render in one case only (a helper that does not exist, in the colleague branch) fails the check', async () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'pt', 'close_undone.html.hbs'), '{{#if answerUnread}}{{answerUnread}}{{else if answeredBy}}{{nome answeredBy}}{{else}}{{closedAfter}}{{/if}}');
    const checked = await runCli(['templates', 'check', '--dir', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`${join(dir, 'pt', 'close_undone.html.hbs')}`);
    expect(checked.stdout).toContain('case colleague');
    expect(checked.stdout).toContain('Missing helper: "nome"');
    expect(checked.stderr).toContain('TEMPLATE_INVALID');
  });

  it.each([
    ['check', 'no-such-folder'],
    ['preview answer', 'no-such-folder'],
    ['check', join('es', 'answer.text.hbs', 'es')],
  ])('templates %s --dir a folder that is not there (%s): says so, exit 3 (what it names does not exist)', async (command, folder) => {
    const missing = join(copyOfTemplates(), folder);
    const checked = await runCli(['templates', ...command.split(' '), '--dir', missing]);
    expect(checked.code).toBe(3);
    expect(checked.stderr).toContain(`NOT_FOUND: No template folder at ${missing}`);
    expect(checked.stdout).toBe('');
  });

  it('templates check --dir a file, not a folder: says so, exit 1', async () => {
    const file = join(copyOfTemplates(), 'es', 'answer.text.hbs');
    const checked = await runCli(['templates', 'check', '--dir', file]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(`${file} is a file, not a template folder`);
    expect(checked.stdout).toBe('');
  });

  it.each([
    ['colleague', `pero una respuesta de ${SAMPLE_COLLEAGUE.es} sobre la solución nos llegó a tiempo`],
    ['colleague,pending', `por falta de respuesta, pero una respuesta de ${SAMPLE_COLLEAGUE.es} sobre él nos llegó a tiempo`],
    ['unread', 'pero un correo sobre él nos llegó a tiempo'],
  ])('preview close_undone --case %s shows that wording', async (cases, words) => {
    const preview = await runCli(['templates', 'preview', 'close_undone', '--case', cases]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(words);
  });

  it('preview with a case the template does not have names those it has', async () => {
    const preview = await runCli(['templates', 'preview', 'too_large', '--case', 'colleague']);
    expect(preview.code).toBe(1);
    expect(preview.stderr).toContain('too_large has no sample case "colleague"; its cases: undoes-close, pending');
  });
});
