/**
 * Both shelf sensors on real ptys, for a laptop without hardware: `<dir>/radar0` and `<dir>/touch0`
 * are what the gateway opens (the emulators hold the `.dev` ends). Used by `touchpoint sim sensors`.
 */
import { type Ld2410Emulator, type Ld2410EmulatorOptions, createLd2410Emulator } from './ld2410-emulator.js';
import { type PtyPair, createPtyPair } from './pty.js';
import {
  APPROACH,
  EMPTY_ROOM,
  NO_TOUCH,
  type RadarScenario,
  type TouchScenario,
  randomRadarScenario,
  randomTouchScenario,
  touchScenario,
} from './scenario.js';
import { type ServedDevice, serveDevice } from './serve.js';
import { type TouchEmulator, type TouchEmulatorOptions, createTouchEmulator } from './touch-emulator.js';

export interface SensorScenario {
  description: string;
  build(seed: number): { radar: RadarScenario; touch: TouchScenario };
}

export const SENSOR_SCENARIOS: Record<string, SensorScenario> = {
  shopper: {
    description: 'a shopper approaches from 4 m, stands at 0.8 m for 6 s and touches pad 3 for 4 s, leaves; every 18 s',
    // APPROACH: empty 0–2 s, walks in 2–6 s, stands 6–12 s, leaves 12–15 s, empty to 18 s
    build: () => ({ radar: APPROACH, touch: touchScenario('pad3-while-standing', 'pad 3 held 7–11 s of every 18 s', APPROACH.periodMs, [{ channel: 3, atMs: 7000, holdMs: 4000 }]) }),
  },
  empty: {
    description: 'nobody in range, nothing touched',
    build: () => ({ radar: EMPTY_ROOM, touch: NO_TOUCH }),
  },
  random: {
    description: 'seeded random visits and presses (--seed)',
    build: (seed) => ({ radar: randomRadarScenario(seed), touch: randomTouchScenario(seed) }),
  },
};

export interface SensorSimOptions {
  /** Where the pty links go (created if missing). */
  dir: string;
  scenario?: string;
  seed?: number;
  radar?: Omit<Ld2410EmulatorOptions, 'scenario' | 'seed'>;
  touch?: Omit<TouchEmulatorOptions, 'scenario' | 'seed'>;
}

export interface SensorSim {
  /** Paths to configure in the gateway, as for hardware. */
  readonly radarPath: string;
  readonly touchPath: string;
  readonly radar: Ld2410Emulator;
  readonly touch: TouchEmulator;
  /** Stops the emulators and socat; the links are gone afterwards. */
  stop(): Promise<void>;
}

export async function startSensorSim(options: SensorSimOptions): Promise<SensorSim> {
  const name = options.scenario ?? 'shopper';
  const scenario = SENSOR_SCENARIOS[name];
  if (!scenario) throw new RangeError(`unknown scenario ${JSON.stringify(name)}; known: ${Object.keys(SENSOR_SCENARIOS).join(', ')}`);
  const seed = options.seed ?? 1;
  const { radar: radarScenario, touch: touchScenario_ } = scenario.build(seed);
  const radar = createLd2410Emulator({ ...options.radar, scenario: radarScenario, seed });
  const touch = createTouchEmulator({ ...options.touch, scenario: touchScenario_, seed });

  const pairs: PtyPair[] = [];
  const served: ServedDevice[] = [];
  const stop = async () => {
    await Promise.all(served.map((s) => s.close()));
    await Promise.all(pairs.map((p) => p.close()));
  };
  try {
    const radarPair = await createPtyPair(options.dir, 'radar0');
    pairs.push(radarPair);
    const touchPair = await createPtyPair(options.dir, 'touch0');
    pairs.push(touchPair);
    // the LD2410 UART runs at 256000 baud (notes §3.1), the bridge at 115200 (PROTOCOL.md); a pty ignores both
    served.push(await serveDevice(radar, radarPair.devicePath, { baudRate: 256000 }));
    served.push(await serveDevice(touch, touchPair.devicePath, { baudRate: 115200 }));
    return { radarPath: radarPair.path, touchPath: touchPair.path, radar, touch, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
