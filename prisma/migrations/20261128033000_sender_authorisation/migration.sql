-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "authorised" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Contact" ADD COLUMN "authorisedAt" DATETIME;
ALTER TABLE "Contact" ADD COLUMN "authorisedBy" TEXT;

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN "heldForAuthorisation" BOOLEAN NOT NULL DEFAULT false;
