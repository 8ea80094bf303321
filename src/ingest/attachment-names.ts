// What an attachment is called and stored as. Apart from the parser (parse.ts), so that what only needs these
// (an agent's attachments, agent-actions.ts) does not load mailparser.

/**
 * Attachment names come from strangers: no paths, no control characters, a bounded length. A path's base name is
 * the name ("C:\\TEMP\\x.png", "\\\\server\\share\\x.png", "C:/TEMP/x.png", "C:x.png": "x.png"); a folder alone
 * ("C:\\TEMP\\", "C:") is no name, and gets the fallback.
 */
export function safeFilename(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop()?.replace(/^[a-z]:/i, '') ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '').trim().slice(0, 200);
  return cleaned || fallback;
}

// Content a browser or a desktop would run or render as active content. A declared type comes from the
// sender and proves nothing, so such files are stored as opaque bytes: downloaded, never displayed or run.
const ACTIVE_EXTENSIONS = /\.(exe|com|bat|cmd|scr|pif|msi|msp|dll|cpl|jar|js|jse|mjs|vbs|vbe|wsf|wsh|ps1|psm1|hta|lnk|reg|sh|app|html?|xhtml|svg|xml|swf)$/i;
const ACTIVE_TYPES = /(html|javascript|ecmascript|x-msdownload|x-msdos|x-dosexec|x-executable|x-sh|svg|xml|java-archive|x-ms-shortcut|hta)/i;

export function storedContentType(declared: string | undefined, filename: string): string {
  const type = (declared || 'application/octet-stream').split(';')[0]!.toLowerCase().replace(/[^a-z0-9.+\/-]/g, '');
  return ACTIVE_EXTENSIONS.test(filename) || ACTIVE_TYPES.test(type) || !type.includes('/') ? 'application/octet-stream' : type;
}
