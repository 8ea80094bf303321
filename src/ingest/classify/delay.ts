/**
 * Delay warnings: a mail server telling the sender that a message is still queued and will be tried again
 * (at 4 h, 24 h, 48 h... for the same message), as opposed to the final notice that it gave up. A warning
 * is not a bounce: the message is usually delivered later, so it must not count towards a suppression.
 *
 * A DSN says it in its Action field ("delayed", RFC 3464 2.3.3). Notices without one are known by their
 * words, as the agents write them (sisimai's corpus: Exim, Gmail, Zoho, OpenSMTPD; Postfix, Sendmail,
 * Exchange and Outlook.com write the same words beside their DSN). A notice that also says it gave up is final.
 */

/** What only a warning says: the agent is still trying and nothing needs to be resent. */
const STILL_TRYING =
  /this is a warning (?:message )?only|you do not need to re-?send|(?:has|have) not yet been delivered|delivery attempts will continue|will (?:continue|keep) (?:trying|to try)|(?:will be|is being|still being) retried|will retry for|delivery is delayed to|delivery (?:to the following recipients? )?has been delayed|is delayed for more than|only a temporary failure report|delivery will continue to be attempted/i;

/** What only a final notice says: the agent stopped trying. */
const GAVE_UP =
  /\bgave up\b|\bgiving up\b|has been given up|retry (?:timeout|time) (?:exceeded|expired)|failed permanently|permanent (?:error|failure)|will be deleted from (?:the )?queue|could not be delivered for (?:\d+|more than \d+) days?|returning message to sender|returned to sender/i;

/** Whether a notice without a DSN Action field is a delay warning, from its subject and its own text. */
export function isDelayWarning(subject: string, noticeText: string): boolean {
  const text = `${subject}\n${noticeText}`;
  return STILL_TRYING.test(text) && !GAVE_UP.test(text);
}
