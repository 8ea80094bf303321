-- An agent's command run again (killed after it recorded the answer or status, before its mail left) is found by
-- what it asked: the same ticket, agent and words (or status) within a day are the same command, not a second
-- mail to the customer (README "Command line", src/lifecycle/agent-operation.ts).

-- AlterTable
ALTER TABLE "TicketEvent" ADD COLUMN "operationKey" TEXT;

-- CreateIndex
CREATE INDEX "TicketEvent_operationKey_idx" ON "TicketEvent"("operationKey");
