-- CreateTable
CREATE TABLE "SurveyRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "surveyKey" TEXT NOT NULL,
    "contactId" INTEGER NOT NULL,
    "ticketId" INTEGER,
    "organisationId" INTEGER,
    "country" TEXT,
    "agent" TEXT,
    "scale" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "sentAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "rating" TEXT,
    "score" INTEGER,
    "comment" TEXT,
    "answeredAt" DATETIME,
    CONSTRAINT "SurveyRequest_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SurveyRequest_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "SurveyRequest_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SurveyAnswer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "requestId" INTEGER NOT NULL,
    "rating" TEXT,
    "score" INTEGER,
    "comment" TEXT,
    "channel" TEXT NOT NULL,
    "dedupKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SurveyAnswer_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "SurveyRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "SurveyRequest_surveyKey_key" ON "SurveyRequest"("surveyKey");

-- CreateIndex
CREATE UNIQUE INDEX "SurveyRequest_messageId_key" ON "SurveyRequest"("messageId");

-- CreateIndex
CREATE INDEX "SurveyRequest_kind_sentAt_idx" ON "SurveyRequest"("kind", "sentAt");

-- CreateIndex
CREATE INDEX "SurveyRequest_contactId_kind_sentAt_idx" ON "SurveyRequest"("contactId", "kind", "sentAt");

-- CreateIndex
CREATE INDEX "SurveyRequest_ticketId_idx" ON "SurveyRequest"("ticketId");

-- CreateIndex
CREATE INDEX "SurveyRequest_organisationId_idx" ON "SurveyRequest"("organisationId");

-- CreateIndex
CREATE UNIQUE INDEX "SurveyAnswer_dedupKey_key" ON "SurveyAnswer"("dedupKey");

-- CreateIndex
CREATE INDEX "SurveyAnswer_requestId_idx" ON "SurveyAnswer"("requestId");
