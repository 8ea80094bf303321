#!/usr/bin/env bash
# The embedded default in one command: SQLite under ./data/demo, and a demo mailbox (a Maildir of sample
# mails in several languages: a new ticket, a reply with an attachment, a re-delivered duplicate, a
# forward from a stranger) through the same pipeline the IMAP daemon uses.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATA_DIR="${DATA_DIR:-./data/demo}"
export SUPPORT_ADDRESS="${SUPPORT_ADDRESS:-soporte@ventanilla.test}"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# Sample knowledge-base articles: the acknowledgements suggest the one matching each mail.
export KNOWLEDGE_BASE_DIR="${KNOWLEDGE_BASE_DIR:-./scripts/demo-kb}"
[ -d node_modules ] || npm ci
npm run --silent build
cli="node dist/bundle/main.js"
$cli migrate
echo "== ingesting the demo mailbox (scripts/demo-mailbox) =="
$cli ingest scripts/demo-mailbox
echo "== scheduled jobs once: the acknowledgements go out (no SMTP_HOST: as .eml files in $DATA_DIR/outbox) =="
$cli scheduler run-once
echo "== tickets =="
$cli tickets list
echo "== ticket #1000 =="
$cli tickets show 1000
echo
echo "== the outbox (each mail also written as an .eml file in $DATA_DIR/outbox) =="
$cli outbox list
echo
echo "Run it again: every mail is recognised as a duplicate. Data is in $DATA_DIR."
echo "For a real mailbox: set IMAP_HOST, IMAP_USER, IMAP_PASSWORD (see .env.example) and run: npx ventanilla start"
