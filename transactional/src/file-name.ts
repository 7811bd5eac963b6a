import { Problem } from './problem.js';

/** Characters that look like or act as path separators, dots or direction changes once rendered. */
const LOOK_ALIKES = /[\u2024\u2025\u2026\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe52\uff0e\uff0f\uff3c\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const RESERVED_CHARS = /[/\\:*?"<>|]/;
/** Longest name in UTF-8 bytes (what ext4, NTFS and APFS all accept). */
export const MAX_NAME_BYTES = 255;

/**
 * A file or folder name as staff see it. Names never reach the filesystem (contents are stored by
 * hash), but they do reach WebDAV clients' disks: anything that could climb a path there, hide an
 * extension or break a Windows or macOS client is refused with `file.name_invalid`.
 */
export function checkName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  const refuse = (why: string): never => {
    throw new Problem('file.name_invalid', why);
  };
  if (name.length === 0) refuse('the name is empty');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) refuse(`the name is longer than ${MAX_NAME_BYTES} bytes`);
  if (CONTROL.test(name)) refuse('the name holds a control character (NUL, newline, …)');
  if (RESERVED_CHARS.test(name)) refuse('the name holds one of / \\ : * ? " < > |');
  if (LOOK_ALIKES.test(name) || RESERVED_CHARS.test(name.normalize('NFKC')))
    refuse('the name holds a character that looks like a path separator, a dot or a direction mark');
  if (name === '.' || name === '..' || name.normalize('NFKC').replace(/\s/g, '') === '..') refuse('the name is a path step');
  if (name.endsWith('.')) refuse('the name ends with a dot');
  if (WINDOWS_RESERVED.test(name)) refuse('the name is reserved on Windows');
  return name;
}

/** A name's extension, lower case, without the dot ('' when none). */
export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}
