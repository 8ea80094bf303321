// A small RFC 4180 reader that keeps the line each record starts on, so that an import can say
// "line 7: ..." about a bad row. Quoted fields may hold commas, quotes ("") and line breaks.

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
  let rowHasContent = false;
  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (rowHasContent || fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
    fields = [];
    rowHasContent = false;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      rowHasContent = true;
    } else if (c === delimiter) endField();
    else if (c === '\r' && src[i + 1] === '\n') continue;
    else if (c === '\n' || c === '\r') {
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (field !== '' || fields.length > 0 || rowHasContent) endRecord();
  return records;
}
