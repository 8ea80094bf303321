/**
 * Delay warnings ("your message has been delayed, we will keep trying") in sisimai's corpus: the mail server
 * is still retrying, so a warning must not count towards an address's suppression, while a final failure must.
 * The expectations carry no delay flag: DELAY_WARNINGS is the list of maildir/bsd files read by hand (each
 * says "warning only", "will be retried", "has not yet been delivered", or carries Action: delayed). Every
 * other file, among them finals worded "retry timeout exceeded", "Deferred: ... Message could not be
 * delivered for 5 days" or "temporary failure", must have no delayed recipient.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMail } from '../../src/ingest/classify/bounce.js';
import { parseMail } from '../../src/ingest/parse.js';
import { corpusRoot } from '../support/corpus.js';

const bsd = path.join(corpusRoot, 'sisimai', 'set-of-emails', 'maildir', 'bsd');
const present = fs.existsSync(bsd);

/** File -> the delayed flag of each recipient, in order. */
const DELAY_WARNINGS: Record<string, boolean[]> = {
  // Plain text, no delivery-status fields.
  'lhost-exim-38.eml': [true],
  'lhost-exim-41.eml': [true],
  'lhost-gmail-06.eml': [true],
  'lhost-gmail-08.eml': [true],
  'lhost-gmail-09.eml': [true],
  'lhost-gmail-17.eml': [true],
  'lhost-opensmtpd-04.eml': [true],
  'lhost-zoho-04.eml': [true],
  // Action: delayed.
  'lhost-messagingserver-07.eml': [true],
  'lhost-opensmtpd-06.eml': [true],
  'lhost-opensmtpd-12.eml': [true],
  'lhost-opensmtpd-13.eml': [true],
  'lhost-opensmtpd-15.eml': [true],
  'lhost-opensmtpd-16.eml': [true],
  'lhost-outlook-06.eml': [true],
  'lhost-sendmail-29.eml': [true],
  'lhost-sendmail-55.eml': [true],
  'rfc3464-07.eml': [true],
  'rfc3464-09.eml': [true],
  'rfc3464-34.eml': [true],
  'rfc3464-55.eml': [true],
  'rhost-gsuite-06.eml': [true],
  'rhost-outlook-06.eml': [true],
  // One report: two recipients failed, one still being retried.
  'rfc3464-35.eml': [false, true, false],
};

describe.skipIf(!present)(`delay warnings in sisimai's corpus${present ? '' : ` (skipped: ${bsd} is absent, see ../shared/corpus/README.md)`}`, () => {
  it('reads every delay warning as delayed, and no final failure as one', async () => {
    const delayed: Record<string, boolean[]> = {};
    for (const file of fs.readdirSync(bsd).filter((f) => f.endsWith('.eml')).sort()) {
      const kind = classifyMail(await parseMail(fs.readFileSync(path.join(bsd, file))));
      if (kind.kind !== 'bounce') continue;
      const flags = kind.recipients.map((r) => r.delayed);
      if (flags.some(Boolean) || file in DELAY_WARNINGS) delayed[file] = flags;
    }
    expect(delayed).toEqual(DELAY_WARNINGS);
  });
});
