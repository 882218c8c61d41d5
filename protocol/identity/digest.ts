/** The two digests the identity module emits, and recognisers for digests it is handed. */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Lowercase hex SHA-256 of the UTF-8 bytes: the form both Google and Meta expect (§6.3). */
export function sha256Hex(s: string): string {
  return bytesToHex(sha256(utf8ToBytes(s)));
}

export function hmacSha256Hex(key: Uint8Array, message: string): string {
  return bytesToHex(hmac(sha256, key, utf8ToBytes(message)));
}

/** 64 hex digits, either case: a SHA-256 someone already computed. */
export function isSha256Hex(s: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(s);
}

/** 32 hex digits: what Meta's SDK accepts as an MD5 (normalize.py `md5_pattern`). */
export function isMd5Hex(s: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(s);
}
