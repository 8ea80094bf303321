-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN "productIssueRef" TEXT;
ALTER TABLE "Ticket" ADD COLUMN "statusChangedAt" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "pendingSince" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "reminderSentAt" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "timerDueAt" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "firstRespondedAt" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "firstResponseDueAt" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "resolutionDueAt" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "slaElapsedHours" REAL NOT NULL DEFAULT 0;
ALTER TABLE "Ticket" ADD COLUMN "slaRunningSince" DATETIME;
ALTER TABLE "Ticket" ADD COLUMN "slaWarnedFor" TEXT;
ALTER TABLE "Ticket" ADD COLUMN "escalationLevel" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Ticket" ADD COLUMN "slaNextCheckAt" DATETIME;

-- CreateTable
CREATE TABLE "OutboxMail" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "idempotencyKey" TEXT NOT NULL,
    "ticketId" INTEGER,
    "template" TEXT NOT NULL,
    "fromAddress" TEXT NOT NULL,
    "toList" TEXT NOT NULL,
    "ccList" TEXT NOT NULL DEFAULT '[]',
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "headers" TEXT NOT NULL DEFAULT '{}',
    "attachments" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leasedUntil" DATETIME,
    "lastError" TEXT,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OutboxMail_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "leasedUntil" DATETIME NOT NULL,
    "lastRunAt" DATETIME,
    "lastNow" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMail_idempotencyKey_key" ON "OutboxMail"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMail_messageId_key" ON "OutboxMail"("messageId");

-- CreateIndex
CREATE INDEX "OutboxMail_status_nextAttemptAt_idx" ON "OutboxMail"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMail_ticketId_idx" ON "OutboxMail"("ticketId");

-- CreateIndex
CREATE INDEX "Ticket_timerDueAt_idx" ON "Ticket"("timerDueAt");

-- CreateIndex
CREATE INDEX "Ticket_slaNextCheckAt_idx" ON "Ticket"("slaNextCheckAt");

-- CreateIndex
CREATE INDEX "Ticket_firstResponseDueAt_idx" ON "Ticket"("firstResponseDueAt");

-- CreateIndex
CREATE INDEX "Ticket_resolutionDueAt_idx" ON "Ticket"("resolutionDueAt");

-- CreateIndex
CREATE INDEX "Ticket_status_productIssueRef_idx" ON "Ticket"("status", "productIssueRef");
