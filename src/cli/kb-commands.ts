import type { Command } from 'commander';
import { ErrorCode, VentanillaError } from '../errors.js';
import type { Locale } from '../outbound/locale.js';
import { readOnly as run } from './with-app.js';

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** `kb ...` (README "Knowledge base"): what the folder holds, and what a mail would be sent. */
export function registerKnowledgeCommands(program: Command): void {
  const kb = program.command('kb').description('knowledge-base articles (KNOWLEDGE_BASE_DIR, default DATA_DIR/kb): suggested in the mail that opens a ticket');

  kb.command('list')
    .description('the articles read from the folder (files that cannot be read are named in the log)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      run(async (app) => {
        const knowledge = app.lifecycle.notices.knowledge;
        const view = (knowledge?.folder.current().articles ?? []).map((a) => ({ slug: a.slug, lang: a.lang, title: a.title, keywords: a.keywords, url: a.url ?? knowledge?.pageUrl(a.slug) }));
        if (opts.json) return out(JSON.stringify(view, null, 2));
        for (const a of view) out(`${a.slug}\t${a.lang ?? 'all'}\t${a.title}\t${a.url}`);
        out(`${view.length} articles in ${app.config.knowledgeBaseDir}`);
      }),
    );

  kb.command('suggest')
    .description('the articles a new ticket with these words would be sent, best first, with the words that matched')
    .argument('<words...>', "the mail's subject and words")
    .option('--locale <locale>', "the customer's language: es, pt or en", 'es')
    .option('--json', 'print JSON')
    .action((words: string[], opts: { locale: string; json?: boolean }) =>
      run(async (app) => {
        if (!['es', 'pt', 'en'].includes(opts.locale)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--locale ${opts.locale}: expected es, pt or en`);
        const knowledge = app.lifecycle.notices.knowledge;
        const found = knowledge?.folder.current().suggest(words.join(' '), opts.locale as Locale) ?? [];
        const view = found.map((s) => ({ slug: s.article.slug, title: s.article.title, score: s.score, words: s.words }));
        if (opts.json) return out(JSON.stringify(view, null, 2));
        for (const s of view) out(`${s.slug}\t${s.score}\t${s.title}\t(${s.words.join(', ')})`);
        if (view.length === 0) out(`no article matches (${knowledge?.folder.current().size ?? 0} in ${app.config.knowledgeBaseDir}): an article needs two of the words, one of them in its title or keywords`);
      }),
    );
}
