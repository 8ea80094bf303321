-- Escalation mails the lead's AUTO_MAIL_LIMIT held back during a burst of SLA breaches, listed in one digest
-- mail once the lead's window has room again (README "Machine-written, looping and hostile mail").

-- CreateTable
CREATE TABLE "HeldEscalation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "recipients" TEXT NOT NULL,
    "ticketId" INTEGER NOT NULL,
    "level" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,
    "heldAt" DATETIME NOT NULL,
    CONSTRAINT "HeldEscalation_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "HeldEscalation_ticketId_idx" ON "HeldEscalation"("ticketId");
