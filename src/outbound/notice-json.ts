import type { Locale } from './locale.js';
import type { NoticeRequest } from './notices.js';

// A notice request as stored in a DeferredNotice row: JSON, its instants as ISO text.

type Stored = Omit<NoticeRequest, 'body' | 'now' | 'deadline' | 'escalation'> & {
  body?: string | Record<Locale, string>;
  now: string;
  deadline?: string;
  escalation?: Omit<NonNullable<NoticeRequest['escalation']>, 'dueAt'> & { dueAt: string };
};

export function noticeToJson(req: NoticeRequest): string {
  if (typeof req.body === 'function') throw new Error(`notice ${req.idempotencyKey}: words per locale cannot be stored`);
  return JSON.stringify(req);
}

export function noticeFromJson(json: string): NoticeRequest {
  const stored = JSON.parse(json) as Stored;
  const { now, deadline, escalation, ...rest } = stored;
  return {
    ...rest,
    now: new Date(now),
    ...(deadline !== undefined ? { deadline: new Date(deadline) } : {}),
    ...(escalation !== undefined ? { escalation: { ...escalation, dueAt: new Date(escalation.dueAt) } } : {}),
  };
}
