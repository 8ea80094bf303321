-- An agent's answer run again (the command killed after it recorded the answer, before its mail left) is found
-- by what it said: the same ticket, agent and words within a day are the same answer, not a second mail to the
-- customer (README "Command line", src/lifecycle/reply-operation.ts).

-- AlterTable
ALTER TABLE "TicketEvent" ADD COLUMN "operationKey" TEXT;

-- CreateIndex
CREATE INDEX "TicketEvent_operationKey_idx" ON "TicketEvent"("operationKey");
