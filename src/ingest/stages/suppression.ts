import type { BulletinConfig } from '../../config.js';
import { loggedWithOutcome } from '../../store/access-repo.js';
import { subscriberOfBulletinMail } from '../../store/bulletin-repo.js';
import type { Tx } from '../../store/database.js';
import { leaveOutSuppressed } from '../../outbound/suppressed-recipients.js';
import { queuedMailsNaming } from '../../store/outbox-recipients.js';
import { unsubscribe } from '../../store/subscriber-repo.js';
import { setSurveysOptOut } from '../../store/survey-opt-out-repo.js';
import { dropSurveyOfBouncedMail, surveyByMessageIds } from '../../store/survey-repo.js';
import { countSoftBounce, suppressForHardBounce } from '../../store/suppression-repo.js';
import type { BounceRecipient, MailKind } from '../classify/bounce.js';

type Report = Extract<MailKind, { kind: 'bounce' } | { kind: 'complaint' }>;

const DAY_MS = 86_400_000;

/**
 * What a delivery report does to our sending (README "Bounces and suppression"): a hard bounce suppresses
 * the address for bulletins and notifications (SUPPRESSION_DAYS), soft bounces do after SOFT_BOUNCE_LIMIT
 * within SOFT_BOUNCE_WINDOW_DAYS (a delay warning counts for nothing), and a complaint (ARF) unsubscribes from bulletins,
 * or, about a survey mail, opts its contact out of surveys. A report seen before
 * (the same mail fetched twice) counts once. Returns a note for the inbound log, or null.
 */
export async function applyDeliveryReport(tx: Tx, settings: BulletinConfig['suppression'], input: { report: Report; dedupKey: string; now: Date }): Promise<string | null> {
  const { report, now } = input;
  if (await loggedWithOutcome(tx, input.dedupKey, ['bounce', 'complaint'])) return null;
  const notes: string[] = [];
  if (report.kind === 'complaint') {
    const addresses = report.recipients.map((r) => r.address);
    // Complaints often hide the address (redacted ARF): the bulletin's Message-ID still names its reader.
    const byMessage = addresses.length === 0 && report.originalMessageId ? await subscriberOfBulletinMail(tx, report.originalMessageId) : null;
    for (const email of addresses) if (await unsubscribe(tx, { email }, 'complaint', now)) notes.push(`${email} unsubscribed`);
    if (byMessage !== null && (await unsubscribe(tx, { id: byMessage }, 'complaint', now))) notes.push(`subscriber ${byMessage} unsubscribed`);
    const optedOut = await optOutOfSurveysByComplaint(tx, report.originalMessageId, now);
    if (optedOut) notes.push(`${optedOut} opted out of surveys`);
    return notes.length ? notes.join('; ') : null;
  }
  // A survey mail that came back to its contact was not received: not a survey sent in the report, unless answered
  // all the same. Only the contact's address counts: a forward of theirs that failed leaves the survey they got.
  if (report.originalMessageId) await dropSurveyOfBouncedMail(tx, report.originalMessageId, report.recipients.filter((r) => !r.delayed).map((r) => r.address));
  for (const r of report.recipients) {
    // A delay warning is no bounce: the server is still trying, and usually delivers (README "Bounces and suppression").
    if (r.delayed) continue;
    const facts = { email: r.address, status: r.status, detail: bounceDetail(r), now };
    let suppressed: string | null = null;
    if (r.hard) {
      const until = new Date(now.getTime() + settings.hardDays * DAY_MS);
      await suppressForHardBounce(tx, facts, until);
      suppressed = `${r.address} suppressed until ${until.toISOString().slice(0, 10)}`;
    } else if (await countSoftBounce(tx, facts, { limit: settings.softLimit, windowMs: settings.softWindowDays * DAY_MS, until: new Date(now.getTime() + settings.softDays * DAY_MS) })) {
      suppressed = `${r.address} suppressed after ${settings.softLimit} soft bounces`;
    }
    if (suppressed === null) continue;
    const address = r.address.toLowerCase();
    const left = await leaveOutSuppressed(tx, queuedMailsNaming(tx, address), new Set([address]), { now, holder: null });
    // Counted: the mails it was the recipient of (in copy of one, it is only left out of it).
    const asRecipient = left.filter((m) => m.requesters.length > 0);
    const takenBack = asRecipient.filter((m) => m.outcome === 'cancelled').length;
    const toCopies = asRecipient.length - takenBack;
    const counts = [...(takenBack > 0 ? [`queued mails to it taken back: ${takenBack}`] : []), ...(toCopies > 0 ? [`queued mails to it sent to the copies only: ${toCopies}`] : [])];
    notes.push([suppressed, ...counts].join('; '));
  }
  return notes.length ? notes.join('; ') : null;
}

/**
 * "This is spam" pressed on a survey mail (its Message-ID names the survey, whether or not the report hides the
 * address): the strongest "no more of these" a reader gives. Opted out as by the survey's own link (their ticket
 * notices still go); asked again, the next survey went on to someone who had complained, and a provider's complaint
 * rate is what puts a sender in the spam folder. Returns the address opted out now, or null.
 */
async function optOutOfSurveysByComplaint(tx: Tx, originalMessageId: string | null, now: Date): Promise<string | null> {
  if (!originalMessageId) return null;
  const survey = await surveyByMessageIds(tx, [originalMessageId.replace(/^<|>$/g, '')]);
  if (!survey) return null;
  return (await setSurveysOptOut(tx, survey.contactEmail, now)) === 'changed' ? survey.contactEmail : null;
}

/** The codes, then the server's words; a code its words already give is not repeated ("452 4.2.2 Mailbox full"). */
function bounceDetail(r: BounceRecipient): string {
  const words = r.diagnostic ?? '';
  const codes = [r.replyCode, r.status].filter((code): code is string => code !== null && !words.includes(code));
  return [...codes, ...(words ? [words] : [])].join(' ');
}
