-- REFUSAL_LIMIT counts the refusals queued in the window and looks for the first refused mail it left unanswered
-- there, at each refused mail: by these indexes, not by reading the whole outbox and inbound log (a spam run is
-- thousands of such mails).

-- CreateIndex
CREATE INDEX "OutboxMail_template_createdAt_idx" ON "OutboxMail"("template", "createdAt");

-- CreateIndex
CREATE INDEX "InboundLog_outcome_receivedAt_idx" ON "InboundLog"("outcome", "receivedAt");
