import iconv from 'iconv-lite';
import { simpleParser, type AddressObject, type Attachment as ParsedAttachment } from 'mailparser';
import { normaliseMessageId, parseIdList } from '../domain/thread-refs.js';
import { ErrorCode, VentanillaError } from '../errors.js';

export interface Address {
  address: string;
  name: string | null;
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

/** The parts of a mail the pipeline reads; headers are lower-cased names with their raw (unfolded) values. */
export interface InboundMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: Address | null;
  to: Address[];
  cc: Address[];
  /** Every address the mail was delivered to: To, Cc, Delivered-To, X-Original-To, Envelope-To. */
  recipients: string[];
  subject: string;
  date: Date | null;
  text: string;
  html: string | null;
  attachments: InboundAttachment[];
  headers: Map<string, string[]>;
}

const PARSE_TIMEOUT_MS = 60_000;

function addresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: Address[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.group) walk(entry.group);
      else if (entry.address && entry.address.includes('@')) {
        out.push({ address: entry.address.trim().toLowerCase(), name: entry.name?.trim() || null });
      }
    }
  };
  for (const item of list) walk(item.value);
  return out;
}

function rawHeaders(lines: ReadonlyArray<{ key: string; line: string }>): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const name = key.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return headers;
}

/** Attachment names come from strangers: no paths, no control characters, a bounded length. */
export function safeFilename(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '').trim().slice(0, 200);
  return cleaned || fallback;
}

// Content a browser or a desktop would run or render as active content. A declared type comes from the
// sender and proves nothing, so such files are stored as opaque bytes: downloaded, never displayed or run.
const ACTIVE_EXTENSIONS = /\.(exe|com|bat|cmd|scr|pif|msi|msp|dll|cpl|jar|js|jse|mjs|vbs|vbe|wsf|wsh|ps1|psm1|hta|lnk|reg|sh|app|html?|xhtml|svg|xml|swf)$/i;
const ACTIVE_TYPES = /(html|javascript|ecmascript|x-msdownload|x-msdos|x-dosexec|x-executable|x-sh|svg|xml|java-archive|x-ms-shortcut|hta)/i;

export function storedContentType(declared: string | undefined, filename: string): string {
  const type = (declared || 'application/octet-stream').split(';')[0]!.toLowerCase().replace(/[^a-z0-9.+\/-]/g, '');
  return ACTIVE_EXTENSIONS.test(filename) || ACTIVE_TYPES.test(type) || !type.includes('/') ? 'application/octet-stream' : type;
}

function toAttachment(a: ParsedAttachment, index: number): InboundAttachment {
  const filename = safeFilename(a.filename, `attachment-${index + 1}`);
  return {
    filename,
    contentType: storedContentType(a.contentType, filename),
    content: a.content,
    contentId: normaliseMessageId(a.contentId ?? null),
    inline: a.contentDisposition === 'inline' || Boolean(a.related),
  };
}

/**
 * mailparser refuses to decode UTF-7 (it can smuggle "<script>" past HTML filters). Plain text is safe to
 * decode: it is only ever shown escaped. HTML parts stay undecoded.
 */
function decodeUtf7Text(raw: Buffer, text: string): string {
  if (!/[^\x00-\x7f]/.test(text) && /charset\s*=\s*"?utf-7/i.test(raw.subarray(0, 1024 * 1024).toString('latin1'))) {
    return iconv.decode(Buffer.from(text, 'ascii'), 'utf7');
  }
  return text;
}

/** Old Mac mail ends lines with a bare CR; mailparser would read the whole mail as one header line. */
function withLineFeeds(raw: Buffer): Buffer {
  if (!raw.includes(0x0d)) return raw;
  const text = raw.toString('latin1');
  const bareCr = text.match(/\r(?!\n)/g)?.length ?? 0;
  const lf = text.match(/\n/g)?.length ?? 0;
  // Only when bare CRs are the line ends (a stray CR inside a CRLF mail is left alone).
  return bareCr > lf ? Buffer.from(text.replace(/\r(?!\n)/g, '\r\n'), 'latin1') : raw;
}

export async function parseMail(input: Buffer): Promise<InboundMail> {
  const raw = withLineFeeds(input);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VentanillaError(ErrorCode.PARSE_FAILED, 'Parsing the mail took too long')), PARSE_TIMEOUT_MS);
  });
  try {
    const parsed = await Promise.race([simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, keepCidLinks: true }), timeout]);
    const headers = rawHeaders(parsed.headerLines ?? []);
    const to = addresses(parsed.to);
    const cc = addresses(parsed.cc);
    const delivered = ['delivered-to', 'x-original-to', 'envelope-to']
      .flatMap((name) => headers.get(name) ?? [])
      .map((v) => v.replace(/[<>]/g, '').trim().toLowerCase());
    const from = addresses(parsed.from)[0] ?? null;
    return {
      messageId: normaliseMessageId(parsed.messageId),
      inReplyTo: parseIdList(parsed.inReplyTo).at(-1) ?? null,
      references: parseIdList(parsed.references),
      from,
      to,
      cc,
      recipients: [...new Set([...to, ...cc].map((a) => a.address).concat(delivered))],
      subject: (parsed.subject ?? '').replace(/[\r\n]+/g, ' ').trim(),
      date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
      text: decodeUtf7Text(raw, parsed.text ?? ''),
      html: typeof parsed.html === 'string' ? parsed.html : null,
      attachments: parsed.attachments.map(toAttachment),
      headers,
    };
  } catch (error) {
    if (error instanceof VentanillaError) throw error;
    throw new VentanillaError(ErrorCode.PARSE_FAILED, `The mail could not be parsed: ${(error as Error).message}`, {}, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
