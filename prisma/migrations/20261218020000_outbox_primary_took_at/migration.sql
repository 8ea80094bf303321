-- When the address a mail asks (primaryTo, its first To) took it at SMTP (its RCPT TO accepted, the end of the mail
-- taken) at a try that others refused: kept on the row whatever becomes of it. A mail that reached him and failed
-- only for a Cc (greylisted, then given up) is marked failed without a sentAt; the survey gate (src/store/survey-repo.ts)
-- reads this time as a delivery to him, so a refusal before it no longer keeps his surveys blocked for good.
-- Null: not known to have reached him at such a try (a mail sent to everyone at once has its sentAt).

-- AlterTable
ALTER TABLE "OutboxMail" ADD COLUMN "primaryTookAt" DATETIME;

-- Mails from before this column that still go, or went, to others only (OutboxHeaders.envelopeTo without him) and
-- never refused him for good (OutboxHeaders.refusedForGood): he took them at some try, as the survey gate already
-- judged them; sent ones too, whose sentAt is when the last of the others took a retry, not when he took it. When he
-- did is unknown: their queueing is the earliest it can be, so a refusal recorded after it is not lifted by a guess.
-- Their queueing as the ticket's message for the mail keeps it (Message "out:<Message-ID>", written with the row): the
-- row's createdAt is no such time once `outbox retry` queued it anew (createdAt too), days after he took it, and would
-- lift a refusal of his between the two. A mail with no such message stays unknown (null). Every status (a bulletin's
-- million sent rows, which never name envelopeTo, are passed over by instr before any JSON is read).
-- Not a mail his suppression left him out of while it was still owed to him (src/outbound/suppressed-recipients.ts
-- drops him from envelopeTo too, so the envelope alone reads as his having taken it): settled sent for the others,
-- its lastError says so ("not sent to luis@…: … (ventanilla suppressions lift luis@…)"); still owed to others, its
-- ticket has the event notice_suppressed naming him for the mail's template, written when he was left out (after
-- its queueing). Another mail of the same template on that ticket left out later is read the same way: unknown,
-- which lifts nothing, rather than a time he may never have taken it.
UPDATE "OutboxMail" SET "primaryTookAt" = (
    SELECT min(m."createdAt", "OutboxMail"."createdAt") FROM "Message" m WHERE m."dedupKey" = 'out:' || "OutboxMail"."messageId")
WHERE "primaryTo" <> '' AND instr("headers", '"envelopeTo"') > 0
  AND json_valid("headers") AND json_type("headers", '$.envelopeTo') IS 'array'
  AND instr(lower(json_extract("headers", '$.envelopeTo')), '"' || "primaryTo" || '"') = 0
  AND instr('; ' || lower(coalesce(json_extract("headers", '$.refusedForGood'), '')), '; ' || "primaryTo" || ':') = 0
  AND instr(lower(coalesce("lastError", '')), 'ventanilla suppressions lift ' || "primaryTo" || ')') = 0
  AND instr(lower(coalesce("lastError", '')), 'ventanilla suppressions lift ' || "primaryTo" || ',') = 0
  AND NOT EXISTS (SELECT 1 FROM "TicketEvent" e JOIN "Message" m ON m."dedupKey" = 'out:' || "OutboxMail"."messageId"
    WHERE e."type" = 'notice_suppressed' AND e."ticketId" = "OutboxMail"."ticketId" AND e."createdAt" >= min(m."createdAt", "OutboxMail"."createdAt")
      AND instr(lower(e."detail"), lower("OutboxMail"."template") || ' to ' || "primaryTo" || ':') = 1);
