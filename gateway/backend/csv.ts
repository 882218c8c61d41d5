/**
 * CSV as RFC 4180 describes it: fields separated by commas, records by CRLF (LF accepted), a field
 * with a comma, quote or line break is quoted and its quotes doubled. CRM exports arrive in this
 * form, and audience files leave in it (Google Customer Match and Meta customer lists take CSV).
 * Parsing never throws: an unterminated quote is a typed error with the line it started on.
 */

export type CsvResult = { ok: true; rows: string[][] } | { ok: false; reason: string; line: number };

/** Parses CSV text into rows of fields. A UTF-8 byte order mark and blank lines are skipped. */
export function parseCsv(text: string): CsvResult {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else field += c;
  }
  if (quoted) return { ok: false, reason: 'unterminated quoted field', line: quoteLine };
  if (field !== '' || row.length > 0) endRow();
  return { ok: true, rows };
}

/** One CSV field, quoted only when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Rows → CSV text with CRLF line ends (RFC 4180 §2.1) and a final line break. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}
