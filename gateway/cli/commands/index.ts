import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerBackend } from './backend.js';
import { registerBeacon } from './beacon.js';
import { registerBroker } from './broker.js';
import { registerConfig } from './config.js';
import { registerDecode } from './decode.js';
import { registerDoctor } from './doctor.js';
import { registerDecodeSensors } from './decode-sensors.js';
import { registerDemo } from './demo.js';
import { registerEid } from './eid.js';
import { registerEncode } from './encode.js';
import { registerGateway } from './gateway.js';
import { registerHash } from './hash.js';
import { registerProvision } from './provision.js';
import { registerRadar } from './radar.js';
import { registerScan } from './scan.js';
import { registerWatch } from './watch.js';
import { registerSim } from './sim.js';
import { registerSimSensors } from './sim-sensors.js';
import { registerSimStore } from './sim-store.js';
import { registerStart } from './start.js';
import { registerSupportBundle } from './support-bundle.js';
import { registerTouchInfo } from './touch-info.js';

/** Every command module registers itself here; one line per module keeps merges trivial. */
export function registerCommands(program: Command, io: CliIo): void {
  registerDecodeSensors(registerDecode(program, io), io);
  registerEncode(program, io);
  registerEid(program, io);
  registerHash(program, io);
  registerScan(program, io);
  registerRadar(program, io);
  const sim = registerSim(program);
  registerSimSensors(sim, io);
  registerSimStore(sim, io);
  registerBeacon(program, io);
  registerProvision(program, io);
  registerDoctor(program, io);
  registerTouchInfo(program, io);
  registerSupportBundle(program, io);
  registerConfig(program, io);
  registerDemo(program, io);
  registerGateway(program, io);
  registerBroker(program, io);
  registerWatch(program, io);
  registerBackend(program, io);
  registerStart(program, io);
}
