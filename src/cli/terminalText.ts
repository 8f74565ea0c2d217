/**
 * Text from the ledger (addresses, failure messages, file names) is attacker-controlled: a sender can
 * put terminal escape sequences or bidirectional overrides into a recipient address or an SMTP
 * message. Human output shows such characters as visible `\uXXXX` escapes instead of letting the
 * terminal act on them; JSON output is left exact (JSON.stringify escapes C0 controls itself).
 *
 * Escaped: C0 controls except line feed and tab, DEL, C1 controls (which include the 8-bit CSI), the
 * bidi embeddings, overrides, isolates and marks, and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_FOR_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One CSV cell (RFC 4180 quoting). A text cell starting with `=`, `+`, `-`, `@`, tab or carriage return
 * is prefixed with `'`, so a spreadsheet shows it as text instead of running it as a formula (OWASP,
 * "CSV Injection"). Numbers are written as they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
