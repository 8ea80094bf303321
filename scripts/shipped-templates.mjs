// Writes dist/shipped-templates.json: the hash of each file of templates/ as this build ships it. The daemon's
// warm-up renders every wording of, and reads the variables of, only what a desk changed since
// (src/outbound/shipped-templates.ts). Run by `npm run build`, after tsc.
import { renameSync, writeFileSync } from 'node:fs';
import { hashesOf, shippedTemplatesPath } from '../dist/src/outbound/shipped-templates.js';
import { templatesDir } from '../dist/src/paths.js';

// Written whole, then renamed: a process starting during a build reads the old record or the new one.
writeFileSync(`${shippedTemplatesPath}.tmp`, JSON.stringify(hashesOf(templatesDir)));
renameSync(`${shippedTemplatesPath}.tmp`, shippedTemplatesPath);
