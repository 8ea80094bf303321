import type { Logger } from 'pino';
import type { App } from '../app.js';
import type { BulletinConfig } from '../config.js';
import type { Db } from '../store/database.js';
import { linkSettings, type LinkSettings } from './links.js';
import { BulletinRenderer } from './render.js';

/** What the bulletin features need from the app: built once per app (the renderer caches its templates). */
export interface BulletinDeps {
  db: Db;
  config: BulletinConfig;
  links: LinkSettings;
  /** BUSINESS_TIMEZONE: a send_at without an offset is a time there. */
  timeZone: string;
  renderer: BulletinRenderer;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}


const cache = new WeakMap<App, BulletinDeps>();

export function bulletinDeps(app: App): BulletinDeps {
  let deps = cache.get(app);
  if (!deps) {
    deps = {
      db: app.db,
      config: app.config.bulletins,
      links: linkSettings(app.config.secretKey, app.config.env),
      timeZone: app.lifecycle.policies.calendar.config.timeZone,
      renderer: new BulletinRenderer(),
      log: app.log,
    };
    cache.set(app, deps);
  }
  return deps;
}
