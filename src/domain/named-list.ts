/**
 * A list of addresses for an event's detail: the first `atMost` named (each cut to `width` characters), the rest
 * counted ("a, b and 12 more"). A mail Cc'd to hundreds would otherwise write every address into the ticket's history.
 */
export function namedList(items: readonly string[], atMost: number, width = Infinity): string {
  const rest = items.length - atMost;
  return `${items.slice(0, atMost).map((item) => item.slice(0, width)).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}
