import type { Db } from '../store/database.js';
import { hrefValue } from './href.js';

// Mail sent to many (a bulletin) stores its text and HTML once per language (OutboxBody); each outbox row
// carries only what differs per recipient (`fill`: the unsubscribe link, the address), and the drainer
// puts those values into the body's placeholders just before sending. 100,000 copies of a 10 kB bulletin
// would otherwise be a gigabyte of outbox.

/** The placeholder a shared body carries for a recipient's value: never produced by Markdown or Handlebars. */
export const placeholder = (name: string): string => `%%vt.${name}%%`;

const PLACEHOLDER = /%%vt\.([a-z_]+)%%/g;

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"'`=]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);

/**
 * Each placeholder replaced by `valueOf(name)`, in one pass (a value put in is not scanned again); one without a
 * value is left as it is (a visible bug, not a blank). Also used by render-memo.ts.
 */
export function fillPlaceholders(body: string, valueOf: (name: string) => string | undefined): string {
  return body.replace(PLACEHOLDER, (whole, name: string) => valueOf(name) ?? whole);
}

/** The body with this recipient's values. */
export function fillBody(body: string, fill: Record<string, string>, html: boolean): string {
  return fillPlaceholders(body, (name) => {
    const value = fill[name];
    // A link (unsubscribe_url) goes into an href attribute: escaped as one, its "=" kept (href.ts).
    return value === undefined || !html ? value : name.endsWith('_url') ? hrefValue(value) : escapeHtml(value);
  });
}

/** Bodies by id, read once per drainer (a bulletin has one per language). */
export class SharedBodies {
  private readonly cache = new Map<number, { text: string; html: string }>();

  constructor(private readonly db: Db, private readonly max = 256) {}

  async load(ids: Array<number | null>): Promise<void> {
    const missing = [...new Set(ids.filter((id): id is number => id !== null && !this.cache.has(id)))];
    if (missing.length === 0) return;
    const rows = await this.db.outboxBody.findMany({ where: { id: { in: missing } }, select: { id: true, text: true, html: true } });
    for (const row of rows) {
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as number);
      this.cache.set(row.id, { text: row.text, html: row.html });
    }
  }

  get(id: number): { text: string; html: string } {
    const body = this.cache.get(id);
    if (!body) throw new Error(`outbox body ${id} was not loaded`);
    return body;
  }
}
