// Text for a Markdown table cell (the change ticket, the Mac contrast table, the
// policy docs): a pipe would end the cell and a line break the row.
export function markdownCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
