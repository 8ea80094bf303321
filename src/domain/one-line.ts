/** One header line: every run of whitespace or control characters (CR, LF, NEL, U+2028...) becomes a space. */
export function oneLine(value: string): string {
  return value.replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}
