// A subject that says nothing of its case: "Consulta", "Duda", "Question", "Hola, buenos días", "Urgente". Many
// customers write one, and write it again for their next question: held to it, a later mail under the same word
// (or one holding it, "Consulta sobre nómina", "Holanda") is no evidence of the same conversation (thread-refs.ts
// repliesUnderAnotherSubject). A number ("Consulta 4521": an invoice, an order) or any other word makes it specific.

// Spanish, Portuguese and English, without accents: greetings, courtesy, the kinds of request and the small words
// that tie them ("una duda", "a question about"; "about" alone names nothing).
const GENERIC_WORDS = new Set(
  (
    'consulta consultas duda dudas pregunta preguntas hola holi buenas buenos buen dia dias tardes tarde noches noche saludo saludos ' +
    'estimado estimados estimada estimadas ayuda ayudar ayudenme apoyo soporte tecnico problema problemas error errores falla fallas ' +
    'urgente urgencia importante info informacion solicitud solicitudes pedido requerimiento incidente incidencia caso ticket ' +
    'mensaje correo atencion favor porfavor por gracias necesito tengo una un uno la el los las de del al mi mis sobre otra otro nueva nuevo ' +
    'rapida rapido pequena asunto prueba sin ' +
    'ola oi bom boa duvida duvidas questao questoes ajuda suporte pedido informacao obrigado obrigada preciso uma um o a os as do da ' +
    'question questions query inquiry enquiry hello hi hey dear good morning afternoon evening help support problem problems issue issues ' +
    'request requests urgent important information need quick small please thanks thank you new another my about test'
  ).split(' '),
);

/** The subject's words, lower case, accents and punctuation aside. */
function wordsOf(subject: string): string[] {
  return subject
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Whether every word of a ticket's subject is a generic one (at least one word; a digit makes it specific). */
export function isGenericSubject(subject: string): boolean {
  const words = wordsOf(subject);
  return words.length > 0 && words.every((w) => GENERIC_WORDS.has(w));
}
