/** CSV as spreadsheets read it safely: every field quoted, formulas defused, CRLF line ends. */

export function csvField(value: string): string {
  // A leading = + - @ would be read as a formula by spreadsheets (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
