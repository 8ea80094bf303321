/** Line helpers shared by the plain-text pipeline, the planer glue and the extra rules. */

/** planer's per-line markers: 'e' empty, 'm' quoted ('>'), 'f' forward, 's' splitter, 't' text. */
export type Marker = 'e' | 'm' | 'f' | 's' | 't';

export function isBlank(line: string): boolean {
  return /^[\s\u1427\u200B-\u200D\u2060\uFEFF]*$/.test(line);
}
