-- Whether a ticket was opened by machine-written mail (an ERP's notifications from an ordinary address, marked
-- Auto-Submitted or Precedence: bulk...), with the evidence: such a ticket gets no CSAT survey and makes no one due
-- an NPS. Null: opened by a person's mail.

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN "openedByMachine" TEXT;

-- Tickets opened before this column: their inbound log row says so ("…; automatic (Auto-Submitted: auto-generated):
-- no answer sent", since the first version), and names the evidence. One pass over the log's created and follow-up rows.
UPDATE "Ticket" SET "openedByMachine" = m."reason"
FROM (
  SELECT l."ticketNumber" AS "number",
         substr(l."detail", instr(l."detail", 'automatic (') + 11, instr(l."detail", '): no answer sent') - instr(l."detail", 'automatic (') - 11) AS "reason"
  FROM "InboundLog" l
  WHERE l."outcome" IN ('created', 'followup') AND l."ticketNumber" IS NOT NULL
    AND instr(l."detail", 'automatic (') > 0 AND instr(l."detail", '): no answer sent') > instr(l."detail", 'automatic (')
) AS m
WHERE "Ticket"."number" = m."number";

-- A mail too large to parse opened its ticket without that row: its log row (too_large) says "…; not answered:
-- machine-written (Precedence: bulk)", then at most a note "; …" on a reused Message-ID. One pass over those rows.
UPDATE "Ticket" SET "openedByMachine" = m."reason"
FROM (
  SELECT r."number", CASE WHEN instr(r."rest", '); ') > 0 THEN substr(r."rest", 1, instr(r."rest", '); ') - 1) ELSE substr(r."rest", 1, length(r."rest") - 1) END AS "reason"
  FROM (
    SELECT l."ticketNumber" AS "number", substr(l."detail", instr(l."detail", '; not answered: machine-written (') + length('; not answered: machine-written (')) AS "rest"
    FROM "InboundLog" l
    WHERE l."outcome" = 'too_large' AND l."ticketNumber" IS NOT NULL AND instr(l."detail", '; not answered: machine-written (') > 0
  ) AS r
  WHERE r."rest" LIKE '%)' OR instr(r."rest", '); ') > 0
) AS m
WHERE "Ticket"."number" = m."number" AND "Ticket"."openedByMachine" IS NULL;

-- One held for authorisation logged only why it is held; its hold event keeps what its release owes: "…; at release:
-- no mail (machine-written (Auto-Submitted: auto-generated))". One pass over the hold events.
UPDATE "Ticket" SET "openedByMachine" = m."reason"
FROM (
  SELECT e."ticketId" AS "id", substr(e."detail", instr(e."detail", '; at release: no mail (machine-written (') + length('; at release: no mail (machine-written ('), length(e."detail") - instr(e."detail", '; at release: no mail (machine-written (') - length('; at release: no mail (machine-written (') - 1) AS "reason"
  FROM "TicketEvent" e
  WHERE e."type" = 'held_for_authorisation' AND instr(e."detail", '; at release: no mail (machine-written (') > 0 AND e."detail" LIKE '%))'
) AS m
WHERE "Ticket"."id" = m."id" AND "Ticket"."openedByMachine" IS NULL;
