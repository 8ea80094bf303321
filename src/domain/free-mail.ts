// Mail providers anyone may open an address at. An organisation that names one as its domain makes every one of
// their users its colleague: able to join its tickets by their "[#n]" and to be authorised with it. The npm list
// (free-email-domains) fetches its data from the network when installed, which the machines this runs on cannot
// do; these are the providers its customers write from, in the countries served and beyond.
const FREE_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com',
  'outlook.com', 'outlook.es', 'outlook.com.br', 'outlook.pt', 'outlook.com.ar', 'outlook.cl',
  'hotmail.com', 'hotmail.es', 'hotmail.com.br', 'hotmail.com.ar', 'hotmail.cl', 'hotmail.com.mx', 'hotmail.pt',
  'live.com', 'live.com.mx', 'live.com.ar', 'live.cl', 'live.com.pt', 'msn.com',
  'yahoo.com', 'yahoo.com.mx', 'yahoo.es', 'yahoo.com.ar', 'yahoo.com.br', 'yahoo.cl', 'yahoo.com.co', 'yahoo.com.pe', 'ymail.com', 'rocketmail.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com',
  'proton.me', 'protonmail.com', 'pm.me', 'tutanota.com', 'tuta.io', 'fastmail.com', 'zoho.com', 'hey.com',
  'gmx.com', 'gmx.net', 'gmx.es', 'mail.com', 'yandex.com', 'yandex.ru', 'mail.ru',
  'prodigy.net.mx', 'terra.com.mx', 'terra.com.br', 'uol.com.br', 'bol.com.br', 'ig.com.br', 'sapo.pt',
  // The internet providers' mail of the countries served, which small companies write from: Argentina, Chile,
  // Colombia, Perú, Uruguay, Bolivia, Costa Rica, República Dominicana, Ecuador, Portugal, EEUU.
  'fibertel.com.ar', 'speedy.com.ar', 'arnet.com.ar', 'ciudad.com.ar', 'vtr.net', 'terra.cl', 'une.net.co', 'etb.net.co',
  'terra.com.pe', 'speedy.com.pe', 'adinet.com.uy', 'montevideo.com.uy', 'vera.com.uy', 'entelnet.bo', 'cotas.com.bo',
  'racsa.co.cr', 'codetel.net.do', 'claro.net.do', 'andinanet.net', 'netcabo.pt', 'clix.pt', 'iol.pt', 'portugalmail.pt',
  'telepac.pt', 'comcast.net', 'att.net', 'sbcglobal.net', 'verizon.net', 'bellsouth.net', 'cox.net', 'charter.net',
  'earthlink.net', 'optonline.net', 'juno.com', 'qq.com', '163.com',
  // More of México's, Brazil's, Colombia's and Venezuela's mass providers (a review found them missing).
  'infinitummail.com', 'globo.com', 'r7.com', 'oi.com.br', 'hotmail.com.co', 'outlook.com.co', 'cantv.net', 'yahoo.com.ve',
  'hotmail.co', 'hotmail.com.pe', 'outlook.com.pe', 'live.com.co', 'live.com.pe', 'hotmail.com.ve',
]);

/** Whether `domain` (lower case) is a free mail provider's. */
export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL_DOMAINS.has(domain);
}
