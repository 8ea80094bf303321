// Minimal type declarations for planer 1.2.0 (CommonJS, ships no types).
// Only the functions Ventanilla uses are declared.
declare module 'planer' {
  export interface PlanerReturnFlags {
    wereLinesDeleted?: boolean;
    firstLine?: number;
    lastLine?: number;
  }

  export interface Planer {
    /** Talon-style quotation removal. For 'text/html' a DOM Document must be supplied. */
    extractFrom(msgBody: string, contentType?: 'text/plain' | 'text/html', dom?: unknown): string;
    extractFromPlain(msgBody: string): string;
    /**
     * One marker per line: e (empty), m (quoted, starts with '>'), f (forward marker),
     * s (splitter, e.g. "On ... wrote:"), t (text). May be one char longer than `lines`.
     */
    markMessageLines(lines: string[]): string;
    /** Returns the lines of the last message only (quotation removed). */
    processMarkedLines(lines: string[], markers: string, returnFlags?: PlanerReturnFlags): string[];
  }

  const planer: Planer;
  export default planer;
}

declare module 'planer/lib/regexes.js' {
  /** The patterns planer's isSplitter tries on a window of lines, accepting a match at the window's start only. */
  export let SPLITTER_PATTERNS: RegExp[];
}
