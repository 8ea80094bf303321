-- AlterTable
ALTER TABLE "OutboxMail" ADD COLUMN "automatic" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "OutboxMail" ADD COLUMN "primaryTo" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "OutboxMail_primaryTo_createdAt_idx" ON "OutboxMail"("primaryTo", "createdAt");
