/** `npm run bench`: every benchmark, with the machine it ran on. Figures only; nothing is asserted. */
import { machine } from './bench-harness.js';
import { runBleBench } from './bench-ble.js';
import { runCompetitorBench } from './bench-competitors.js';
import { runSensorsBench } from './bench-sensors.js';
import { runOutboxBench } from './bench-outbox.js';
import { runGatewayBench } from './bench-gateway.js';
import { runFleetBench } from './bench-fleet.js';

console.log(`Touchpoint benchmarks — ${machine()}`);
runBleBench();
await runCompetitorBench();
runSensorsBench();
await runOutboxBench();
await runGatewayBench();
await runFleetBench();
