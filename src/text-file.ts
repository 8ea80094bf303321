import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/**
 * A text file's bytes as text, whatever wrote it. Windows tools (Excel's "CSV", Notepad, an answer pasted from
 * Outlook) save Windows-1252, not UTF-8: read as UTF-8, its "México" would be "M\uFFFDxico" and "José"
 * corrupted without a word. Bytes that are not valid UTF-8 are such a file; "Unicode text" (UTF-16 with its
 * BOM) is read as what it is.
 */
export function decodeTextFile(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes, 'utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes, 'utf-16be');
  return isUtf8(bytes) ? bytes.toString('utf8') : iconv.decode(bytes, 'windows-1252');
}
