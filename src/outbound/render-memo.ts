import Handlebars from 'handlebars';
import { fillPlaceholders, placeholder } from './shared-body.js';
import { oneLine } from '../domain/one-line.js';
import type { RenderedMail, TemplateContext } from './templates.js';

// Notices of one kind differ from ticket to ticket in a few values: its number and subject, the customer's
// name and address, a date. Rendering one with Handlebars cost 150-250 µs in a new process (its compiled
// templates and partials warm up over thousands of calls), most of what recording a new ticket's
// acknowledgement cost besides SQL during a burst. So a notice is rendered once per shape, with
// placeholders for those values, and each mail of that shape gets the values put into the placeholders.
//
// A shape is everything that can change what the templates do: the template, the locale, every other value
// of the context exactly, and whether each per-ticket value is empty (templates test them with {{#if}}).
// A shape is used only after a check: its skeleton, filled with probe values (characters HTML escapes, and
// others), must equal a full rendering with those values. A template that transforms one of the values (a
// helper, a triple-stash in HTML) fails the check, and that shape is always rendered in full.

/** The per-ticket values: interpolated by the templates, never tested except for being empty. */
const SLOTS = [
  ['ticket', 'number'],
  ['ticket', 'subject'],
  ['contact', 'name'],
  ['contact', 'email'],
  ['dueAt'],
  ['deadline'],
  ['issueRef'],
  ['previous', 'number'],
  ['previous', 'subject'],
] as const;

type Slot = (typeof SLOTS)[number];
type Value = string | number;

/** Placeholders as shared bodies write them (shared-body.ts): "%%vt.ticket_number%%". */
const SLOT_NAMES = SLOTS.map((slot) => slot.join('_').toLowerCase());
const SLOT_INDEX = new Map(SLOT_NAMES.map((name, index) => [name, index]));
const placeholderOf = (index: number): string => placeholder(SLOT_NAMES[index] as string);

/** Contexts that carry free text or per-mail links (an agent's words, survey links, a ticket's solved link): rendered in full. */
const hasFreeText = (ctx: TemplateContext): boolean => ctx.body !== undefined || ctx.survey !== undefined || ctx.escalation !== undefined || ctx.solvedUrl !== undefined;

function read(ctx: TemplateContext, slot: Slot): unknown {
  let value: unknown = ctx;
  for (const key of slot) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
  return value;
}

/** A copy of the context with each non-empty slot replaced by `valueOf(index, value)`. */
function withSlots(ctx: TemplateContext, values: Array<Value | null>, valueOf: (index: number, value: Value) => Value): TemplateContext {
  const copy = { ...ctx, ticket: { ...ctx.ticket }, contact: { ...ctx.contact }, previous: ctx.previous && { ...ctx.previous } } as Record<string, unknown>;
  SLOTS.forEach((slot, index) => {
    const value = values[index];
    if (value === null || value === undefined) return;
    const target = slot.length === 1 ? copy : (copy[slot[0]] as Record<string, unknown>);
    target[slot[slot.length - 1] as string] = valueOf(index, value);
  });
  return copy as unknown as TemplateContext;
}

function fill(skeleton: RenderedMail, values: Array<Value | null>): RenderedMail {
  const raw = (name: string) => {
    const value = values[SLOT_INDEX.get(name) ?? -1];
    return value === null || value === undefined ? undefined : String(value);
  };
  // Escaped as Handlebars escapes ({{...}} in the HTML part), so that a filled skeleton equals a full rendering.
  const escaped = (name: string) => {
    const value = raw(name);
    return value === undefined ? undefined : Handlebars.escapeExpression(value);
  };
  return { subject: fillPlaceholders(skeleton.subject, raw), text: fillPlaceholders(skeleton.text, raw), html: fillPlaceholders(skeleton.html, escaped) };
}

const same = (a: RenderedMail, b: RenderedMail): boolean => a.subject === b.subject && a.text === b.text && a.html === b.html;

export class RenderMemo {
  /** A skeleton per shape, or null for a shape that failed the check. Least recently added goes first. */
  private readonly skeletons = new Map<string, RenderedMail | null>();

  constructor(private readonly max = 256) {}

  /** What `renderFully(ctx)` returns, from a skeleton when the context's shape has one. */
  render(name: string, locale: string, ctx: TemplateContext, renderFully: (ctx: TemplateContext) => RenderedMail): RenderedMail {
    if (hasFreeText(ctx)) return renderFully(ctx);
    const values: Array<Value | null> = [];
    for (const slot of SLOTS) {
      const value = read(ctx, slot);
      if (value === undefined || value === null || value === '' || value === 0) {
        values.push(null);
      } else if ((typeof value === 'string' && oneLine(value) === value) || (typeof value === 'number' && Number.isSafeInteger(value))) {
        // A value the subject would fold or the text part tidy (line breaks, runs of spaces) goes the long way.
        values.push(value);
      } else {
        return renderFully(ctx);
      }
    }
    const key = JSON.stringify([name, locale, withSlots(ctx, values, () => 1)]);
    let skeleton = this.skeletons.get(key);
    if (skeleton === undefined) {
      skeleton = this.checkedSkeleton(ctx, values, renderFully);
      if (this.skeletons.size >= this.max) this.skeletons.delete(this.skeletons.keys().next().value as string);
      this.skeletons.set(key, skeleton);
    }
    return skeleton ? fill(skeleton, values) : renderFully(ctx);
  }

  private checkedSkeleton(ctx: TemplateContext, values: Array<Value | null>, renderFully: (ctx: TemplateContext) => RenderedMail): RenderedMail | null {
    const skeleton = renderFully(withSlots(ctx, values, placeholderOf));
    // Two sets of probes, so that a helper cannot map both a placeholder and a probe to the same text: one full
    // of what HTML escapes and of text that is not ASCII, one of digits and letters; numbers stay numbers.
    const probeSets = [
      values.map((value, index) => (value === null ? null : typeof value === 'number' ? 7_000_001 + index : `Prüfung<&>"'\`=${index}`)),
      values.map((value, index) => (value === null ? null : typeof value === 'number' ? 86_420 + 3 * index : `${index}5${index}-probe-${index}`)),
    ];
    const passes = probeSets.every((probes) => same(fill(skeleton, probes), renderFully(withSlots(ctx, probes, (index) => probes[index] as Value))));
    return passes ? skeleton : null;
  }
}
