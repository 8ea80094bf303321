import { ErrorCode, VentanillaError } from '../errors.js';

/**
 * The daemon's HTTP server could not listen: say which setting to change. A port in use is the common case
 * (a second `ventanilla start` on this machine, another service on 3000); a port below 1024 needs privileges.
 */
export function httpListenError(error: unknown, env: { HTTP_HOST: string; HTTP_PORT: number }): VentanillaError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const where = `${env.HTTP_HOST}:${env.HTTP_PORT}`;
  const hint =
    code === 'EADDRINUSE'
      ? `${where} is in use (another \`ventanilla start\`, or another service): stop it, or set HTTP_PORT to a free port`
      : code === 'EACCES'
        ? `${where} needs privileges this user lacks: set HTTP_PORT to 1024 or above (and put a reverse proxy in front)`
        : code === 'EADDRNOTAVAIL'
          ? `${env.HTTP_HOST} is no address of this machine: set HTTP_HOST to one of its addresses, or 0.0.0.0`
          : `cannot listen on ${where} (${(error as Error)?.message ?? String(error)}): check HTTP_HOST and HTTP_PORT`;
  // The host's own errors name HTTP_HOST: the line began "HTTP_PORT:" and then asked to set HTTP_HOST.
  const setting = code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? 'HTTP_HOST' : 'HTTP_PORT';
  return new VentanillaError(ErrorCode.CONFIG_INVALID, `${setting}: ${hint}`, {}, { cause: error });
}
