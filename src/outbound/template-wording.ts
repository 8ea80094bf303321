import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { LOCALES, type Locale } from './locale.js';
import type { Part } from './template-files.js';
import { TEMPLATE_NAMES, type TemplateName } from './templates.js';

// A desk may edit the shipped notices in place. A copy edited before the shipped one learned a new wording
// (close_undone's answeredBy, a colleague's answer; answerUnread, one nobody could read) still renders, and its
// customers get the words meant for the other case ("su respuesta" of a reply they never sent): nothing fails.
// So `templates check` and the warm-up name each edited part that never uses a variable the shipped part tests.
//
// The rule: a variable counts when the shipped template tests it in {{#if}}, {{#unless}} or {{else if}}, alone or
// in a helper ({{#if (eq closedAfter "solved")}}): it chooses what the mail says. A variable only shown is not
// reported (a desk may leave out the ticket's priority). The edited copy uses one when it names it anywhere, or a
// partial it calls does. The shipped set is written here, because the shipped files are the ones a desk edits;
// test/unit/outbound/template-wording.test.ts checks it against the shipped templates in every language.

/** Per template and part: the variables the shipped template tests to choose its wording. */
export const WORDING_VARIABLES: Record<TemplateName, Partial<Record<Part, readonly string[]>>> = {
  acknowledgement: {},
  answer: {},
  pending: { text: ['body'], html: ['body'] },
  on_hold: { text: ['issueRef', 'body'], html: ['issueRef', 'body'] },
  solved: { text: ['body'], html: ['body'] },
  reopened: {},
  in_progress: {},
  closed: { text: ['closedAfter'], html: ['closedAfter'] },
  close_undone: { text: ['answerUnread', 'answeredBy', 'closedAfter'], html: ['answerUnread', 'answeredBy', 'closedAfter'] },
  follow_up_created: { text: ['previous.subject'], html: ['previous.subject'] },
  pending_reminder: { text: ['body'], html: ['body'] },
  escalation: {
    subject: ['escalation.kind'],
    text: ['escalation.kind', 'escalation.requester', 'contact.name', 'escalation.organisation', 'escalation.capMinutes'],
    html: ['escalation.kind', 'escalation.requester', 'contact.name', 'escalation.organisation', 'escalation.capMinutes'],
  },
  // kind: each held-back escalation's, inside {{#each digest.items}}.
  escalation_digest: { subject: ['digest.items'], text: ['kind'], html: ['kind'] },
  too_large: { text: ['closedAfter'], html: ['closedAfter'] },
  csat_survey: { text: ['survey.scale'], html: ['survey.scale'] },
  nps_survey: {},
};

const PARTS: readonly Part[] = ['subject', 'text', 'html'];

type Node = { type?: string; [key: string]: unknown };

/** The variable a path names ("ticket.number"; `this.` and `../` dropped), or null for @index and the like. */
function variableOf(node: Node): string | null {
  if (node.type !== 'PathExpression' || node.data) return null;
  const parts = node.parts as string[];
  return parts.length > 0 ? parts.join('.') : null;
}

/**
 * The variable a path the desk wrote uses: as variableOf, and `@root.answeredBy` names answeredBy; `item.kind` in
 * `{{#each digest.items as |item|}}` names the item's kind (blockParams: the template's block parameters).
 */
function usedVariableOf(node: Node, blockParams: ReadonlySet<string>): string | null {
  const parts = node.type === 'PathExpression' ? (node.parts as string[]) : [];
  if (node.data) return parts[0] === 'root' && parts.length > 1 ? parts.slice(1).join('.') : null;
  if (parts.length > 1 && blockParams.has(parts[0] as string)) return parts.slice(1).join('.');
  return variableOf(node);
}

/** Every node of a template's syntax tree, depth first. */
function* nodesOf(node: unknown): Generator<Node> {
  if (Array.isArray(node)) {
    for (const item of node) yield* nodesOf(item);
  } else if (node && typeof node === 'object' && 'type' in node) {
    yield node as Node;
    for (const [key, value] of Object.entries(node)) if (key !== 'loc') yield* nodesOf(value);
  } else if (node && typeof node === 'object') {
    for (const value of Object.values(node)) yield* nodesOf(value);
  }
}

/** The variables a template tests in {{#if}}, {{#unless}} or {{else if}} (which Handlebars reads as a nested #if). */
export function testedVariables(source: string): Set<string> {
  const tested = new Set<string>();
  for (const node of nodesOf(Handlebars.parse(source))) {
    if (node.type !== 'BlockStatement' || !['if', 'unless'].includes((node.path as Node).original as string)) continue;
    for (const variable of argumentsOf(node.params as Node[])) tested.add(variable);
  }
  return tested;
}

/** The variables among a helper's arguments, those of a helper called inside them ((eq closedAfter "solved")) too. */
function argumentsOf(expressions: Node[]): string[] {
  return expressions.flatMap((expression) => {
    if (expression.type !== 'SubExpression') return variableOf(expression) ?? [];
    const hash = ((expression.hash as { pairs?: Array<{ value: Node }> } | undefined)?.pairs ?? []).map((pair) => pair.value);
    return argumentsOf([...(expression.params as Node[]), ...hash]);
  });
}

/**
 * The variables a template names anywhere, with those of the partials it calls (read from `partialsDir`, each once:
 * `partials` keeps what each one uses, since every notice calls the same few).
 */
function usedVariables(source: string, partialsDir: string, partials: Map<string, Set<string>>): Set<string> {
  const used = new Set<string>();
  const nodes = [...nodesOf(Handlebars.parse(source))];
  const blockParams = new Set(nodes.flatMap((node) => (node.type === 'Program' ? ((node.blockParams as string[] | undefined) ?? []) : [])));
  for (const node of nodes) {
    const variable = usedVariableOf(node, blockParams);
    if (variable) used.add(variable);
    const partial = node.type === 'PartialStatement' || node.type === 'PartialBlockStatement' ? variableOf(node.name as Node) : null;
    const file = partial && join(partialsDir, `${partial}.hbs`);
    if (!file || !existsSync(file)) continue;
    let inPartial = partials.get(file);
    if (!inPartial) {
      // Set before reading, so that a partial calling itself ends.
      partials.set(file, (inPartial = new Set()));
      for (const one of usedVariables(readFileSync(file, 'utf8'), partialsDir, partials)) inPartial.add(one);
    }
    for (const one of inPartial) used.add(one);
  }
  return used;
}

export interface UnusedWording {
  name: TemplateName;
  locale: Locale;
  part: Part;
  file: string;
  /** The variables the shipped part tests and this one never uses, sorted. */
  missing: string[];
}

/**
 * Each part in `dir` that never uses a variable the shipped part tests to choose its wording. A part that is missing
 * or does not parse is left to rendering, which names it (TEMPLATE_INVALID). `read`: which parts to read (the
 * warm-up reads those a desk changed; a part as shipped uses them all, which a test checks).
 */
export function unusedWordingVariables(dir: string, read: (name: TemplateName, locale: Locale, part: Part) => boolean = () => true): UnusedWording[] {
  const found: UnusedWording[] = [];
  const partials = new Map<string, Set<string>>();
  for (const name of TEMPLATE_NAMES) {
    for (const locale of LOCALES) {
      for (const part of PARTS) {
        const wording = WORDING_VARIABLES[name][part] ?? [];
        const file = join(dir, locale, `${name}.${part}.hbs`);
        if (wording.length === 0 || !read(name, locale, part) || !existsSync(file)) continue;
        let used: Set<string>;
        try {
          used = usedVariables(readFileSync(file, 'utf8'), join(dir, 'partials'), partials);
        } catch {
          continue;
        }
        const missing = wording.filter((variable) => !used.has(variable)).sort();
        if (missing.length > 0) found.push({ name, locale, part, file, missing });
      }
    }
  }
  return found;
}
