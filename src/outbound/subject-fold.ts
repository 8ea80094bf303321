import { encodeWord } from 'nodemailer/lib/mime-funcs';

// RFC 5322 2.1.1: a header line MUST be at most 998 characters and SHOULD be at most 78, and a header is folded
// only at whitespace. nodemailer folds a subject at its spaces, and one with non-ASCII characters (or a quote) it
// writes whole as RFC 2047 encoded-words, which it cuts to fit; a plain ASCII word too long for a line it leaves
// as it is: a customer's subject of one pasted token or a long URL went out as one line of up to 1,200 characters
// (an access answer quotes the mail's subject uncut), which a strict server may refuse or cut.

/** The longest word that fits the first line: "Subject: " and the word, in 78 characters. */
const LONGEST_WORD = 78 - 'Subject: '.length;
const LONG_WORD = new RegExp(`\\S{${LONGEST_WORD + 1},}`, 'g');

/** A Subject nodemailer writes as it is (prepared), already folded. */
export interface PreparedSubject {
  prepared: true;
  foldLines: true;
  value: string;
}

/**
 * The subject as nodemailer's `subject` when nodemailer folds it within 78 characters itself; else as a prepared
 * header: its long words, from the first to the last (the spaces between them kept), as encoded-words nodemailer
 * folds between, so a reader sees the subject unchanged. The words before them (the "[#n]" tag) stay plain text.
 * A subject with a literal "=?" is encoded whole.
 */
export function subjectForMime(subject: string): { subject: string } | { header: PreparedSubject } {
  // Non-ASCII or a quote: nodemailer encodes the whole subject itself (mime-funcs encodeWords).
  if (/["\u0080-\uffff]/.test(subject)) return { subject };
  // A literal "=?" left plain could read as an encoded-word of its own (nodemailer leaves a well-formed one as it is,
  // taking it for one already encoded): a customer's subject quoting a raw header reached them decoded, another
  // subject than their ticket's. Then the whole subject is encoded, whatever its length.
  const literal = subject.includes('=?');
  const long = [...subject.matchAll(LONG_WORD)];
  const first = long[0];
  const last = long.at(-1);
  if (!literal && (!first || !last)) return { subject };
  const start = literal || !first ? 0 : first.index;
  const end = literal || !last ? subject.length : last.index + last[0].length;
  const value = `${subject.slice(0, start)}${encodeWord(subject.slice(start, end), 'Q', 52)}${subject.slice(end)}`;
  return { header: { prepared: true, foldLines: true, value } };
}
