/** Pure sensor codecs: HLK-LD2410 family and LD2450 radars, touch-bridge lines (TP1 + import formats). */
export * as ld24xx from './ld24xx/index.js';
export * as ld2410 from './ld2410/index.js';
export * as ld2450 from './ld2450/index.js';
export * as touch from './touch/index.js';
export { type HexResult, hex, parseHex, toHex } from './bytes.js';
export type { Decoded } from './codec.js';
export * from './throughput.js';
