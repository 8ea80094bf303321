/**
 * The language of the acknowledgement a first-time sender gets, for short replies of the discourse corpus
 * (../shared/corpus/discourse-email_reply_trimmer: real bodies, wrapped in minimal headers) and a German mail of
 * stalwart's. A sender of no served country's domain is answered in the language of their words; a Portuguese
 * or English customer whose few words were mistaken got their acknowledgement in Spanish, and a German one in
 * Portuguese. A reply too short to tell is answered in the language of the reply header its client wrote.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

const discourseDir = path.join(corpusRoot, 'discourse-email_reply_trimmer', 'test', 'emails');
const stalwartDir = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'thirdparty');
const legacyDir = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'legacy');
const talonDir = path.join(corpusRoot, 'talon', 'tests', 'fixtures', 'standard_replies');
const haveCorpus = [discourseDir, stalwartDir, legacyDir, talonDir].every((dir) => fs.existsSync(dir));

// The first line of the acknowledgement in each language (templates/*/acknowledgement).
const GREETING = { es: /^Hola[ ,:]/, pt: /^Olá[ ,:]/, en: /^Hello[ ,:]/ } as const;

let app: TestApp;
afterEach(async () => app?.dispose());

async function acknowledgementLanguage(raw: Buffer, ref: string): Promise<string> {
  const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: ref });
  const ack = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement', ticket: { number: result.ticketNumber as number } } });
  const first = ack.text.trim().split('\n')[0] ?? '';
  return Object.entries(GREETING).find(([, re]) => re.test(first))?.[0] ?? `unknown: ${first}`;
}

describe.skipIf(!haveCorpus)(`the acknowledgement is in the language the customer wrote (${haveCorpus ? 'present' : 'corpus absent'})`, () => {
  it('short Portuguese and English replies of the discourse corpus, Spanish ones unchanged', async () => {
    app = await createTestApp();
    const expected: Record<string, string> = {
      'embedded_email_portuguese.txt': 'pt', // "Olá, Qualquer dúvida estamos ai."
      'embedded_email_italian.txt': 'en', // "Ok, will do. As a test, this is a reply from a webmail client."
      'embedded_email_russian_1.txt': 'en', // "Why don't you override particular strings with JS?"
      'text_only.txt': 'en', // "Email with only text."
      'embedded_email_spanish_2.txt': 'es', // "Igual que siempre (inclusive ahora), sin nada raro :/"
      'embedded_email_french_2.txt': 'en', // "Thanks for your answer."
      // Too short to tell: the reply header their client wrote decides, when it is in one of the three.
      'embedded_email_10.txt': 'en', // "Thank you." above "On Sun, Feb 7, 2016 at 12:12 AM -0800, "Arpit Jalan" <…> wrote:"
      'embedded_email_8.txt': 'en', // "Foo" above "-------- Original Message --------"
      'email_headers_4.txt': 'es', // "test" above an Italian Outlook's "Da: … Data: … Oggetto: …": no guess
    };
    const got: Record<string, string> = {};
    for (const [index, file] of Object.keys(expected).entries()) {
      const body = fs.readFileSync(path.join(discourseDir, file), 'utf8');
      // One sender each, on a domain of no served country (.org): only their words can say their language.
      got[file] = await acknowledgementLanguage(mail({ headers: { From: `Sender ${index} <sender${index}@example.org>` }, body }), file);
    }
    expect(got).toEqual(expected);
  });

  it('a reply too short to tell whose client quotes its own header (talon: Apple Mail\'s "> On … wrote:", Hotmail\'s "> Subject: … From: …") is answered in that header\'s language', async () => {
    app = await createTestApp();
    for (const name of ['apple_mail_2.eml', 'hotmail.eml']) {
      const file = path.join(talonDir, name);
      expect(await acknowledgementLanguage(fs.readFileSync(file), file), name).toBe('en');
    }
  });

  it("a German Eudora mail whose text names its images by hex (stalwart legacy/051.eml: 2aa5e03a.png2aa5e044.png) is not taken for Portuguese", async () => {
    app = await createTestApp();
    const file = path.join(legacyDir, '051.eml');
    expect(await acknowledgementLanguage(fs.readFileSync(file), file)).not.toBe('pt');
  });

  it("a German customer's mail (stalwart thirdparty/015.eml) is not taken for Portuguese", async () => {
    app = await createTestApp();
    const file = path.join(stalwartDir, '015.eml');
    expect(await acknowledgementLanguage(fs.readFileSync(file), file)).not.toBe('pt');
  });
});
