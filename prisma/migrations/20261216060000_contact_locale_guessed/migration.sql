-- Whether a contact's locale was guessed from their mails (src/domain/language.ts languageToRecord): a guessed one
-- gives way to the language of a later mail that says it plainly; one set by a person (an agent, an administrator,
-- an import) never does. Contacts from before this column cannot tell: their locale counts as set by a person and
-- is kept; one with no locale takes the language of their next mail that tells it.

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "localeGuessed" BOOLEAN NOT NULL DEFAULT false;
