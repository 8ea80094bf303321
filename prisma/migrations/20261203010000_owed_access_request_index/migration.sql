-- The access-request digest runs every minute and looks for the tickets owed a request by their events: by this
-- index, not by reading every ticket (README "Machine-written, looping and hostile mail").

-- CreateIndex
CREATE INDEX "TicketEvent_type_ticketId_idx" ON "TicketEvent"("type", "ticketId");
