-- When every reader of a bulletin is queued, the bulletin-send job (every 10 s) and the check after each outbox drain
-- ask whether any of its mails still waits. By the index on status, that read every waiting mail of the outbox (a
-- backlog of ticket mail after an outage: 200,000) and looked up each one's delivery; by the delivery, every delivery
-- of the bulletin (100,000). A bulletin's mails share its bodies (one a language): by (bodyId, status), only its
-- waiting mails are read. It serves every search by bodyId alone too, so the index on bodyId goes.

-- DropIndex
DROP INDEX "OutboxMail_bodyId_idx";

-- CreateIndex
CREATE INDEX "OutboxMail_bodyId_status_idx" ON "OutboxMail"("bodyId", "status");
