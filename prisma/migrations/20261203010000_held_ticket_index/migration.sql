-- The access-request digest runs every minute and looks for the few tickets held for authorisation: by this index,
-- not by reading every ticket (README "Machine-written, looping and hostile mail").

-- CreateIndex
CREATE INDEX "Ticket_heldForAuthorisation_idx" ON "Ticket"("heldForAuthorisation");
