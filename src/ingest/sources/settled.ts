// Work started now and awaited later (an early FETCH, a batch prepared ahead, the flags of a committed batch):
// its failure must not count as unhandled meanwhile, and must be thrown where it is awaited.

export type Settled<T> = { value: T } | { error: unknown };

/** A promise that never rejects. */
export function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

export function unwrap<T>(result: Settled<T>): T {
  if ('error' in result) throw result.error;
  return result.value;
}
