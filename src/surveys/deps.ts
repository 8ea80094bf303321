import type { App } from '../app.js';
import type { SurveyConfig } from '../config.js';
import { publicUrl } from '../http/public-url.js';
import type { NoticeDeps } from '../outbound/notices.js';

/** What the survey features need: the mail machinery of notices, the settings, and the base of the links. */
export interface SurveyDeps {
  notices: NoticeDeps;
  settings: SurveyConfig;
  /** PUBLIC_URL without a trailing slash. */
  baseUrl: string;
}

export function surveyDeps(app: App): SurveyDeps {
  return { notices: app.lifecycle.notices, settings: app.config.surveys, baseUrl: publicUrl(app) };
}
