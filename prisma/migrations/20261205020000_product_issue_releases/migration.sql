-- A product issue's release is recorded, with the tickets on hold for it, before any of them is solved; each
-- ticket is then solved in its own transaction, which marks its row done. A release killed mid-way is finished by
-- the scheduler's next tick or by the same command run again, each ticket once (README "Lifecycle, notices and
-- the scheduler", src/lifecycle/product-issue-release.ts).

-- CreateTable
CREATE TABLE "ProductIssueRelease" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "issueRef" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "releasedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ProductIssueReleaseTicket" (
    "releaseId" INTEGER NOT NULL,
    "ticketId" INTEGER NOT NULL,
    "outcome" TEXT,
    "doneAt" DATETIME,

    PRIMARY KEY ("releaseId", "ticketId"),
    CONSTRAINT "ProductIssueReleaseTicket_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "ProductIssueRelease" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ProductIssueReleaseTicket_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ProductIssueRelease_finishedAt_idx" ON "ProductIssueRelease"("finishedAt");

-- CreateIndex
CREATE INDEX "ProductIssueReleaseTicket_ticketId_idx" ON "ProductIssueReleaseTicket"("ticketId");
