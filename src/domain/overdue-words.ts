// "Pago Pendiente", "Certificado Vencido", "Payment Pending" below a customer's name are a complaint with no verb
// in it: something they are owed or use is still pending or out of date. Below the same name, the same adjectives
// name a department's business: "Gerente De Cartera Vencida", "Cuentas Pendientes", "Overdue Accounts Team" are
// job and department lines (signature-block.ts). What the adjective qualifies tells them apart. No grammar is
// parsed: a line that names an account book, a department or a role is the sender's job ("Cobranza De Facturas
// Vencidas" too: the department's work, not the customer's complaint); one that names only a thing owed or used
// is a complaint; one that names neither ("Vencido" alone) stays a signature line, as it was.
// Pure: no I/O. Words come folded: lower case, no accents ("Contraseña" as "contrasena").

/** Still owed or out of date. */
const OVERDUE = new Set([
  'pendiente', 'pendientes', 'pendente', 'pendentes', 'vencido', 'vencida', 'vencidos', 'vencidas', 'caducado', 'caducada',
  'caducados', 'caducadas', 'expirado', 'expirada', 'expirados', 'expiradas', 'pending', 'expired', 'overdue',
]);

/**
 * What a customer is owed or uses: a payment, a document, what signs one, a licence, a password, a refund, an
 * order, their own account ("Cuenta Vencida", "Account Expired"; the books are the plural, below).
 */
const OWED_OR_USED = new Set([
  // es
  'pago', 'pagos', 'factura', 'facturas', 'nota', 'notas', 'complemento', 'complementos', 'cfdi', 'xml', 'certificado',
  'certificados', 'csd', 'fiel', 'efirma', 'timbre', 'timbres', 'timbrado', 'sello', 'sellos', 'licencia', 'licencias',
  'suscripcion', 'membresia', 'poliza', 'contrasena', 'contrasenas', 'clave', 'acceso', 'cuenta', 'reembolso', 'reembolsos',
  'devolucion', 'devoluciones', 'pedido', 'pedidos', 'orden', 'envio', 'entrega',
  // pt
  'pagamento', 'pagamentos', 'fatura', 'faturas', 'boleto', 'boletos', 'licenca', 'licencas', 'assinatura', 'senha', 'senhas',
  'conta', 'estorno', 'estornos', 'devolucao',
  // en
  'payment', 'payments', 'invoice', 'invoices', 'bill', 'certificate', 'certificates', 'stamp', 'seal', 'license', 'licence',
  'licenses', 'licences', 'subscription', 'password', 'passwords', 'account', 'refund', 'refunds', 'order', 'orders',
  'delivery', 'shipment',
]);

/** Account books, departments and roles: "Cartera Vencida", "Gerente De ...", "... Team". */
const BOOKS_AND_ROLES = new Set([
  // es
  'cartera', 'cuentas', 'cobranza', 'cobranzas', 'departamento', 'depto', 'area', 'gerente', 'gerencia', 'jefe', 'jefa',
  'jefatura', 'director', 'directora', 'direccion', 'coordinador', 'coordinadora', 'coordinacion', 'analista', 'ejecutivo',
  'ejecutiva', 'gestor', 'gestora', 'auxiliar', 'asistente', 'encargado', 'encargada', 'responsable', 'supervisor',
  'supervisora', 'especialista', 'contador', 'contadora', 'equipo', 'oficina',
  // pt
  'carteira', 'contas', 'cobranca', 'setor', 'diretor', 'diretora', 'diretoria', 'coordenador', 'coordenadora', 'equipe',
  // en
  'accounts', 'receivable', 'receivables', 'payable', 'payables', 'collection', 'collections', 'team', 'department', 'dept',
  'desk', 'manager', 'officer', 'specialist', 'clerk', 'analyst', 'coordinator', 'head', 'unit', 'division',
]);

/** True when the folded words say that something the customer is owed or uses is still pending or out of date. */
export function saysSomethingIsOverdue(folded: string[]): boolean {
  return (
    folded.some((word) => OVERDUE.has(word)) &&
    folded.some((word) => OWED_OR_USED.has(word)) &&
    !folded.some((word) => BOOKS_AND_ROLES.has(word))
  );
}
