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
