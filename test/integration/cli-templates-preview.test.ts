import { describe, expect, it } from 'vitest';
import { calendarFromEnv } from '../../src/domain/business-clock.js';
import { formatInstant } from '../../src/outbound/notice-context.js';
import { cliBuilt, runCli } from '../support/cli.js';

// `templates preview` is how an operator checks a template before customers get it: its sample dates and
// hours must be written as the real notices write theirs, or the preview shows a mail nobody receives.

const LOCALES = ['es', 'pt', 'en'] as const;

describe.skipIf(!cliBuilt)('templates preview, beside the mail a customer gets', () => {
  it.each(LOCALES)('%s: the footer hours and the dates are those of a real notice (and real weekdays)', async (locale) => {
    const pending = await runCli(['templates', 'preview', 'pending', '--locale', locale]);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toContain(calendarFromEnv({}).describeHours(locale));
    // Wednesday 9 December 2026, 20:00 in Mexico City: a real notice's deadline at the close of a business day.
    expect(pending.stdout).toContain(formatInstant(new Date('2026-12-10T02:00:00Z'), locale, 'America/Mexico_City'));
    const acknowledgement = await runCli(['templates', 'preview', 'acknowledgement', '--locale', locale]);
    expect(acknowledgement.stdout).toContain(formatInstant(new Date('2026-12-02T22:00:00Z'), locale, 'America/Mexico_City'));
  });
});
