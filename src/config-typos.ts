import { ErrorCode, VentanillaError } from './errors.js';

// How the configuration's problems reach the operator (config.ts checks the values): variables that look like
// settings but are none, the error of a refused configuration, and a refused value as that error repeats it.

/**
 * Variables that look like Ventanilla's but are none of its settings: a misspelt IMAP_PASWORD was silently
 * ignored, and the gateway ran on the default it was meant to replace. Each becomes one warning naming the
 * setting meant. Only names close to ours or with one of our prefixes count: the environment also holds PATH,
 * HTTP_PROXY and every other program's variables.
 */
const OUR_PREFIXES = ['IMAP_', 'SMTP_', 'BULLETIN_', 'CSAT_', 'NPS_', 'SLA_', 'SURVEY_', 'BUSINESS_', 'SOFT_BOUNCE_', 'OUTBOX_', 'PENDING_', 'SOLVED_', 'VENTANILLA_'];

export function unknownSettingWarnings(env: Record<string, unknown>, known: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name)) continue;
    // Variables are read by their exact name: a `smtp_host=` in .env went unread without a word.
    if (known.has(name.toUpperCase())) {
      warnings.push(`${name} is no Ventanilla setting and is ignored: did you mean ${name.toUpperCase()}? (names are in capitals)`);
      continue;
    }
    const meant = closestSetting(name, known);
    if (meant) warnings.push(`${name} is no Ventanilla setting and is ignored: did you mean ${meant}?`);
    else if (OUR_PREFIXES.some((prefix) => name.startsWith(prefix))) warnings.push(`${name} is no Ventanilla setting and is ignored (see the README, Configuration)`);
  }
  return warnings;
}

/** Two edits or fewer away (a letter missing, doubled, swapped), or a shortened name (SMTP_PASS). */
function closestSetting(name: string, known: ReadonlySet<string>): string | undefined {
  let best: { setting: string; distance: number } | undefined;
  for (const setting of known) {
    const distance = editDistance(name, setting);
    if (distance <= 2 && (!best || distance < best.distance)) best = { setting, distance };
  }
  if (best) return best.setting;
  if (!name.includes('_') || name.length < 6) return undefined;
  return [...known].find((setting) => setting.startsWith(name) || name.startsWith(setting));
}

/**
 * Levenshtein distance, but only up to 3: once a whole row is past 2 the names cannot come closer. Every command
 * checks every variable of its environment against every setting (an MTA's `ingest -` once per mail), and most
 * pairs differ within their first letters.
 */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (Math.min(...current) > 2) return 3;
    previous = current;
  }
  return Math.min(previous[b.length]!, 3);
}

/**
 * The error of a refused configuration: each problem on its line, then the variables that look like settings but
 * are none. Those are logged once the configuration is accepted, so a refused one never showed them: the operator
 * read "IMAP_PASSWORD: required when IMAP_HOST is set" about the very password they had set as IMAP_PASWORD.
 */
export function invalidConfiguration(problems: string[], warnings: string[]): VentanillaError {
  const ignored = warnings.length ? `\nAlso (see the README, Configuration):\n${warnings.map((w) => `  ${w}`).join('\n')}` : '';
  return new VentanillaError(ErrorCode.CONFIG_INVALID, `Invalid configuration:\n${problems.join('\n')}${ignored}`);
}

/** Settings whose value is a credential: a refused one is named, never echoed (the error lands in terminals, CI logs, journald). */
const SECRET_SETTINGS = new Set(['SECRET_KEY', 'IMAP_PASSWORD', 'SMTP_PASSWORD', 'IMAP_OAUTH2_CLIENT_SECRET', 'IMAP_OAUTH2_REFRESH_TOKEN']);

/** A refused value as the error repeats it: secrets hidden, and the password of a URL (postgres://user:pw@host) masked. */
export function shownValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (SECRET_SETTINGS.has(name)) return `a value of ${value.length} characters, not repeated here`;
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, '$1:***@'));
}
