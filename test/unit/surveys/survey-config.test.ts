import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';

const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false });

describe('survey settings', () => {
  it('default: CSAT good/bad, links for 30 days, NPS yearly, 50 a day', () => {
    expect(load({}).surveys).toEqual({ csatEnabled: true, csatScale: 'good_bad', linkDays: 30, npsEnabled: true, npsDailyLimit: 50, npsIntervalMonths: 12 });
  });
  it('are read from the environment', () => {
    const surveys = load({ CSAT_ENABLED: 'false', CSAT_SCALE: '1-5', SURVEY_LINK_DAYS: '7', NPS_ENABLED: 'no', NPS_DAILY_LIMIT: '5', NPS_INTERVAL_MONTHS: '6' }).surveys;
    expect(surveys).toEqual({ csatEnabled: false, csatScale: '1-5', linkDays: 7, npsEnabled: false, npsDailyLimit: 5, npsIntervalMonths: 6 });
  });
  it('a bad value is reported by name with what is expected', () => {
    expect(() => load({ CSAT_SCALE: '1-10', NPS_DAILY_LIMIT: '0' })).toThrow(/CSAT_SCALE: expected good_bad or 1-5 \(got "1-10"\)[\s\S]*NPS_DAILY_LIMIT: expected a number above 0/);
  });
});
