-- The access requests owed to organisations' administrators (UNKNOWN_SENDER_POLICY=hold), one row per held ticket
-- whose sender they are still to be asked about. The access-request digest read them every minute from every
-- access_request_owed event ever recorded (history: 17 ms at 100,000 of them, growing for good); it reads these
-- rows, which go once the request is sent or the ticket released or closed (src/store/access-repo.ts).

-- CreateTable
CREATE TABLE "AccessRequestOwed" (
    "ticketId" INTEGER NOT NULL PRIMARY KEY,
    "owedAt" DATETIME NOT NULL,
    CONSTRAINT "AccessRequestOwed_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- What was owed before this migration, as the digest read it from the events: a held ticket, not closed, with an
-- access_request_owed event and no access_requested one.
INSERT INTO "AccessRequestOwed" ("ticketId", "owedAt")
SELECT owed."ticketId", min(owed."createdAt")
FROM "TicketEvent" owed JOIN "Ticket" t ON t."id" = owed."ticketId"
WHERE owed."type" = 'access_request_owed' AND t."heldForAuthorisation" = 1 AND t."status" <> 'closed'
  AND NOT EXISTS (SELECT 1 FROM "TicketEvent" e WHERE e."type" = 'access_requested' AND e."ticketId" = t."id")
GROUP BY owed."ticketId";
