import { pick, rng } from './lib.js';

// A varied, reproducible backlog of customer mail for the ingest benchmark: new tickets in Spanish, Portuguese
// and English (plain, HTML alternative, impact/urgency lines, Cc), replies with quoted history, attachments
// and inline images, re-deliveries, mails without Message-ID and out-of-office replies.

const CRLF = '\r\n';

interface Part {
  headers: Record<string, string>;
  body: string;
}

function base64Lines(content: Buffer): string {
  return (content.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function render(headers: Record<string, string>, body: string): string {
  return Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join(CRLF) + CRLF + CRLF + body;
}

function multipart(subtype: string, parts: Part[], boundary: string): { contentType: string; body: string } {
  const body = parts.map((p) => `--${boundary}${CRLF}${render(p.headers, p.body)}${CRLF}`).join('') + `--${boundary}--${CRLF}`;
  return { contentType: `multipart/${subtype}; boundary="${boundary}"`, body };
}

const textPart = (text: string): Part => ({
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Transfer-Encoding': '8bit' },
  body: text.replace(/\r?\n/g, CRLF),
});

const htmlPart = (html: string): Part => ({
  headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Transfer-Encoding': 'base64' },
  body: base64Lines(Buffer.from(html)),
});

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const toHtml = (text: string) => `<html><body>${text.split('\n').map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`;

type Lang = 'es' | 'pt' | 'en';

const SUBJECTS: Record<Lang, string[]> = {
  es: ['No puedo entrar al portal', 'Error al facturar', 'La impresora no responde', 'Solicitud de alta de usuario', 'Cobro duplicado en mi cuenta', 'El sistema está muy lento', 'No llegan los correos'],
  pt: ['Não consigo acessar o sistema', 'Erro na emissão da nota fiscal', 'Cobrança em duplicidade', 'Pedido de novo usuário', 'O relatório não carrega'],
  en: ['Cannot log in to the portal', 'Invoice shows the wrong amount', 'Export to CSV fails', 'Request for a new account', 'Dashboard is very slow'],
};

const BODIES: Record<Lang, string[]> = {
  es: [
    'Hola, desde esta mañana no puedo entrar al portal. Me aparece un error de contraseña aunque la cambié ayer.',
    'Buenas tardes, al generar la factura del mes el sistema marca un error y no deja continuar. Adjunto los datos.',
    'Estimados, necesitamos dar de alta a dos usuarios nuevos del área de compras lo antes posible.',
    'Hola, el sistema está tardando más de un minuto en abrir cada pantalla. ¿Pueden revisarlo, por favor?',
  ],
  pt: [
    'Olá, desde ontem não consigo acessar o sistema. Aparece uma mensagem de erro de autenticação.',
    'Bom dia, a nota fiscal foi emitida com o valor errado. Poderiam verificar com urgência?',
    'Prezados, o relatório mensal não carrega e precisamos dele para o fechamento.',
  ],
  en: [
    'Hi, since this morning I cannot log in to the portal. It says my password is wrong although I reset it yesterday.',
    'Hello, the invoice for last month shows the wrong amount. Could you please check it?',
    'Hi team, exporting the report to CSV fails with an error after a few seconds.',
  ],
};

const SIGNATURES: Record<Lang, string> = {
  es: '--\nAtentamente,\n{name}\nDepartamento de Sistemas\nTel. +52 55 1234 5678',
  pt: '--\nAtenciosamente,\n{name}\nTI - Suporte interno\nTel. +55 11 3456 7890',
  en: '--\nBest regards,\n{name}\nIT department',
};

const QUOTE_HEADERS: Record<Lang, string> = {
  es: 'El lun, 23 nov 2026 a las 10:00, {from} escribió:',
  pt: 'Em seg., 23 de nov. de 2026 às 10:00, {from} escreveu:',
  en: 'On Mon, 23 Nov 2026 at 10:00, {from} wrote:',
};

const REPLY_BODIES: Record<Lang, string[]> = {
  es: ['Gracias, ya pude entrar.', 'Sigue sin funcionar, les mando una captura.', 'Les confirmo que el problema continúa desde otra computadora.'],
  pt: ['Obrigado, já consegui acessar.', 'Continua com o mesmo erro, segue o print.', 'Confirmo que o problema persiste.'],
  en: ['Thanks, it works now.', 'Still failing, screenshot attached.', 'I confirm the problem persists on another machine.'],
};

const NAMES = ['Ana Pérez', 'Luis García', 'María José Núñez', 'João Silva', 'Fernanda Souza', 'John Smith', 'Emily Clark', 'Carlos Ramírez'];
const DOMAINS: Array<{ domain: string; lang: Lang }> = [
  { domain: 'cliente.mx', lang: 'es' },
  { domain: 'empresa.com.mx', lang: 'es' },
  { domain: 'industria.es', lang: 'es' },
  { domain: 'cliente.com.br', lang: 'pt' },
  { domain: 'empresa.pt', lang: 'pt' },
  { domain: 'customer.com', lang: 'en' },
  { domain: 'example.co.uk', lang: 'en' },
];
const ATTACHMENTS = [
  { name: 'captura de pantalla.png', type: 'image/png' },
  { name: 'factura-2026-11.pdf', type: 'application/pdf' },
  { name: 'log del sistema.txt', type: 'text/plain' },
  { name: 'relatório.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  { name: 'error.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
];

export interface BacklogStats {
  newTickets: number;
  replies: number;
  withAttachments: number;
  inlineImages: number;
  html: number;
  duplicates: number;
  withoutMessageId: number;
  autoReplies: number;
  bytes: number;
}

interface Sent {
  messageId: string;
  subject: string;
  from: string;
  fromName: string;
  lang: Lang;
  text: string;
}

/** `count` raw mails in delivery order, the same for a given seed. */
export function backlog(count: number, seed = 20261128): { raws: Buffer[]; stats: BacklogStats } {
  const random = rng(seed);
  const raws: Buffer[] = [];
  const sent: Sent[] = [];
  const stats: BacklogStats = { newTickets: 0, replies: 0, withAttachments: 0, inlineImages: 0, html: 0, duplicates: 0, withoutMessageId: 0, autoReplies: 0, bytes: 0 };
  const senders = Array.from({ length: Math.max(20, Math.round(count / 6)) }, (_, i) => {
    const d = DOMAINS[i % DOMAINS.length]!;
    const name = NAMES[i % NAMES.length]!;
    return { address: `u${i}@${d.domain}`, name, lang: d.lang };
  });
  let seq = 0;
  const date = (i: number) => new Date(Date.UTC(2026, 10, 23, 16, 0, 0) + i * 37_000).toUTCString().replace('GMT', '+0000');

  while (raws.length < count) {
    const i = raws.length;
    const roll = random();
    seq++;
    if (roll < 0.05 && raws.length > 20) {
      // A re-delivery of an earlier mail, byte for byte (a retried LMTP delivery, the same mail to two addresses).
      raws.push(raws[Math.floor(random() * raws.length)] as Buffer);
      stats.duplicates++;
      continue;
    }
    if (roll < 0.07) {
      const s = pick(random, senders);
      const headers: Record<string, string> = {
        From: `"${s.name}" <${s.address}>`, To: 'support@example.test', Subject: `Fuera de la oficina: ${pick(random, SUBJECTS.es)}`,
        'Message-ID': `<ooo${seq}.${seed}@${s.address.split('@')[1]}>`, Date: date(i), 'Auto-Submitted': 'auto-replied', 'MIME-Version': '1.0',
        'Content-Type': 'text/plain; charset=utf-8', 'Content-Transfer-Encoding': '8bit',
      };
      raws.push(Buffer.from(render(headers, textPart('Estaré fuera de la oficina hasta el lunes. Para asuntos urgentes escriba a mi equipo.').body + CRLF)));
      stats.autoReplies++;
      continue;
    }
    const isReply = roll < 0.35 && sent.length > 10;
    const parent = isReply ? sent[Math.floor(random() * sent.length)]! : null;
    const sender = parent ? { address: parent.from, name: parent.fromName, lang: parent.lang } : pick(random, senders);
    const lang = sender.lang;
    const withoutMessageId = !parent && random() < 0.01;
    const messageId = `${parent ? 'r' : 't'}${seq}.${seed}@${sender.address.split('@')[1]}`;
    const subject = parent ? `${lang === 'en' ? 'Re' : lang === 'pt' ? 'RE' : 'RE'}: ${parent.subject}` : `${pick(random, SUBJECTS[lang])} (${seq})`;
    let text = parent ? pick(random, REPLY_BODIES[lang]) : pick(random, BODIES[lang]);
    if (!parent && random() < 0.3) text += lang === 'pt' ? '\n\nImpacto: Alto\nUrgência: Média' : lang === 'en' ? '\n\nImpact: high\nUrgency: medium' : '\n\nImpacto: Alto\nUrgencia: Alta';
    text += '\n\n' + SIGNATURES[lang].replace('{name}', sender.name);
    if (parent) {
      text += '\n\n' + QUOTE_HEADERS[lang].replace('{from}', `Soporte <support@example.test>`) + '\n' + parent.text.split('\n').map((l) => `> ${l}`).join('\n');
    }
    const headers: Record<string, string> = {
      From: `"${sender.name}" <${sender.address}>`,
      To: 'Soporte <support@example.test>',
      Subject: subject,
      Date: date(i),
      'MIME-Version': '1.0',
    };
    if (!withoutMessageId) headers['Message-ID'] = `<${messageId}>`;
    else stats.withoutMessageId++;
    if (parent) {
      headers['In-Reply-To'] = `<${parent.messageId}>`;
      headers.References = `<${parent.messageId}>`;
    }
    if (!parent && random() < 0.1) headers.Cc = `"Colega" <colega${seq % 50}@${sender.address.split('@')[1]}>`;

    const attach = random() < 0.1;
    const inline = !attach && random() < 0.03;
    const html = attach || inline || random() < 0.3;
    let content: { contentType: string; body: string; encoding?: string };
    const alternative = () => multipart('alternative', [textPart(text), htmlPart(toHtml(text))], `alt-${seq}`);
    if (inline) {
      const image = Buffer.from(Array.from({ length: 2_000 + Math.floor(random() * 6_000) }, () => Math.floor(random() * 256)));
      const related = multipart(
        'related',
        [
          htmlPart(`${toHtml(text)}<img src="cid:img${seq}@bench">`),
          { headers: { 'Content-Type': 'image/png; name="image001.png"', 'Content-Transfer-Encoding': 'base64', 'Content-ID': `<img${seq}@bench>`, 'Content-Disposition': 'inline; filename="image001.png"' }, body: base64Lines(image) },
        ],
        `rel-${seq}`,
      );
      content = multipart('alternative', [textPart(text), { headers: { 'Content-Type': related.contentType }, body: related.body }], `alt-${seq}`);
      stats.inlineImages++;
    } else if (attach) {
      const alt = alternative();
      const files = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
        const a = pick(random, ATTACHMENTS);
        const size = 4_000 + Math.floor(random() * 56_000);
        const bytes = Buffer.alloc(size);
        for (let b = 0; b < size; b += 4) bytes.writeUInt32LE(Math.floor(random() * 0xffffffff), Math.min(b, size - 4));
        const encodedName = `=?UTF-8?B?${Buffer.from(a.name).toString('base64')}?=`;
        return { headers: { 'Content-Type': `${a.type}; name="${encodedName}"`, 'Content-Transfer-Encoding': 'base64', 'Content-Disposition': `attachment; filename="${encodedName}"` }, body: base64Lines(bytes) };
      });
      content = multipart('mixed', [{ headers: { 'Content-Type': alt.contentType }, body: alt.body }, ...files], `mix-${seq}`);
      stats.withAttachments++;
    } else if (html) {
      content = alternative();
    } else {
      content = { contentType: 'text/plain; charset=utf-8', body: text.replace(/\r?\n/g, CRLF) + CRLF, encoding: '8bit' };
    }
    if (html) stats.html++;
    headers['Content-Type'] = content.contentType;
    if (content.encoding) headers['Content-Transfer-Encoding'] = content.encoding;
    raws.push(Buffer.from(render(headers, content.body)));
    if (parent) stats.replies++;
    else stats.newTickets++;
    if (!withoutMessageId) sent.push({ messageId, subject: parent ? parent.subject : subject, from: sender.address, fromName: sender.name, lang, text: text.split('\n\n')[0] ?? text });
  }
  stats.bytes = raws.reduce((n, r) => n + r.length, 0);
  return { raws, stats };
}
