-- When a quarantined mail reached the mailbox (IMAP INTERNALDATE, a Maildir's delivery time), if before the gateway
-- read it: `ventanilla replay`, days later, judges the customer's windows and starts the SLA from it, as the mail
-- would have been had it not been quarantined. Entries from before this column: null (a replay counts from createdAt,
-- when the gateway read the mail: it had reached the mailbox by then).

-- AlterTable
ALTER TABLE "QuarantinedMail" ADD COLUMN "arrivedAt" DATETIME;
