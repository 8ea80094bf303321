-- Contacts' names as a new mail's is stored now (src/domain/display-name.ts personName), for those stored before:
-- a contact's name is set once, and every notice greets the customer by it ("Hola, 'ana@cliente.mx':" was
-- Outlook's name for a sender without one). On one line (tabs, line breaks and runs of spaces as one space), without
-- single quotes around the whole name, and none when it is the address itself. Data only: no table changes.

-- One line: CR, LF, tab, vertical tab and form feed as spaces, runs of spaces as one (six passes: runs up to 64).
UPDATE "Contact" SET "name" = trim(
  replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace("name", char(13), ' '), char(10), ' '), char(9), ' '), char(11), ' '), char(12), ' '),
  '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '))
WHERE "name" IS NOT NULL;

-- Single quotes around the whole name ('Ana Pérez'), not a nickname in quotes ('Chino' Pérez).
UPDATE "Contact" SET "name" = trim(substr("name", 2, length("name") - 2))
WHERE "name" LIKE '''%''' AND length("name") > 2 AND instr(substr("name", 2, length("name") - 2), '''') = 0;

-- Nothing left, or the address itself.
UPDATE "Contact" SET "name" = NULL WHERE "name" = '' OR lower("name") = lower(trim("email"));
