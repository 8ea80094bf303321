-- Attachments up to 128 KiB are kept here, in the transaction that records their message, instead of one file
-- each under DATA_DIR/blobs (README "Attachments"). Bigger ones stay blob files, named by the same SHA-256.

-- CreateTable
CREATE TABLE "AttachmentContent" (
    "sha256" TEXT NOT NULL PRIMARY KEY,
    "size" INTEGER NOT NULL,
    "content" BLOB NOT NULL,
    "storedAt" DATETIME NOT NULL
);
