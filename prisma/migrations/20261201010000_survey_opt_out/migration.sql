-- "Don't send me surveys": the contact's opt-out from CSAT and NPS mail (README "Surveys"). A column of the
-- contact, not a suppression: their ticket notices and bulletins are unaffected.

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "surveysOptedOutAt" DATETIME;
