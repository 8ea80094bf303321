import { describe, expect, it } from 'vitest';
import { isOnlyThanks } from '../../../src/domain/thanks.js';

// Outlook writes its signature with no "-- " line above it: a customer's "¡Gracias!" came with their name, job,
// company, phones, address and the company's disclaimer, was taken for more than thanks, and reopened the solved
// ticket. A signature after the thanks is no more than thanks; anything a customer writes around it still is.

const ana = { name: 'Ana Pérez', address: 'ana.perez@cliente.mx' };

const SPANISH_BLOCK = [
  'Ana Pérez',
  'Gerente de Sistemas',
  'Comercializadora del Norte S.A. de C.V.',
  'Tel. +52 (55) 1234 5678 Ext. 204 | Cel. 55 8765 4321',
  'Av. Paseo de la Reforma 222, Piso 8, Col. Juárez, C.P. 06600, Ciudad de México',
  'www.comnorte.com.mx',
  '',
  'AVISO DE CONFIDENCIALIDAD: Este correo electrónico y sus anexos son confidenciales y para uso exclusivo del',
  'destinatario. Si usted no es el destinatario, notifique al remitente y elimínelo de su sistema.',
].join('\n');

const CONTACT = 'Ana Pérez\nTel. 55 1234 5678\nana.perez@cliente.mx';

describe('thanks followed by a signature without "-- " (Outlook)', () => {
  it.each([
    ['a Spanish Outlook signature with a disclaimer', `¡Gracias!\n\n${SPANISH_BLOCK}`],
    ['a sign-off before it', `Muchas gracias, ya funciona.\n\nSaludos cordiales,\n\n${SPANISH_BLOCK}`],
    [
      'a Portuguese one, name and title on one line, and an eco line',
      [
        'Muito obrigada pela ajuda!', '', 'Cumprimentos,', 'Ana Pérez | Analista Fiscal', 'Empresa Exemplo, Lda.', 'T: +351 21 123 4567 | M: +351 91 234 5678',
        'ana.perez@cliente.pt', 'Rua Augusta 100, 1100-053 Lisboa', '',
        'Esta mensagem e quaisquer anexos são confidenciais e destinados exclusivamente ao destinatário indicado. Se não for o destinatário, apague-a e avise o remetente.',
        '', 'Antes de imprimir este e-mail, pense no meio ambiente.',
      ].join('\n'),
    ],
    [
      'an English one, the name without its accent, the logo Outlook writes as [cid:...]',
      [
        'Thanks!', '', 'Ana Perez', 'IT Manager | Cliente Inc.', 'Office: +1 (305) 555-0142', 'Mobile: +1 (305) 555-0199',
        '1200 Brickell Ave, Suite 400, Miami, FL 33131', '[cid:image001.png@01DA2B3C.4D5E6F70]', '',
        'CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use of the intended recipient(s) and may contain confidential and privileged information.',
      ].join('\n'),
    ],
    ['a title before the name and a second surname', 'Gracias.\n\nLic. Ana Pérez Gómez\nContadora General\nTel. 55 1234 5678 ext. 104\nana.perez@cliente.mx'],
    [
      "Outlook's HTML-only mail as text: no blank lines, the web address with its link, the notice right below",
      '¡Gracias!\nAna Pérez\nGerente de Sistemas\nComercializadora del Norte S.A. de C.V.\nTel. +52 (55) 1234 5678 | Cel. 55 8765 4321\n' +
        'www.comnorte.com.mx <http://www.comnorte.com.mx/>\nAVISO DE CONFIDENCIALIDAD: Este correo y sus anexos son confidenciales y para uso exclusivo del destinatario.',
    ],
    ['contact icons', 'Gracias!\n\nAna Pérez\n📞 55 1234 5678\n✉ ana.perez@cliente.mx'],
    ['a department of overdue accounts', 'Gracias!\n\nAna Pérez\nGerente De Cartera Vencida\nCuentas Por Cobrar\nTel. 55 1234 5678'],
  ])('%s is only thanks', (_why, text) => {
    expect(isOnlyThanks(text, ana)).toBe(true);
  });

  it.each([
    ['a problem before the signature', `¡Gracias! Pero sigue fallando el timbrado.\n\n${SPANISH_BLOCK}`],
    ['a question before the signature', `Gracias. ¿Y el XML del folio 1234?\n\n${SPANISH_BLOCK}`],
    ['a disapproving emoji before the signature', `Gracias 👎\n\n${SPANISH_BLOCK}`],
    ['a new problem below the name', 'Gracias!\n\nAna Pérez\nAhora no puedo cancelar facturas\nTel. 55 1234 5678'],
    ['a question inside the block', `Gracias!\n\n${CONTACT}\n¿Pueden llamarme?`],
    ['a request written in capitals inside the block', 'Gracias!\n\nAna Pérez\nEL XML TAMPOCO LLEGÓ\nTel. 55 1234 5678'],
    ['a sentence between the signature and the notice', `Gracias!\n${CONTACT}\nMañana les mando el XML que falta.\nAVISO DE CONFIDENCIALIDAD: Este correo es confidencial.`],
    ['a paragraph after the block', `Gracias!\n\n${CONTACT}\n\nPor cierto, el reporte de ventas sale vacío desde ayer.`],
    ['a request in capitalised words inside the block', `Thanks!\n\n${CONTACT}\nCan You Call Me`],
    ['another invoice in capitalised words inside the block', `Gracias!\n\n${CONTACT}\nOtra Factura Con El Mismo Error`],
    ['a phone number in a sentence', 'Gracias!\n\nAna Pérez\nLlámenme al 55 1234 5678, sigue el error'],
    ['someone else signing', 'Gracias!\n\nLuis Gómez\nGerente de Sistemas\nTel. 55 1234 5678'],
    ['no name to start the block', 'Gracias!\n\nTel. 55 1234 5678\nSigue Sin Timbrar'],
    ['more than thanks before the name', `Gracias, ${'ya revisé todo '.repeat(10)}\n\n${CONTACT}`],
    ['a question without its mark, in capitalised words, below the name', 'Gracias!\n\nAna Pérez\nComo Descargo La Factura\nTel. 55 1234 5678'],
    ['a Portuguese question without its mark below the name', 'Obrigada!\n\nAna Pérez\nOnde Está O Boleto'],
    ['an English question without its mark inside the block', `Thanks!\n\n${CONTACT}\nWhy Was I Charged Twice`],
    ['a postscript below the signature', `Gracias!\n\n${CONTACT}\nP.D. Falta el XML`],
    ['a postscript with a colon', `Thanks!\n\n${CONTACT}\nPS: The PDF`],
    ['a postscript right below the company notice', `Gracias!\n${CONTACT}\nAVISO DE CONFIDENCIALIDAD: Este correo es confidencial.\nP.D. Falta el XML`],
    ['a postscript below a notice of several lines', `Gracias!\n\n${SPANISH_BLOCK}\nPD: la factura 120 llegó vacía`],
    ['a missing file in capitalised words below the name', 'Gracias!\n\nAna Pérez\nFalta el XML\nTel. 55 1234 5678'],
    ['a complaint with no verb in a paragraph after the block', 'Gracias!\n\nAna Pérez\nContador Público\nDespacho Fiscal Pérez S.C.\n\nDoble Cobro'],
    ['a payment still pending in a paragraph after the block', 'Gracias!\n\nAna Pérez\nContador Público\nDespacho Fiscal Pérez S.C.\n\nPago Pendiente'],
  ])('%s is not', (_why, text) => {
    expect(isOnlyThanks(text, ana)).toBe(false);
  });
});

// Some customers write every word with a capital. A complaint so written below their name read as a job or
// company line: the thanks above it kept the ticket solved, and the complaint was missed. A sentence (a verb,
// a person) is never a signature line; a job, a company, an address is.
describe('a line in capitalised words below the name', () => {
  const COMPLAINTS = [
    // es
    'La Factura Llegó Vacía', 'El Sistema Se Cae Al Timbrar', 'Me Cobraron Dos Veces', 'El Reporte Está Incompleto',
    'La Póliza Quedó Descuadrada', 'Nos Llegó Un Cargo Duplicado', 'Los Montos Están Mal', 'El PDF Sale En Blanco',
    'Se Duplicó El Folio', 'Hay Un Cargo Extra', 'Esto Es Inaceptable', 'Quiero Hablar Con Un Supervisor',
    'Se Perdieron Los Datos', 'El Timbrado Tarda Mucho', 'Me Aparece El Mismo Mensaje', 'Mi Factura Tiene Otro RFC',
    'El Folio 120 Salió Duplicado', 'Las Facturas Siguen Sin Llegar', 'Revisaron Mal Mi Caso', 'Factura Vacía',
    'Los Montos Son Incorrectos', 'Urge Respuesta', 'El Timbre Fallido', 'Funciona Mal', 'Pésimo Servicio',
    'Llevo Tres Días Esperando', 'Esperamos Su Respuesta', 'Revisen El Folio 120', 'Wrong Total On Invoice',
    // with neither a verb nor a pronoun: a charge, a document or the system and what is wrong with it
    'Doble Cobro', 'Cobro Doble', 'Factura Duplicada', 'Cargo No Reconocido', 'Timbrado Caído', 'Portal Caído', 'Error 500 Portal',
    'Acceso Bloqueado', 'Timbre Rechazado', 'Pago Rechazado', 'Factura Cancelada', 'Saldo Incorrecto', 'Sistema Lento',
    // something the customer is owed or uses, still pending or expired ("Cartera Vencida" below is a department)
    'Pago Pendiente', 'Factura Pendiente', 'Certificado Vencido', 'Timbre Vencido', 'Sello Vencido', 'Licencia Vencida',
    'Contraseña Vencida', 'Reembolso Pendiente', 'Devolución Pendiente', 'Pedido Pendiente', 'Facturas Pendientes',
    'Certificado De Sello Digital Vencido', 'Licencia Caducada', 'Cuenta Vencida',
    // pt
    'A Fatura Veio Vazia', 'O Sistema Continua Travando', 'O Relatório Está Errado', 'A Nota Fiscal Chegou Em Branco',
    'Cobraram Duas Vezes', 'A Fatura É Inválida', 'O Boleto Sumiu', 'Meu Acesso Foi Bloqueado',
    'Cobrança Em Dobro', 'Nota Fiscal Rejeitada', 'Boleto Duplicado', 'Acesso Bloqueado', 'Sistema Travado',
    'Pagamento Pendente', 'Nota Fiscal Pendente', 'Boleto Vencido', 'Senha Expirada', // "Certificado Vencido" as in es
    // en
    'The Invoice Came Empty', 'The Report Is Wrong', 'Invoice Was Blank', 'Nothing Has Changed', 'I Was Charged Twice',
    'We Lost All The Data', 'My Invoice Shows The Wrong Total', 'It Keeps Crashing',
    'Double Charge', 'Charged Twice', 'Payment Declined', 'Account Locked', 'Invoice Rejected', 'Portal Outage',
    'Payment Pending', 'Certificate Expired', 'Invoice Overdue', 'Refund Pending', 'Pending Refund', 'Expired Password',
    'License Expired', 'Overdue Invoice', 'Account Expired',
  ];
  const SIGNATURE_LINES = [
    'Grupo Industrial Del Norte', 'Gerente De Compras', 'Av. Reforma 222', 'Director General', 'Jefe De Sistemas',
    'Contador Público', 'Ejecutiva De Cuenta', 'Departamento De Contabilidad', 'Col. Juárez, Cuauhtémoc', 'Ciudad De México',
    'Cuentas Por Pagar', 'Facturación Y Cobranza', 'Recursos Humanos', 'Atención A Clientes', 'Coordinación Administrativa',
    'Torre Mayor Piso 12', 'Comercializadora Del Norte S.A. De C.V.', 'Servicios Integrales Del Bajío', 'El Palacio De Hierro',
    'São Paulo - SP', 'Praça Da Sé 100', 'Rua Augusta 100, Lisboa', 'Diretora Financeira', 'Empresa Exemplo, Lda.',
    'Sales Manager', 'Head Of IT', 'Customer Success Manager', 'Detroit, MI 48201', 'Aracaju - SE', 'Vitória - ES',
    'The Home Depot', 'Estados Unidos', 'Analista De Sistemas Sr.', 'Gerente De Marca', 'Coordinador De Mejora Continua',
    'Gestor De Cobranza', 'Johnson & Son', 'Banco Do Brasil', 'São José Dos Campos - SP', 'Point Of Sale Specialist', 'Orlando, FL 32801', 'From My Iphone 6',
    'Contador', 'Gerente de Ventas', 'Despacho Fiscal Pérez S.C.', 'Gerente De Cartera Vencida', 'Person In Charge',
    'Juiz De Fora - MG',
    // pending or overdue accounts are a department's business, not a complaint
    'Cartera Vencida', 'Cuentas Pendientes', 'Cuentas Por Cobrar', 'Departamento De Cobranza', 'Crédito Y Cobranza',
    'Jefe De Cartera Vencida', 'Cobranza De Facturas Vencidas', 'Carteira Vencida', 'Contas A Receber',
    'Accounts Payable', 'Overdue Accounts Team', 'Past Due Accounts', 'Collections Department', 'Patent Pending',
  ];

  it.each(COMPLAINTS)('"%s" is more than thanks', (line) => {
    expect(isOnlyThanks(`¡Gracias!\nAna\n${line}`, ana)).toBe(false);
    expect(isOnlyThanks(`Thanks!\n\nAna Pérez\n${line}\nTel. 55 1234 5678`, ana)).toBe(false);
  });

  it.each(SIGNATURE_LINES)('"%s" is a signature line', (line) => {
    expect(isOnlyThanks(`¡Gracias!\nAna\n${line}`, ana)).toBe(true);
    expect(isOnlyThanks(`Thanks!\n\nAna Pérez\n${line}\nTel. 55 1234 5678`, ana)).toBe(true);
  });
});
