/**
 * A stand-alone simulated beacon for cross-process tests and manual runs:
 *   node --import tsx beacon-sim/radio/test-support/send.ts <port> <count> [address]
 * sends <count> iBeacon advertisements whose minor is the sequence number 0..count-1, then exits.
 */
import { encodeFrame } from '../../../protocol/ble/frames.js';
import { createSimBroadcaster } from '../broadcaster.js';

const [portArg, countArg, address = 'e0:00:00:00:00:01'] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const b = createSimBroadcaster({ port });
for (let seq = 0; seq < count; seq++) {
  b.send({ address, rssi: -50 - (seq % 40), adv: encodeFrame({ type: 'ibeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: seq, measuredPower: -59 }) });
  // pace the burst so a 2-core machine under test load does not overrun the receive buffer
  if (seq % 20 === 19) await new Promise((r) => setTimeout(r, 1));
}
await b.close();
const s = b.stats();
process.stdout.write(JSON.stringify(s) + '\n');
process.exitCode = s.errors === 0 && s.sent === count ? 0 : 1;
