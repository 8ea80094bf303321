import type { Locale } from '../outbound/locale.js';
import type { Article } from './articles.js';
import { meaningfulTerms, stemOf } from './terms.js';

// Which articles to suggest for a new ticket (DOMAIN.md rule 10): those sharing words with what the customer
// wrote, weighed by how rare each word is among the articles (idf), a word of the title or the keywords more
// than any count of one in the body. Cautious on purpose: an article needs two of the customer's words, one of them in its
// title or keywords, so that a mail about anything that says "factura" once is not sent the invoicing guide.

// Above MAX_BODY_COUNT: a weight this high is a title or keyword match.
const TITLE_WEIGHT = 4;
const MAX_BODY_COUNT = 3;
export const MAX_SUGGESTIONS = 3;
/** The start of a long mail says what it is about; the rest is logs and history. */
const QUERY_CHARS = 3000;

interface Posting {
  article: number;
  weight: number;
}

export interface Suggestion {
  article: Article;
  score: number;
  /** The customer's words it matched (for `ventanilla kb suggest`). */
  words: string[];
}

export class KnowledgeBase {
  /** Per stem, the articles that have it and how much it weighs in each. */
  private readonly postings = new Map<string, Posting[]>();

  constructor(readonly articles: readonly Article[]) {
    articles.forEach((article, index) => {
      const weights = new Map<string, number>();
      for (const term of meaningfulTerms(article.body).map(stemOf)) weights.set(term, Math.min(MAX_BODY_COUNT, (weights.get(term) ?? 0) + 1));
      const titled = new Set(meaningfulTerms(`${article.title} ${article.keywords.join(' ')}`).map(stemOf));
      for (const term of titled) weights.set(term, (weights.get(term) ?? 0) + TITLE_WEIGHT);
      for (const [term, weight] of weights) {
        const list = this.postings.get(term) ?? [];
        list.push({ article: index, weight });
        this.postings.set(term, list);
      }
    });
  }

  get size(): number {
    return this.articles.length;
  }

  /** The best articles for a mail in `locale` (those for everyone included), best first; none when few words match. */
  suggest(text: string, locale: Locale, max = MAX_SUGGESTIONS): Suggestion[] {
    if (this.articles.length === 0) return [];
    const found = new Map<number, { score: number; strong: boolean; words: string[] }>();
    // One entry per stem: "factura" and "facturas" in one mail are one word.
    const words = new Map<string, string>();
    for (const word of meaningfulTerms(text.slice(0, QUERY_CHARS))) if (!words.has(stemOf(word))) words.set(stemOf(word), word);
    for (const [stem, word] of words) {
      const best = new Map<number, number>();
      for (const p of this.postings.get(stem) ?? []) {
        const lang = this.articles[p.article]?.lang;
        if (lang === null || lang === locale) best.set(p.article, p.weight);
      }
      const idf = Math.log(1 + this.articles.length / Math.max(1, best.size));
      for (const [article, weight] of best) {
        const entry = found.get(article) ?? { score: 0, strong: false, words: [] };
        entry.score += idf * weight;
        entry.strong ||= weight >= TITLE_WEIGHT;
        entry.words.push(word);
        found.set(article, entry);
      }
    }
    return [...found]
      .filter(([, e]) => e.strong && e.words.length >= 2)
      .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
      .slice(0, max)
      .map(([index, e]) => ({ article: this.articles[index] as Article, score: Math.round(e.score * 100) / 100, words: e.words }));
  }
}
