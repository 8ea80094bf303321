import { ErrorCode, VentanillaError } from '../errors.js';

/** An error as plain data (it crosses threads): its message, and its code when it has one. */
export interface ErrorData {
  message: string;
  code?: string;
}

/** The error again, on the side that records: a VentanillaError keeps its code, a system error its errno code. */
export function errorFrom(data: ErrorData): Error {
  if (data.code && (Object.values(ErrorCode) as string[]).includes(data.code)) return new VentanillaError(data.code as ErrorCode, data.message);
  return Object.assign(new Error(data.message), data.code ? { code: data.code } : {});
}
