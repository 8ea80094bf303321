import { pino, type Logger } from 'pino';

// Logs go to stderr so that the CLI's stdout (tables, --json) stays machine-readable.
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'ventanilla' } }, pino.destination(2));
}

export type { Logger };
