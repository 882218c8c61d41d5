import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compressEddystoneUrl, decodeEddystoneUrl, encodeEddystoneUrl } from './url.js';

const enc = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('Eddystone-URL compression', () => {
  // [SRC] AltBeacon/android-beacon-library utils/UrlBeaconUrlCompressorTest.java
  const pairs: [string, number, number[]][] = [
    ['http://www.radiusnetworks.com', 0x00, [...enc('radiusnetworks'), 0x07]],
    ['https://www.radiusnetworks.com/', 0x01, [...enc('radiusnetworks'), 0x00]],
    ['http://google.com/123', 0x02, [...enc('google'), 0x00, ...enc('123')]],
    ['http://google.ca', 0x02, enc('google.ca')],
    ['http://google.info', 0x02, [...enc('google'), 0x0b]],
    ['http://www.forums.google.com/123/456', 0x00, [...enc('forums.google'), 0x00, ...enc('123/456')]],
    // [SRC] google/eddystone eddystone-url-unit.js
    ['https://www.example.com', 0x01, [...enc('example'), 0x07]],
  ];
  for (const [url, scheme, bytes] of pairs) {
    it(url, () => {
      const r = compressEddystoneUrl(url);
      expect(r.scheme).toBe(scheme);
      expect([...r.encoded]).toEqual(bytes);
      expect(decodeEddystoneUrl(scheme, Uint8Array.from(bytes))).toEqual({ ok: true, url });
    });
  }

  it('lowercases scheme and host but keeps the path (UrlBeaconUrlCompressorTest)', () => {
    const r = compressEddystoneUrl('HTTPS://WWW.RADIUSNETWORKS.COM/C2HC48');
    expect(r.scheme).toBe(1);
    expect([...r.encoded]).toEqual([...enc('radiusnetworks'), 0x00, ...enc('C2HC48')]);
  });

  it('rejects a URL that is too long (eddystone-url-unit.js)', () => {
    expect(() => encodeEddystoneUrl('https://inbox.google.com/u/0/?pli=1')).toThrow(/allows 17/);
  });

  it('rejects other schemes, spaces and reserved bytes', () => {
    expect(() => encodeEddystoneUrl('ftp://example.com')).toThrow(RangeError);
    expect(() => encodeEddystoneUrl('http://exa mple.com')).toThrow(RangeError);
    expect(decodeEddystoneUrl(4, Uint8Array.from(enc('a')))).toMatchObject({ ok: false });
    expect(decodeEddystoneUrl(2, Uint8Array.of(0x61, 0x0e))).toEqual({ ok: false, reason: 'reserved URL byte 0x0e', offset: 1 });
    expect(decodeEddystoneUrl(2, Uint8Array.of(0x61, 0x7f))).toMatchObject({ ok: false, offset: 1 });
  });

  it('decoding never throws; every decodable URL re-encodes to a URL that decodes the same', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 1, maxLength: 17 }), (s, b) => {
        const d = decodeEddystoneUrl(s, b);
        if (!d.ok) return;
        const hostLower = /^[a-z]+:\/\/[^/?#A-Z]*(?:[/?#].*)?$/.test(d.url);
        if (!hostLower) return; // an upper-case host is normalised on encode
        const e = encodeEddystoneUrl(d.url);
        expect(decodeEddystoneUrl(e.scheme, e.encoded)).toEqual(d);
      }),
      { numRuns: 20_000 },
    );
  });
});
