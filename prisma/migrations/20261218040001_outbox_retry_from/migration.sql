-- When a mail's retries (OUTBOX_RETRY_HOURS) start, on the wall clock its tries run on, for a mail queued by
-- `scheduler run-once --now <instant>`: its createdAt is that instant (which the per-address cap, the reports and the
-- survey gate compare with the run's clock), days before its first try when the instant is in the past, and a 451 to
-- that first try failed it at once. Null for every other mail (queued on the wall clock, or on a test's own clock):
-- its retries count from createdAt, as before. Existing rows stay null: the wall clock they were queued at is not known.

-- AlterTable
ALTER TABLE "OutboxMail" ADD COLUMN "retryFrom" DATETIME;
