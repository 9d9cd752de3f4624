// CSV for the data export: RFC 4180 quoting, a UTF-8 byte order mark first (so spreadsheet apps read Chinese
// correctly), and cells that a spreadsheet would run as a formula (=, +, -, @ first) prefixed with a quote.
export const UTF8_BOM = '\uFEFF';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One table as CSV lines: the header, then a line per row. */
export function csvTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string[] {
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))];
}

/** Sections in one file: each `# <name>` line, then its table, a blank line between them; BOM first, CRLF lines. */
export function csvDocument(
  sections: { name: string; columns: readonly string[]; rows: readonly Record<string, unknown>[] }[],
) {
  return UTF8_BOM + sections.map((s) => [`# ${s.name}`, ...csvTable(s.columns, s.rows)].join('\r\n')).join('\r\n\r\n') +
    '\r\n';
}
