-- Whether a try of an outbox mail may have left it with a reader: the server took it (for some recipients at
-- least), or the connection broke once its end was on its way and the answer was lost. A try the server refused
-- (4xx/5xx to MAIL FROM, every RCPT TO, DATA or the end of the mail), or one that found no server, did not: a
-- timer's closing mail refused so is cancelled without the "the close was a mistake" notice, and a CSAT survey
-- refused so is withdrawn when its ticket reopens (README "Lifecycle, notices and the scheduler", Outbox; src/outbound/smtp-errors.ts).

-- AlterTable
ALTER TABLE "OutboxMail" ADD COLUMN "mayHaveReached" BOOLEAN NOT NULL DEFAULT false;

-- Mails tried before this column: what their tries did is unknown, so they may have reached their readers.
UPDATE "OutboxMail" SET "mayHaveReached" = true WHERE "attempts" > 0;
