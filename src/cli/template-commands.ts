import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, VentanillaError } from '../errors.js';
import { isLocale, LOCALES } from '../outbound/locale.js';
import { failureLine, renderFailures, unusedWordingLine } from '../outbound/template-check.js';
import { sampleAccessContext } from '../outbound/template-samples.js';
import { unusedWordingVariables } from '../outbound/template-wording.js';
import { ACCESS_TEMPLATE_NAMES, isAccessTemplateName, isTemplateName, TEMPLATE_NAMES, TemplateRenderer } from '../outbound/templates.js';
import { templatesDir } from '../paths.js';

const DIR_HELP = 'a template folder to use instead of the one the daemon reads (a copy being edited)';

/**
 * The renderer of `--dir` (the shipped templates/ when not given). A folder that is not there is refused as anything
 * else a command names that does not exist (exit 3); a file, as a mistake (exit 1): either would otherwise be a
 * line for every template that it is not found.
 */
function rendererOf(dir: string | undefined): TemplateRenderer {
  if (dir === undefined) return new TemplateRenderer(templatesDir);
  const stat = statOrNull(dir);
  if (!stat) throw new VentanillaError(ErrorCode.NOT_FOUND, `No template folder at ${resolve(dir)}`);
  if (!stat.isDirectory()) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `${resolve(dir)} is a file, not a template folder`);
  return new TemplateRenderer(resolve(dir));
}

/** The folder's stat, or null when nothing is there (ENOENT; ENOTDIR: a path through a file, README.md/es). */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description('mail templates');

  templates
    .command('preview')
    .description('render a template with sample data, to edit templates safely')
    .argument('<name>', [...TEMPLATE_NAMES, ...ACCESS_TEMPLATE_NAMES].join(', '))
    .option('--locale <locale>', LOCALES.join(', '), 'es')
    .option('--html', 'print the HTML part instead of the text part')
    .option('--case <cases>', 'another wording of the notice, from sample data that chooses it, e.g. close_undone: pending, colleague, unread (combine with commas)')
    .option('--dir <folder>', DIR_HELP)
    .action((name: string, opts: { locale: string; html?: boolean; case?: string; dir?: string }) => {
      if (!isTemplateName(name) && !isAccessTemplateName(name)) {
        throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Unknown template "${name}"; one of ${[...TEMPLATE_NAMES, ...ACCESS_TEMPLATE_NAMES].join(', ')}`);
      }
      if (!isLocale(opts.locale)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Unknown locale "${opts.locale}"; one of ${LOCALES.join(', ')}`);
      const renderer = rendererOf(opts.dir);
      const cases = opts.case === undefined ? [] : opts.case.split(',').map((one) => one.trim()).filter((one) => one !== '');
      if (isAccessTemplateName(name) && cases.length > 0) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `${name} has no sample case "${cases[0]}"; it has none`);
      // Access mails (who may open tickets) are about a person, not a ticket: their own sample data.
      const mail = isAccessTemplateName(name)
        ? renderer.renderAccess(name, opts.locale, sampleAccessContext(name, opts.locale))
        : renderer.render(name, opts.locale, renderer.sampleContext(name, opts.locale, cases));
      process.stdout.write(`Subject: ${mail.subject}\n\n${opts.html ? mail.html : mail.text}\n`);
    });

  templates
    .command('check')
    .description('render every notice and access mail in every language and wording, and name edited ones lacking a wording the shipped one has')
    .option('--dir <folder>', DIR_HELP)
    .action((opts: { dir?: string }) => {
      const renderer = rendererOf(opts.dir);
      const failures = renderFailures(renderer, true);
      const unused = unusedWordingVariables(renderer.dir);
      const lines = [...failures.map(failureLine), ...unused.map((one) => unusedWordingLine(one, opts.dir === undefined ? undefined : renderer.dir))];
      const warnings = unused.length > 0 ? `${unused.length} warning${unused.length > 1 ? 's' : ''}: an edited template lacks wording the shipped one has` : null;
      const summary = failures.length > 0 ? null : (warnings ?? `every template renders, in ${LOCALES.join(', ')}, and uses what the shipped one does`);
      process.stdout.write([...lines, ...(summary ? [summary] : [])].map((line) => `${line}\n`).join(''));
      if (failures.length > 0) {
        throw new VentanillaError(ErrorCode.TEMPLATE_INVALID, `${failures.length} template${failures.length > 1 ? 's' : ''} cannot render (above)${warnings ? `; ${warnings}` : ''}`);
      }
    });
}
