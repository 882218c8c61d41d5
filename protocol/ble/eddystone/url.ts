/**
 * Eddystone-URL compression (google/eddystone eddystone-url/README.md): a scheme prefix byte, then
 * printable ASCII with expansion codes 0x00–0x0D. 0x0E–0x20 and 0x7F–0xFF are reserved.
 */

export const URL_SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'] as const;

export const URL_EXPANSIONS = [
  '.com/', '.org/', '.edu/', '.net/', '.info/', '.biz/', '.gov/',
  '.com', '.org', '.edu', '.net', '.info', '.biz', '.gov',
] as const;

/** The encoded URL (after the scheme byte) is 1–17 bytes: a frame's service data is ≤ 20 bytes. */
export const URL_MAX_ENCODED = 17;

export type UrlDecodeResult = { ok: true; url: string } | { ok: false; reason: string; offset: number };

export function decodeEddystoneUrl(scheme: number, encoded: Uint8Array): UrlDecodeResult {
  const prefix = URL_SCHEMES[scheme];
  if (prefix === undefined) return { ok: false, reason: `reserved URL scheme prefix 0x${scheme.toString(16)}`, offset: 0 };
  let url = prefix;
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded[i]!;
    if (c < URL_EXPANSIONS.length) url += URL_EXPANSIONS[c];
    else if (c >= 0x21 && c <= 0x7e) url += String.fromCharCode(c);
    else return { ok: false, reason: `reserved URL byte 0x${c.toString(16).padStart(2, '0')}`, offset: i };
  }
  return { ok: true, url };
}

// Longest expansion first so ".com/" wins over ".com".
const BY_LENGTH = URL_EXPANSIONS.map((text, code) => ({ text, code })).sort((a, b) => b.text.length - a.text.length);

/**
 * Compresses a URL without the frame's length limit (what android-beacon-library's compressor
 * tests pin down). Scheme and host are case-insensitive and lowercased; the path keeps its case
 * (android-beacon-library UrlBeaconUrlCompressorTest: HTTPS://WWW.RADIUSNETWORKS.COM/C2HC48).
 * Throws RangeError when the URL cannot be sent (unknown scheme, non-printable byte, too long).
 */
export function compressEddystoneUrl(url: string): { scheme: number; encoded: Uint8Array } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url.trim());
  if (!m) throw new RangeError(`not an absolute http(s) URL: ${JSON.stringify(url)}`);
  const normalized = m[1]!.toLowerCase() + m[2]!.toLowerCase() + m[3]!;
  // Prefer the longest prefix: "https://www." over "https://".
  let scheme = -1;
  URL_SCHEMES.forEach((p, i) => {
    if (normalized.startsWith(p) && (scheme < 0 || p.length > URL_SCHEMES[scheme]!.length)) scheme = i;
  });
  if (scheme < 0) throw new RangeError(`Eddystone-URL supports only http:// and https://, got ${JSON.stringify(url)}`);
  const rest = normalized.slice(URL_SCHEMES[scheme]!.length);
  const bytes: number[] = [];
  for (let i = 0; i < rest.length; ) {
    const hit = BY_LENGTH.find((e) => rest.startsWith(e.text, i));
    if (hit) {
      bytes.push(hit.code);
      i += hit.text.length;
      continue;
    }
    const c = rest.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw new RangeError(`URL character ${JSON.stringify(rest[i])} cannot be sent in Eddystone-URL`);
    bytes.push(c);
    i++;
  }
  if (bytes.length === 0) throw new RangeError('URL is empty after its scheme');
  return { scheme, encoded: Uint8Array.from(bytes) };
}

/** Compresses and checks that the result fits a frame (1–17 bytes after the scheme byte). */
export function encodeEddystoneUrl(url: string): { scheme: number; encoded: Uint8Array } {
  const r = compressEddystoneUrl(url);
  if (r.encoded.length > URL_MAX_ENCODED) {
    throw new RangeError(`URL encodes to ${r.encoded.length} bytes, Eddystone-URL allows ${URL_MAX_ENCODED}: ${JSON.stringify(url)}`);
  }
  return r;
}
