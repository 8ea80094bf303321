import { Marked, type Token, type Tokens } from 'marked';
import { decodeEntities } from './entities.js';

// A bulletin's Markdown as the HTML part and as the text part of its mail (marked, GitHub-flavoured).
// Bulletins are written by the support team, yet what they paste is not trusted: raw HTML is shown as
// text, and links and images keep only http(s) and mailto addresses (no javascript:, no data:).

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);


function safeHref(href: string, allowMailto = true): string | null {
  const value = href.trim();
  if (/^https?:\/\//i.test(value)) return value;
  if (allowMailto && /^mailto:/i.test(value)) return value;
  return null;
}

const LINK_STYLE = 'color:#065f46;text-decoration:underline;';

const marked = new Marked({
  gfm: true,
  breaks: false,
  // "a &lt; b" in code means "a < b", as the text part reads it (decodeEntities below): the HTML part escapes
  // it again rather than showing "&lt;" literally. Only parse runs this; the text part's lexer does not.
  walkTokens(token) {
    if (token.type === 'code' || token.type === 'codespan') token.text = decodeEntities(token.text);
  },
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, title, tokens }) {
      const label = this.parser.parseInline(tokens);
      const target = safeHref(href);
      if (!target) return label;
      return `<a href="${escapeHtml(target)}"${title ? ` title="${escapeHtml(title)}"` : ''} style="${LINK_STYLE}">${label}</a>`;
    },
    image({ href, text }) {
      const target = safeHref(href, false);
      if (!target) return escapeHtml(text);
      return `<img src="${escapeHtml(target)}" alt="${escapeHtml(text)}" style="max-width:100%;height:auto;border:0;">`;
    },
  },
});

export function markdownToHtml(markdown: string): string {
  return marked.parse(markdown, { async: false }).trim();
}

/** The text part: what a reader without HTML sees, links written out, tables as rows. */
export function markdownToText(markdown: string): string {
  const blocks = marked.lexer(markdown).map((t) => block(t as Token)).filter((b) => b.trim() !== '');
  return decodeEntities(blocks.join('\n\n')).replace(/\n{3,}/g, '\n\n').trim();
}

function inline(tokens: Token[] | undefined): string {
  return (tokens ?? []).map((t) => inlineOne(t)).join('');
}

function inlineOne(t: Token): string {
  switch (t.type) {
    case 'link': {
      const link = t as Tokens.Link;
      const label = inline(link.tokens);
      const target = safeHref(link.href);
      return target && target !== label && `mailto:${label}` !== target ? `${label} (${target})` : label;
    }
    case 'image':
      return (t as Tokens.Image).text;
    case 'br':
      return '\n';
    case 'codespan':
      return (t as Tokens.Codespan).text;
    case 'text':
    case 'escape':
      return 'tokens' in t && t.tokens ? inline(t.tokens as Token[]) : String((t as Tokens.Text).text);
    default:
      return 'tokens' in t && t.tokens ? inline(t.tokens as Token[]) : String((t as { text?: string }).text ?? '');
  }
}

function block(t: Token): string {
  switch (t.type) {
    case 'heading': {
      const text = inline((t as Tokens.Heading).tokens);
      return (t as Tokens.Heading).depth <= 2 ? `${text}\n${'='.repeat(Math.min(text.length, 72))}` : text;
    }
    case 'paragraph':
      return inline((t as Tokens.Paragraph).tokens);
    case 'list': {
      const list = t as Tokens.List;
      return list.items
        .map((item, i) => {
          // A task item's box is a token of its own (or, in a loose list, its paragraph's first, which reads as ''):
          // written before the item's text, on its line, as the HTML part shows its checkbox.
          const box = item.task ? (item.checked ? '[x] ' : '[ ] ') : '';
          const marker = list.ordered ? `${Number(list.start || 1) + i}. ` : '- ';
          const body = box + item.tokens.filter((x) => x.type !== 'checkbox').map((x) => (x.type === 'text' ? inlineOne(x) : block(x))).join('\n');
          return marker + body.replace(/\n/g, `\n${' '.repeat(marker.length)}`);
        })
        .join('\n');
    }
    case 'blockquote': {
      // Its blank lines ("space" tokens) are gaps between blocks already: one quoted empty line, as in the HTML.
      const inner = (t as Tokens.Blockquote).tokens.map(block).filter((b) => b.trim() !== '').join('\n\n');
      return inner.split('\n').map((line) => (line === '' ? '>' : `> ${line}`)).join('\n');
    }
    case 'code':
      return (t as Tokens.Code).text.replace(/^/gm, '    ');
    case 'hr':
      return '----';
    case 'table': {
      const table = t as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens)).join(' | ');
      return [row(table.header), ...table.rows.map(row)].join('\n');
    }
    case 'space':
    case 'def':
      return '';
    default:
      return inlineOne(t);
  }
}
