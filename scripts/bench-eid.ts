/**
 * Eddystone crypto throughput on one core: computeEid()/s and EidResolver.resolve()/s, plus the
 * AES variants that motivated protocol/ble/crypto/aes.ts and the resolver's memory per entry.
 * Run: node --import tsx scripts/bench-eid.ts   (add --expose-gc for the memory figure)
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  EidResolver,
  aes128EncryptBlock,
  aes128Encryptor,
  computeEid,
  decryptTlm,
  eidFromTemporaryKey,
  encryptTlm,
  temporaryKey,
} from '../protocol/ble/crypto/index.js';
import { bench, fmt, machine, table } from './bench-harness.js';

const W0 = 1_700_000_000_000;
const ikFor = (i: number) => sha256(new TextEncoder().encode(`bench-${i}`)).slice(0, 16);

function aesRows() {
  const key = ikFor(0);
  const block = new Uint8Array(16);
  const enc = aes128Encryptor(key);
  return [
    bench('aes128EncryptBlock (noble ecb, key expanded per call)', (i) => {
      block[15] = i;
      aes128EncryptBlock(key, block);
    }),
    bench('noble unsafe expandKeyLE + encryptBlock per call', (i) => {
      const b = new Uint8Array(16);
      b[15] = i;
      unsafe.encryptBlock(unsafe.expandKeyLE(key), b);
    }),
    bench('aes128Encryptor (key expanded once)', (i) => {
      block[15] = i;
      enc(block);
    }),
  ];
}

function eidRows() {
  const keys = Array.from({ length: 256 }, (_, i) => ikFor(i));
  const tk = temporaryKey(keys[0]!, 65280);
  const plain = new Uint8Array(12).fill(7);
  const sealed = encryptTlm(keys[0]!, 10, 65280, 0x1234, plain);
  return [
    bench('computeEid (TK + EID: 2 AES blocks, 2 key schedules)', (i) => void computeEid(keys[i & 255]!, 10, 65280 + i)),
    bench('eidFromTemporaryKey (TK already known)', (i) => void eidFromTemporaryKey(tk, 10, i & 0xffff)),
    bench('decryptTlm (EAX: 3 CMAC + CTR)', () => void decryptTlm(keys[0]!, 10, 65280, sealed.etlm, sealed.salt, sealed.mic)),
  ];
}

function resolverRows(beacons: number) {
  const r = new EidResolver({ skewSeconds: 600 });
  const keys: Uint8Array[] = [];
  for (let i = 0; i < beacons; i++) {
    keys.push(ikFor(1000 + i));
    r.register({ beaconId: `b${i}`, identityKey: keys[i]!, exponent: 10, beaconSecondsAt: 65_000 + i * 37, wallMsAt: W0 });
  }
  const t0 = process.hrtime.bigint();
  r.refresh(W0);
  const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const eids = keys.map((k, i) => computeEid(k, 10, 65_000 + i * 37).eid);
  const hexes = eids.map((e) => Buffer.from(e).toString('hex'));
  const unknown = Array.from({ length: 256 }, (_, i) => computeEid(ikFor(-1 - i), 10, 65_000).eid);
  // Moving clock: 1 ms of wall time per lookup, so refreshes (rotations, TK roll-overs) are in the figure.
  let clock = W0;
  const rows = [
    bench(`resolve, ${beacons} beacons, hit, bytes, fixed now`, (i) => void r.resolve(eids[i % beacons]!, W0)),
    bench(`resolve, ${beacons} beacons, hit, hex (reused strings: hash cached)`, (i) => void r.resolve(hexes[i % beacons]!, W0)),
    bench(`resolve, ${beacons} beacons, miss (unknown EID)`, (i) => void r.resolve(unknown[i & 255]!, W0)),
    bench(`resolve, ${beacons} beacons, clock advancing 1 ms/lookup`, (i) => void r.resolve(eids[i % beacons]!, (clock += 1))),
  ];
  return { rows, coldMs, stats: r.stats(), simulatedS: (clock - W0) / 1000 };
}

function memoryPerEntry(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return 'run with --expose-gc for a memory figure';
  const r = new EidResolver({ skewSeconds: 600, maxEntries: 1 << 22 });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 2000; i++) {
    r.register({ beaconId: `m${i}`, identityKey: ikFor(5000 + i), exponent: 4, beaconSecondsAt: 100_000 + i, wallMsAt: W0 });
  }
  r.refresh(W0);
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  const { entries } = r.stats();
  return `${entries} entries (2000 beacons, K=4, ±600 s): ${(bytes / 2 ** 20).toFixed(1)} MiB, ${Math.round(bytes / entries)} B/entry incl. beacon state`;
}

console.log(`Eddystone crypto benchmark — ${machine()}`);
aesRows(); // first pass only warms the shared AES code, so no variant is charged for its JIT
table('AES-128 single block', aesRows(), 'blocks/s');
table('EID / eTLM', eidRows());
for (const n of [500, 10_000]) {
  const { rows, coldMs, stats, simulatedS } = resolverRows(n);
  table(`EidResolver (K=10, ±600 s), ${n} beacons`, rows, 'lookups/s');
  console.log(
    `  first refresh (all ${n} windows): ${coldMs.toFixed(1)} ms; entries ${stats.entries}; ` +
      `TK computations ${stats.tkComputations}; EID computations ${stats.eidComputations} over ${fmt(simulatedS)} simulated s`,
  );
}
console.log(`\nResolver memory: ${memoryPerEntry()}`);
