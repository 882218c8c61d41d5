/**
 * Regenerates test/configs/*.hex from test/configs/*.json with the TypeScript encoder
 * (protocol/beacon-config). The .hex files are committed so `make test-vectors` needs no Node;
 * protocol/ble/firmware-crosscheck.test.ts fails when one is stale.
 *   npx tsx hardware/beacon-firmware/tools/gen-configs.ts
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beaconConfigToIntelHex } from '../../../protocol/beacon-config/config-hex.js';
import type { BeaconConfigInput } from '../../../protocol/beacon-config/record.js';

const dir = fileURLToPath(new URL('../test/configs/', import.meta.url));
for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const config = JSON.parse(readFileSync(dir + name, 'utf8')) as BeaconConfigInput;
  const out = dir + name.replace(/\.json$/, '.hex');
  writeFileSync(out, beaconConfigToIntelHex(config));
  process.stdout.write(`${out}\n`);
}
