// A small RFC 4180 reader that keeps the line each record starts on, so that an import can say
// "line 7: ..." about a bad row. Quoted fields may hold commas, quotes ("") and line breaks.

/** A CSV file's bytes as text: Excel on Windows saves "CSV" in Windows-1252, not UTF-8. */
export { decodeTextFile as decodeCsvBytes } from '../text-file.js';

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** The delimiter is "," unless the first line has ";" and no "," (spreadsheets in Spanish and Portuguese). */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.slice(0, src.search(/\r|\n|$/));
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    // A row of empty fields (";;" where a spreadsheet had a blank row) is no row, like an empty line.
    if (fields.some((f) => f.trim() !== '')) records.push({ line: start, fields });
    fields = [];
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        // A line break in a quoted field: "\n", "\r\n" (counted at its "\n") or an old Mac's "\r" alone.
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    // `a@x.mx, Ana, "MX AR"`: the space after the delimiter is not part of a quoted field.
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === delimiter) endField();
    else if (c === '\r' && src[i + 1] === '\n') continue;
    else if (c === '\n' || c === '\r') {
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
