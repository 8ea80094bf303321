/** UIDs as a compact IMAP set: 1,2,3,7,9,10 -> "1:3,7,9:10" (a long run of UIDs stays a short command). */
export function uidSet(uids: number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] as number;
    let end = start;
    while (i + 1 < sorted.length && (sorted[i + 1] as number) <= end + 1) end = sorted[++i] as number;
    parts.push(start === end ? String(start) : `${start}:${end}`);
  }
  return parts.join(',');
}
