import { ecb, unsafe } from '@noble/ciphers/aes.js';
const key = new Uint8Array(16).map((_, i) => i * 3);
const block = new Uint8Array(16);
const res: Record<string, number[]> = {};
function run(name: string, f: (i: number) => void) {
  const N = 200000; const t = performance.now();
  for (let i = 0; i < N; i++) f(i);
  (res[name] ??= []).push(Math.round(N / (performance.now() - t) * 1000));
}
const fs = {
  ecb: (i: number) => { block[15] = i; ecb(key, { disablePadding: true }).encrypt(block); },
  unsafe: (i: number) => { const b = new Uint8Array(16); b.set(block); b[15] = i; unsafe.encryptBlock(unsafe.expandKeyLE(key), b); },
};
for (let rep = 0; rep < 12; rep++) for (const [n, f] of Object.entries(fs)) run(n, f);
for (const [n, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(n, 'median', v[6], 'best', v[11]); }
