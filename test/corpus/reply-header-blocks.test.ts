/**
 * The reply headers of real mails (discourse's reply-trimmer tests: Outlook's "From: … Sent: …" blocks in
 * English, Spanish, German and Swedish, with and without a separator line above): alone, as a client writes one
 * above an unmarked quote of a survey mail, they are no text of the customer's (src/ingest/stages/survey-reply.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOnlyReplyHeader } from '../../src/ingest/visible-text/index.js';
import { corpusRoot } from '../support/corpus.js';

const elided = path.join(corpusRoot, 'discourse-email_reply_trimmer', 'test', 'elided');
const haveCorpus = fs.existsSync(elided);
if (!haveCorpus) console.warn(`reply-header-blocks: ${elided} is absent; skipped (see ../shared/corpus/README.md)`);

const SUBJECT = /^\s*[*_]{0,2}(?:subject|asunto|assunto|betreff|ämne)[*_]{0,2}\s?:/i;

/** Each removed part that opens with a header block: that block, down to its subject line. */
function headerBlocks(): Array<[string, string]> {
  return fs.readdirSync(elided).sort().flatMap((name): Array<[string, string]> => {
    const lines = fs.readFileSync(path.join(elided, name), 'utf8').split('\n');
    const subject = lines.findIndex((line) => SUBJECT.test(line));
    // A forward's header opens the message forwarded, which is kept: no reply header.
    const forward = /forwarded message/i.test(lines[0] ?? '');
    return subject >= 0 && subject < 8 && !forward ? [[name, lines.slice(0, subject + 1).join('\n')]] : [];
  });
}

describe.skipIf(!haveCorpus)('a real reply header alone', () => {
  const blocks = haveCorpus ? headerBlocks() : [];

  it('is found in the corpus', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it.each(blocks)('%s: is only a reply header; with words above it, it is not', (_name, block) => {
    expect(isOnlyReplyHeader(block)).toBe(true);
    expect(isOnlyReplyHeader(`5\n\n${block}`)).toBe(false);
    expect(isOnlyReplyHeader(`Gracias.\n\n${block}`)).toBe(false);
  });
});
