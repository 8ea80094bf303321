import type { Tx } from '../../store/database.js';
import { accessContact, ADMIN_ROLE } from '../../store/access-repo.js';
import { severalFromsReason } from '../from-fields.js';
import type { PeekedHeaders } from '../peek-headers.js';
import type { AccessSettings } from './access.js';
import { assessSender } from './authenticity.js';
import { believedIfSeen } from './unseen-from.js';
import { asksNoAutoReply, classifyAutomatic } from './automatic.js';

// A mail too large to parse (too-large.ts) opens its ticket from its header block alone. It is screened as any new
// mail is (access.ts, automatic.ts), from the same header fields: before, anyone opened a ticket under
// UNKNOWN_SENDER_POLICY=reject or hold by sending a mail above MAX_MESSAGE_BYTES (its SLA running), and its notice
// went to whatever From it carried, forged, marked spam or a robot's. Its body is not read, so there are no
// administrator's commands to run and no out-of-office words to weigh, and its administrators are not asked.

export interface TooLargeScreen {
  /**
   * Its ticket is held for authorisation (no SLA clock, no mail; released when the sender is authorised, never when
   * its From is not believed: 'forged'). Held rather than refused under reject too: the mail is read later on that
   * ticket once the limit is raised (too-large-read.ts); a refused one had no ticket to go to.
   */
  hold: false | true | 'forged';
  /** Why its sender is not sent the too_large notice; null: it is sent. */
  silent: string | null;
  /** Held: why it gets no notice once its sender is authorised (spam, a machine's); null: the too_large notice. */
  silentAtRelease?: string | null;
  /** Machine-written (classifyAutomatic): the evidence; its ticket gets no survey. */
  machineWritten?: string | null;
  /** Its From address is believed (authenticity.ts): it may then be one of a ticket's people (too-large-thread.ts). */
  believed?: boolean;
}

/** The header fields a too-large mail is screened by, its body unread. */
const screenedFields = (peek: PeekedHeaders & { from: string }) => ({
  headers: peek.headers ?? new Map<string, string[]>(),
  from: { address: peek.from, name: peek.fromName },
  subject: peek.subject ?? '',
  text: '',
});

/** Machine-written (an out-of-office, a bounce, a list's copy): the evidence, or null for a person's mail. */
export const machineWrittenReason = (peek: PeekedHeaders & { from: string }): string | null => classifyAutomatic(screenedFields(peek))?.reason ?? null;

/** `continues`: it names an existing ticket (too-large-continues.ts), so who may open tickets is not asked, unless its From is forged (held as any forged mail is). */
export async function screenTooLarge(tx: Tx, access: AccessSettings, peek: PeekedHeaders & { from: string }, continues = false): Promise<TooLargeScreen> {
  const headers = peek.headers ?? new Map<string, string[]>();
  const fromCount = peek.fromCount ?? 1;
  const authenticity =
    fromCount === 1 ? believedIfSeen(peek, assessSender(headers.get('authentication-results') ?? [], peek.from, access.trustedAuthservIds), peek.from, access.trustedAuthservIds) : { trusted: false, reason: severalFromsReason(fromCount) };
  const fields = screenedFields(peek);
  const automatic = classifyAutomatic(fields);
  const forged = authenticity.trusted ? null : `the From address failed authentication (${authenticity.reason})`;
  const silent = forged ?? (automatic ? `machine-written (${automatic.reason})` : asksNoAutoReply(fields));
  const machineWritten = automatic?.reason ?? null;
  const believed = authenticity.trusted;
  if (access.unknownSenderPolicy === 'accept' || (continues && !forged)) return { hold: false, silent, machineWritten, believed };
  const contact = await accessContact(tx, peek.from);
  const authorised = authenticity.trusted && contact !== null && (contact.authorised || contact.role === ADMIN_ROLE);
  if (authorised) return { hold: false, silent, machineWritten, believed };
  // A From not believed is no sender's to authorise: "not authorised" sent the desk to authorise an authorised customer.
  const why = forged ? `From not believed (${access.unknownSenderPolicy}): ${forged}` : `sender not authorised (${access.unknownSenderPolicy})`;
  return { hold: forged ? 'forged' : true, machineWritten, silentAtRelease: silent, silent: `${why}: held for authorisation, no answer` };
}
