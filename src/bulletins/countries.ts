import { normaliseCountry, type Locale } from '../outbound/locale.js';

// The 13 countries served (DOMAIN.md) as bulletins name them: ISO codes in the data, names in mail.

export const SERVED_COUNTRIES = ['AR', 'BO', 'CL', 'CO', 'CR', 'EC', 'MX', 'PY', 'PE', 'DO', 'UY', 'US', 'PT'] as const;

const NAMES: Record<string, Record<Locale, string>> = {
  AR: { es: 'Argentina', pt: 'Argentina', en: 'Argentina' },
  BO: { es: 'Bolivia', pt: 'Bolívia', en: 'Bolivia' },
  CL: { es: 'Chile', pt: 'Chile', en: 'Chile' },
  CO: { es: 'Colombia', pt: 'Colômbia', en: 'Colombia' },
  CR: { es: 'Costa Rica', pt: 'Costa Rica', en: 'Costa Rica' },
  EC: { es: 'Ecuador', pt: 'Equador', en: 'Ecuador' },
  MX: { es: 'México', pt: 'México', en: 'Mexico' },
  PY: { es: 'Paraguay', pt: 'Paraguai', en: 'Paraguay' },
  PE: { es: 'Perú', pt: 'Peru', en: 'Peru' },
  DO: { es: 'República Dominicana', pt: 'República Dominicana', en: 'Dominican Republic' },
  UY: { es: 'Uruguay', pt: 'Uruguai', en: 'Uruguay' },
  US: { es: 'Estados Unidos', pt: 'Estados Unidos', en: 'United States' },
  PT: { es: 'Portugal', pt: 'Portugal', en: 'Portugal' },
};

/** "MX AR", ["México", "arg"], "MX;AR|CL" -> codes (sorted, unique) and what was not understood. */
export function parseCountries(input: string | readonly string[]): { codes: string[]; unknown: string[] } {
  const words = (Array.isArray(input) ? input : String(input).split(/[\s,;|/]+/)).map((w) => w.trim()).filter(Boolean);
  const codes = new Set<string>();
  const unknown: string[] = [];
  // Names of two words ("Costa Rica", "Estados Unidos") arrive split when the input is one string.
  for (let i = 0; i < words.length; i++) {
    const pair = i + 1 < words.length ? normaliseCountry(`${words[i]} ${words[i + 1]}`) : null;
    if (pair && isServed(pair)) {
      codes.add(pair);
      i++;
      continue;
    }
    const code = normaliseCountry(words[i]);
    if (code && isServed(code)) codes.add(code);
    else unknown.push(words[i] as string);
  }
  return { codes: [...codes].sort(), unknown };
}

export function isServed(code: string): boolean {
  return (SERVED_COUNTRIES as readonly string[]).includes(code);
}

/** ["AR", "MX"] -> ",AR,MX," (how lists are stored: LIKE '%,MX,%' finds one). */
export function encodeList(values: readonly string[]): string {
  const unique = [...new Set(values.map((v) => v.trim()).filter(Boolean))].sort();
  return unique.length ? `,${unique.join(',')},` : '';
}

export function decodeList(stored: string): string[] {
  return stored.split(',').filter(Boolean);
}

const collators = new Map<Locale, Intl.Collator>();

/** "Argentina, México" in the reader's language and alphabetical order (codes sort Perú after Portugal). */
export function countryNames(codes: readonly string[], locale: Locale): string {
  let collator = collators.get(locale);
  if (!collator) collators.set(locale, (collator = new Intl.Collator(locale)));
  return codes.map((c) => NAMES[c]?.[locale] ?? c).sort(collator.compare).join(', ');
}
