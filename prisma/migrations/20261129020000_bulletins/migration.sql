-- Bulletins (README "Bulletins"): subscribers, bulletins, one delivery row per (bulletin, subscriber),
-- bounce suppression, and what the outbox needs for mail sent to many: a shared body and lease holders.

-- CreateTable
CREATE TABLE "OutboxBody" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Subscriber" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "locale" TEXT,
    "countries" TEXT NOT NULL,
    "topics" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'active',
    "source" TEXT NOT NULL DEFAULT 'cli',
    "confirmedAt" DATETIME,
    "unsubscribedAt" DATETIME,
    "unsubscribeReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Bulletin" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL,
    "countries" TEXT NOT NULL,
    "topics" TEXT NOT NULL DEFAULT '',
    "variants" TEXT NOT NULL,
    "defaultLocale" TEXT NOT NULL DEFAULT 'es',
    "sourceFile" TEXT,
    "sendAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "audience" INTEGER NOT NULL DEFAULT 0,
    "nextSlotAt" DATETIME,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "cancelledAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "BulletinDelivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bulletinId" INTEGER NOT NULL,
    "subscriberId" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "detail" TEXT,
    "outboxMailId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BulletinDelivery_bulletinId_fkey" FOREIGN KEY ("bulletinId") REFERENCES "Bulletin" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BulletinDelivery_subscriberId_fkey" FOREIGN KEY ("subscriberId") REFERENCES "Subscriber" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BulletinDelivery_outboxMailId_fkey" FOREIGN KEY ("outboxMailId") REFERENCES "OutboxMail" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Suppression" (
    "email" TEXT NOT NULL PRIMARY KEY,
    "softBounces" INTEGER NOT NULL DEFAULT 0,
    "lastBounceAt" DATETIME,
    "lastStatus" TEXT,
    "reason" TEXT,
    "detail" TEXT,
    "suppressedAt" DATETIME,
    "suppressedUntil" DATETIME,
    "liftedAt" DATETIME,
    "liftedBy" TEXT
);

-- RedefineTables (SQLite cannot add a foreign key to an existing table: OutboxMail.bodyId)
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_OutboxMail" (
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
    "automatic" BOOLEAN NOT NULL DEFAULT false,
    "primaryTo" TEXT NOT NULL DEFAULT '',
    "bodyId" INTEGER,
    "fill" TEXT NOT NULL DEFAULT '{}',
    "leaseHolder" TEXT,
    CONSTRAINT "OutboxMail_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "OutboxMail_bodyId_fkey" FOREIGN KEY ("bodyId") REFERENCES "OutboxBody" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_OutboxMail" ("id", "idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "headers", "attachments", "status", "attempts", "nextAttemptAt", "leasedUntil", "lastError", "sentAt", "createdAt", "automatic", "primaryTo")
SELECT "id", "idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "headers", "attachments", "status", "attempts", "nextAttemptAt", "leasedUntil", "lastError", "sentAt", "createdAt", "automatic", "primaryTo" FROM "OutboxMail";
DROP TABLE "OutboxMail";
ALTER TABLE "new_OutboxMail" RENAME TO "OutboxMail";
CREATE UNIQUE INDEX "OutboxMail_idempotencyKey_key" ON "OutboxMail"("idempotencyKey");
CREATE UNIQUE INDEX "OutboxMail_messageId_key" ON "OutboxMail"("messageId");
CREATE INDEX "OutboxMail_status_nextAttemptAt_idx" ON "OutboxMail"("status", "nextAttemptAt");
CREATE INDEX "OutboxMail_ticketId_idx" ON "OutboxMail"("ticketId");
CREATE INDEX "OutboxMail_primaryTo_createdAt_idx" ON "OutboxMail"("primaryTo", "createdAt");
CREATE INDEX "OutboxMail_bodyId_idx" ON "OutboxMail"("bodyId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "OutboxBody_key_key" ON "OutboxBody"("key");

-- CreateIndex
CREATE UNIQUE INDEX "Subscriber_email_key" ON "Subscriber"("email");

-- CreateIndex
CREATE INDEX "Subscriber_status_idx" ON "Subscriber"("status");

-- CreateIndex
CREATE INDEX "Bulletin_status_sendAt_idx" ON "Bulletin"("status", "sendAt");

-- CreateIndex
CREATE UNIQUE INDEX "BulletinDelivery_outboxMailId_key" ON "BulletinDelivery"("outboxMailId");

-- CreateIndex
CREATE INDEX "BulletinDelivery_subscriberId_idx" ON "BulletinDelivery"("subscriberId");

-- CreateIndex
CREATE UNIQUE INDEX "BulletinDelivery_bulletinId_subscriberId_key" ON "BulletinDelivery"("bulletinId", "subscriberId");

-- CreateIndex
CREATE INDEX "Suppression_suppressedUntil_idx" ON "Suppression"("suppressedUntil");
