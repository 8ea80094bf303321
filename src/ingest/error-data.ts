import { ErrorCode, VentanillaError } from '../errors.js';

// A preparation's error as it crosses from the preparation worker to the thread that records (prepare-raw.ts).

/** An error as plain data (it crosses threads): its message, and its code when it has one. */
export interface ErrorData {
  message: string;
  code?: string;
}

export function errorData(error: unknown): ErrorData {
  const code = (error as { code?: unknown })?.code;
  return { message: (error as Error)?.message ?? String(error), ...(typeof code === 'string' ? { code } : {}) };
}

/** The error again, on the side that records: a VentanillaError keeps its code, a system error its errno code. */
export function errorFrom(data: ErrorData): Error {
  if (data.code && (Object.values(ErrorCode) as string[]).includes(data.code)) return new VentanillaError(data.code as ErrorCode, data.message);
  return Object.assign(new Error(data.message), data.code ? { code: data.code } : {});
}
