-- Raw mails that came in held in memory (an IMAP batch or a pushed mail, up to 4 MiB) are kept here, in the
-- transaction that records their outcome, instead of one file each under DATA_DIR/blobs (README "Raw mails").

-- CreateTable
CREATE TABLE "RawMail" (
    "sha256" TEXT NOT NULL PRIMARY KEY,
    "size" INTEGER NOT NULL,
    "content" BLOB NOT NULL,
    "storedAt" DATETIME NOT NULL
);
