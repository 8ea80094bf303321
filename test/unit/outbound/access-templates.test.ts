import { describe, expect, it } from 'vitest';
import { sampleAccessContext } from '../../../src/outbound/template-samples.js';
import { ACCESS_TEMPLATE_NAMES, LOCALES, TemplateRenderer, type Locale } from '../../../src/outbound/templates.js';

const renderer = new TemplateRenderer();
const cases = ACCESS_TEMPLATE_NAMES.flatMap((name) => LOCALES.map((locale) => [name, locale] as const));

describe('access mails render in every locale', () => {
  it.each(cases)('%s (%s)', (name, locale) => {
    const mail = renderer.renderAccess(name, locale, sampleAccessContext(name, locale));
    if (process.env.SHOW_MAIL) console.log(`${mail.subject}\n\n${mail.text}`);
    for (const part of [mail.subject, mail.text, mail.html]) {
      expect(part.trim()).not.toBe('');
      expect(part).not.toMatch(/\{\{|\}\}|undefined|\[object Object\]/);
    }
    // About a person, not a ticket: a subject tag would thread the administrator's answer into a ticket.
    expect(mail.subject).not.toContain('[#');
    expect(mail.text).toContain('soporte@ventanilla.test');
    expect(mail.text).not.toMatch(/\n{3,}/);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain(`<html lang="${locale}"`);
    expect(mail.html).toContain('max-width:600px');
    expect(mail.html).not.toMatch(/<script|<link|<img|<iframe|<style|src=|url\(|@import|href="(https?:)?\/\//i);
    expect(mail.html).toContain(`<title>${mail.subject.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}</title>`);
  });

  const keyword: Record<Locale, [string, string]> = { es: ['AUTORIZAR', 'REVOCAR'], pt: ['AUTORIZAR', 'REVOGAR'], en: ['AUTHORIZE', 'REVOKE'] };

  it('the access request and the refusal give the exact line to send, in the reader\'s language', () => {
    for (const locale of LOCALES) {
      const request = renderer.renderAccess('access_request', locale, sampleAccessContext('access_request', locale));
      const email = sampleAccessContext('access_request', locale).requester?.email;
      expect(request.text).toContain(`\n${keyword[locale][0]} ${email}\n`);
      expect(request.text).toContain('#1042');
      expect(request.html).toContain(`${keyword[locale][0]} ${email}</p>`);
      const denied = sampleAccessContext('access_denied', locale);
      const mail = renderer.renderAccess('access_denied', locale, denied);
      expect(mail.text).toContain(`\n${keyword[locale][0]} ${denied.contact.email}\n`);
    }
  });

  it('the refusal says which number to call to name an administrator: the country\'s line, or the lines callable from abroad', () => {
    const denied = (locale: Locale, country: string | null) => {
      const ctx = sampleAccessContext('access_denied', locale);
      return renderer.renderAccess('access_denied', locale, { ...ctx, contact: { ...ctx.contact, country } });
    };
    expect(denied('es', 'MX').text).toContain('comuníquese con nosotros por teléfono al 442 1-03-06-00 para definirlo.');
    // Chile, Portugal, the United States have no line: Colombia's 01-800 and Perú's 0800 are toll-free numbers
    // that only answer calls from inside the country, and México's is given as dialled from abroad.
    expect(denied('es', 'CL').text).toContain('comuníquese con nosotros por teléfono (Argentina: +54 11 5295 9300; México: +52 442 103 0600) para definirlo.');
    expect(denied('pt', 'PT').text).toContain('contacte-nos por telefone (Argentina: +54 11 5295 9300; México: +52 442 103 0600) para o definir.');
    expect(denied('en', 'US').text).toContain('please call us (Argentina: +54 11 5295 9300; Mexico: +52 442 103 0600) to set one up.');
    // A country we do not know: the contact may be in any of them, so each line as its own country dials it.
    expect(denied('es', null).text).toContain('(Argentina: +54 11 5295 9300; Colombia: 01-800-913-55-29; México: 442 1-03-06-00, desde otro país +52 442 103 0600; Perú: 0800-55-372)');
    expect(denied('en', null).html).toContain('please call us (Argentina: +54 11 5295 9300;');
    expect(denied('en', 'AR').html).toContain('please call us at +54 11 5295 9300 to set one up.');
    // A placeholder an import left ("N/A", "-", "desconocido") names no country: every line, as for none.
    const everyLine = '(Argentina: +54 11 5295 9300; Colombia: 01-800-913-55-29; México: 442 1-03-06-00, desde otro país +52 442 103 0600; Perú: 0800-55-372)';
    for (const placeholder of ['N/A', '-', '?', 'desconocido', 'Unknown', 'XX', 'ZZ', 'none']) expect(denied('es', placeholder).text).toContain(everyLine);
    // A real country we have no line in, by code or by its name in any of the three languages: the lines from abroad.
    for (const abroad of ['BR', 'Brasil', 'España', 'Reino Unido', 'United Kingdom', 'Alemanha']) {
      expect(denied('es', abroad).text).toContain('(Argentina: +54 11 5295 9300; México: +52 442 103 0600)');
    }
  });

  it('the confirmation lists what was done and what was refused, and why', () => {
    const mail = renderer.renderAccess('access_confirmation', 'es', sampleAccessContext('access_confirmation', 'es'));
    expect(mail.text).toContain('Realizado:\n- Autorizado: compras@distribuidorabajio.com.mx. Solicitudes liberadas: #1042, #1043\n');
    expect(mail.text).toContain('- Autorizado: ventas@distribuidorabajio.com.mx (sin cambios: ya estaba autorizado)');
    expect(mail.text).toContain('- Acceso revocado: exempleado@distribuidorabajio.com.mx\n');
    expect(mail.text).toContain('No realizado:\n- AUTORIZAR consultor@otra-empresa.example: la dirección no pertenece a los dominios de su empresa (distribuidorabajio.com.mx).');
    expect(mail.text).toContain('- REVOCAR mflopez@distribuidorabajio.com.mx: es la dirección de un administrador');
    const en = renderer.renderAccess('access_confirmation', 'en', { ...sampleAccessContext('access_confirmation', 'en'), refused: [] });
    expect(en.text).not.toContain('Not done');
    expect(en.text).toContain('REVOKE name@northwind-supply.example');
  });

  it('what the sender wrote is escaped in HTML', () => {
    const ctx = { ...sampleAccessContext('access_denied', 'en'), subject: '<b>hi</b> & "you"' };
    const mail = renderer.renderAccess('access_denied', 'en', ctx);
    expect(mail.html).not.toContain('<b>hi</b>');
    expect(mail.html).toContain('&lt;b&gt;hi&lt;/b&gt; &amp;');
    expect(mail.subject).toBe('We could not register your request: <b>hi</b> & "you"');
  });

  it('refuses a context without what the template needs, and unknown names', () => {
    const { requester: _r, ...noRequester } = sampleAccessContext('access_request', 'pt');
    expect(() => renderer.renderAccess('access_request', 'pt', noRequester)).toThrow(/pt[\\/]access_request\.\*\.hbs: the context has no requester/);
    expect(() => renderer.renderAccess('acknowledgement' as never, 'es', noRequester)).toThrow(/Unknown access mail template/);
  });
});
