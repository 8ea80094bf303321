-- The content fingerprint (src/ingest/stages/reused-message-id.ts contentFingerprint) of a mail whose only trace is its
-- inbound log row: refused (UNKNOWN_SENDER_POLICY), an administrator's command, a delivery report on no ticket. Another
-- mail under its Message-ID is told from a copy of it by this, as from a ticket's message by its stored content.
-- Rows logged before this column have none: a mail under their key is still a duplicate, as it was.

-- AlterTable
ALTER TABLE "InboundLog" ADD COLUMN "contentFingerprint" TEXT;
