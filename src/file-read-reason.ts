/**
 * Why a file the operator named (`--body-file`, `--attach`) could not be read, in words with the system's code:
 * "Cannot read x" alone left them to guess between a typo, a folder and another user's file.
 */
export function fileReadReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const words: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a folder', EACCES: 'this user may not read it', EPERM: 'this user may not read it' };
  if (code && words[code]) return `${words[code]} (${code})`;
  return (error as Error | null)?.message ?? String(error);
}
