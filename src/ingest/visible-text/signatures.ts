/** Signatures and mobile footers, applied after planer has cut the quotation. */
import { isBlank } from './lines.js';

const SIG_DELIMITER_RE = /^--\s*$/;

/** Cut at the first "-- " signature delimiter (also "--" whose trailing space was eaten). */
export function cutSignatureBlock(lines: string[]): string[] {
  const idx = lines.findIndex((l) => SIG_DELIMITER_RE.test(l));
  return idx >= 0 ? lines.slice(0, idx) : lines;
}

const MOBILE_FOOTER_RE = new RegExp(
  '^\\s*[(<\\[]*\\s*(?:' +
    [
      'sent (?:from|with|via|using) ',
      'get outlook for ',
      'enviado (?:desde|con|do|de|a partir d[eo]|via|pelo|por) ',
      'enviada (?:desde|do|de|a partir d[eo]) ',
      'obt(?:ener|er|enha|é|e)m? (?:o )?outlook (?:para|for) ',
      'descarga(?:r)? outlook para ',
      'envoy(?:é|e) (?:de|depuis|à partir de|a partir de|avec) ',
      't(?:é|e)l(?:é|e)charger outlook pour ',
      'von meinem .{1,60} gesendet',
      'gesendet (?:von|mit) ',
      'diese nachricht wurde von meinem .{1,80}gesendet',
      'inviato da ',
      'verzonden (?:met|vanaf) ',
      'verstuurd (?:met|vanaf) ',
      'sendt fra ',
      'skickat fr(?:å|a)n ',
      'wys(?:ł|l)ane z ',
      'отправлено с ',
      '发自我的',
      '從我的 ?iphone',
      '从我的 ?iphone',
    ].join('|') +
    ')',
  'i',
);

function isMobileFooter(line: string): boolean {
  return line.length <= 120 && MOBILE_FOOTER_RE.test(line);
}

/**
 * Cut at a mobile footer line ("Sent from my iPhone", "Enviado desde mi iPhone"...),
 * and everything after it (clients append it right before the quoted history).
 * Guards against cutting prose that happens to start the same way: the footer stands
 * on its own (blank line or text boundary before or after), and what follows it is
 * only blank lines, other footers, or a few short lines (a name, an unquoted leftover).
 */
export function cutMobileFooter(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (!isMobileFooter(l)) continue;
    const prevBlank = i === 0 || isBlank(lines[i - 1] ?? '');
    const nextBlank = i === lines.length - 1 || isBlank(lines[i + 1] ?? '') || isMobileFooter(lines[i + 1] ?? '');
    if (!prevBlank && !nextBlank) continue;
    const after = lines.slice(i + 1).filter((x) => !isBlank(x) && !isMobileFooter(x));
    if (after.length <= 4 && after.every((x) => x.length <= 80)) return lines.slice(0, i);
  }
  return lines;
}

const TRAILING_DELIMITER_RE = /^\s*(?:[-_=*~#+—–•·]\s*){2,}$/;

/** Drop trailing blank lines and bare delimiter lines ("-----", "_____", "ᐧ"). */
export function trimTrailingNoise(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0) {
    const l = lines[end - 1] ?? '';
    if (isBlank(l) || TRAILING_DELIMITER_RE.test(l)) end--;
    else break;
  }
  return end === lines.length ? lines : lines.slice(0, end);
}
