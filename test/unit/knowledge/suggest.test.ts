import { describe, expect, it } from 'vitest';
import { parseArticle, type Article } from '../../../src/knowledge/articles.js';
import { KnowledgeBase } from '../../../src/knowledge/suggest.js';
import { meaningfulTerms, stemOf } from '../../../src/knowledge/terms.js';

const article = (slug: string, source: string): Article => {
  const parsed = parseArticle(slug, source);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

const KB = new KnowledgeBase([
  article('timbrar-factura', '---\nlang: es\nkeywords: CFDI, timbrado, SAT\n---\n# Cómo timbrar una factura electrónica\n\nAbra el portal, elija la factura y pulse Timbrar. Si el SAT la rechaza, revise el RFC del receptor y el régimen fiscal.\n'),
  article('restablecer-contrasena', '---\nlang: es\nkeywords: clave, acceso, bloqueado\n---\n# Restablecer la contraseña del portal\n\nEn la pantalla de acceso pulse "Olvidé mi contraseña"; tras tres intentos fallidos el usuario queda bloqueado 30 minutos.\n'),
  article('renovar-csd', '---\nlang: es\nkeywords: CSD, sello\n---\n# Renovar el certificado de sello digital\n\nEl certificado vence cada cuatro años. Cargue el nuevo .cer y .key en Configuración > Certificados.\n'),
  article('redefinir-senha', '---\nlang: pt\nkeywords: acesso, bloqueado\n---\n# Redefinir a senha do portal\n\nNo ecrã de acesso carregue em "Esqueci a senha".\n'),
  article('reset-password', '---\nlang: en\n---\n# Reset your portal password\n\nOn the sign-in page choose "Forgot password".\n'),
  article('horario', '# Horario de atención y teléfonos\n\nLunes a viernes, de 8:00 a 20:00, hora de Ciudad de México.\n'),
]);
const slugs = (text: string, locale: 'es' | 'pt' | 'en' = 'es') => KB.suggest(text, locale).map((s) => s.article.slug);

describe('knowledge-base terms', () => {
  it('keeps the words that say what a text is about, accents folded', () => {
    expect(meaningfulTerms('Hola, no puedo TIMBRAR la facturación del mes: error 403.')).toEqual(['timbrar', 'facturacion', 'mes', 'error', '403']);
  });

  it("takes a word's forms as one: plurals, verbs, derived nouns; short words as they are", () => {
    const stems = (words: string) => words.split(' ').map(stemOf);
    expect(stems('exporto exportar exportacao')).toEqual(['export', 'export', 'export']);
    expect(stems('factura facturas facturacion')).toEqual(['factur', 'factur', 'factur']);
    expect(stems('error errores bloqueado bloqueada')).toEqual(['error', 'error', 'bloque', 'bloque']);
    expect(stems('invoice invoices sat mes')).toEqual(['invoic', 'invoic', 'sat', 'mes']);
    expect(stemOf('contrasena')).not.toBe(stemOf('contrato'));
  });
});

describe('KnowledgeBase.suggest', () => {
  it('suggests the article whose title and keywords the customer used', () => {
    expect(slugs('No puedo timbrar mis facturas: el SAT rechaza el CFDI')).toEqual(['timbrar-factura']);
    expect(slugs('Olvidé mi contraseña y ahora el usuario aparece bloqueado')).toEqual(['restablecer-contrasena']);
    expect(slugs('Se venció el certificado de sello, ¿cómo lo renuevo?')).toEqual(['renovar-csd']);
  });

  it("suggests only articles in the customer's language, or for everyone", () => {
    expect(slugs('Esqueci a senha e o acesso está bloqueado', 'pt')).toEqual(['redefinir-senha']);
    expect(slugs('I forgot my portal password', 'en')).toEqual(['reset-password']);
    expect(slugs('Olvidé mi contraseña y ahora el usuario aparece bloqueado', 'en')).toEqual([]);
    expect(slugs('¿Cuál es el horario de atención por teléfono?', 'pt')).toEqual(['horario']);
  });

  it('suggests nothing for a mail that shares one word, or only courtesy, with the articles', () => {
    expect(slugs('Tengo una duda con la factura de noviembre')).toEqual([]);
    expect(slugs('Hola, buenos días, muchas gracias por su ayuda')).toEqual([]);
    expect(slugs('')).toEqual([]);
  });

  it('takes the plural of a common word as common: "tengo problemas con el sistema" is sent nothing, as the singular is', () => {
    const printing = new KnowledgeBase([
      article('impresion', '---\nlang: es\nkeywords: impresora\n---\n# Solución de problemas de impresión\n\nSi el sistema no encuentra la impresora, revise que esté encendida.\n'),
      article('printer', '---\nlang: en\n---\n# Troubleshooting printer issues\n\nIf the system cannot find the printer, check that it is on.\n'),
    ]);
    const found = (text: string, locale: 'es' | 'en') => printing.suggest(text, locale).map((s) => s.article.slug);
    expect(found('Tengo un problema con el sistema', 'es')).toEqual([]);
    expect(found('Tengo problemas con el sistema', 'es')).toEqual([]);
    expect(found('We have issues with the system', 'en')).toEqual([]);
    expect(found('Tengo problemas con la impresora: el sistema no la encuentra', 'es')).toEqual(['impresion']);
  });

  it('ranks several matches best first, at most three', () => {
    const found = KB.suggest('No puedo timbrar la factura: el SAT dice que el certificado de sello digital venció, y la contraseña del portal está bloqueada', 'es');
    expect(found.length).toBeLessThanOrEqual(3);
    expect(found.map((s) => s.article.slug).sort()).toEqual(['renovar-csd', 'restablecer-contrasena', 'timbrar-factura']);
    expect(found.map((s) => s.score)).toEqual(found.map((s) => s.score).sort((a, b) => b - a));
  });
});

describe('parseArticle', () => {
  it('keeps a title that ends in "#" (C#), taking off only a closing run of "#" after a space, as Markdown does', () => {
    const title = (source: string) => article('x', source).title;
    expect(title('# Ejemplo de integración en C#\n\nTexto.')).toBe('Ejemplo de integración en C#');
    expect(title('# Cómo usar F# ##\n')).toBe('Cómo usar F#');
    expect(title('# Horario de atención #\n')).toBe('Horario de atención');
  });

  it('refuses a file without a title, or with a language or an address it cannot use', () => {
    expect(parseArticle('x', 'Sin título')).toBe('no title (a first line "# Title")');
    expect(parseArticle('x', '---\nlang: fr\n---\n# Titre')).toBe('lang: fr is not es, pt or en');
    expect(parseArticle('x', '---\nurl: javascript:alert(1)\n---\n# T')).toBe('url: javascript:alert(1) is not an http(s) address');
  });
});
