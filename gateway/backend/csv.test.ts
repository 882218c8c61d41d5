import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from './csv.js';

describe('csv', () => {
  it('reads the RFC 4180 §2 examples: quoted commas, doubled quotes, line breaks in fields', () => {
    const text = 'aaa,"b,bb","c""cc"\r\nzzz,"y\r\nyy",xxx\r\n';
    expect(parseCsv(text)).toEqual({ ok: true, rows: [['aaa', 'b,bb', 'c"cc'], ['zzz', 'y\r\nyy', 'xxx']] });
  });

  it('accepts LF line ends, a byte order mark, blank lines and a missing final line break', () => {
    expect(parseCsv('\ufeffa,b\n\nc,d')).toEqual({ ok: true, rows: [['a', 'b'], ['c', 'd']] });
    expect(parseCsv('a,\n,b\n')).toEqual({ ok: true, rows: [['a', ''], ['', 'b']] });
  });

  it('reports an unterminated quote with the line it started on', () => {
    expect(parseCsv('a,b\nc,"d\ne')).toEqual({ ok: false, reason: 'unterminated quoted field', line: 2 });
  });

  it('round-trips any table of strings', () => {
    const table = fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é') }), { minLength: 2, maxLength: 4 }), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(table, (rows) => {
        expect(parseCsv(formatCsv(rows))).toEqual({ ok: true, rows });
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = parseCsv(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});
