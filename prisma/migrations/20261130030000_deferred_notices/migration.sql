-- Automatic notices owed by tickets recorded during a backlog of inbound mail, rendered into the outbox once the
-- mailbox is caught up (README "Inbound first"). Keys grow with each row: one index page written per commit.

-- CreateTable
CREATE TABLE "DeferredNotice" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ticketId" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "DeferredNotice_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "DeferredNotice_ticketId_idx" ON "DeferredNotice"("ticketId");
