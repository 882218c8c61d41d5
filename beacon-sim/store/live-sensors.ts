/**
 * The radar and touch pad of each display, on real pseudo-terminals, driven by the shoppers in
 * front of it: beacon-sim/sensors' LD2410 and TP1 emulators and `serveDevice`, unchanged. Their
 * scenario hooks already take live input —
 *  - a RadarScenario is a function of time (`at(tMs)`), asked at every report: here it asks the
 *    engine for the nearest shopper in the radar's range and field of view;
 *  - a TouchScenario's `presses` list is read on every `due()` call: the engine's live scenario
 *    (engine.ts `touchScenario`) is one period longer than any run, and a press is added when the
 *    shopper's visit is planned, before it starts, which is all the emulator needs.
 * Device time is store time since the start (serveDevice's `now` option), so the emulators follow
 * `--speed` like everything else.
 *
 * Paths: `<devDir>/<display>-radar` and `<devDir>/<display>-touch` for the gateway (derive.ts
 * writes the same paths into the gateway configs); socat holds the `.dev` ends (pty.ts).
 */
import { createLd2410Emulator } from '../sensors/ld2410-emulator.js';
import { type PtyPair, createPtyPair } from '../sensors/pty.js';
import type { RadarScenario } from '../sensors/scenario.js';
import { type ServedDevice, serveDevice } from '../sensors/serve.js';
import { createTouchEmulator } from '../sensors/touch-emulator.js';
import type { SimClock } from './clock.js';
import { LIVE_TOUCH_PERIOD_MS, type StoreEngine } from './engine.js';
import { streamSeed } from './random.js';

export interface StoreSensors {
  devices: { displayId: string; radarPath?: string; touchPath?: string }[];
  stop(): Promise<void>;
}

export async function startStoreSensors(engine: StoreEngine, o: { devDir: string; clock: SimClock; seed: number }): Promise<StoreSensors> {
  const pairs: PtyPair[] = [];
  const served: ServedDevice[] = [];
  const stop = async () => {
    await Promise.all(served.map((s) => s.close()));
    await Promise.all(pairs.map((p) => p.close()));
  };
  const now = () => o.clock.now() - engine.startAtMs;
  const devices: StoreSensors['devices'] = [];
  try {
    for (const d of engine.layout.displays) {
      if (!d.radar && !d.touch) continue;
      const entry: StoreSensors['devices'][number] = { displayId: d.id };
      if (d.radar) {
        const scenario: RadarScenario = {
          name: `live-${d.id}`,
          description: `shoppers in front of ${d.id}`,
          periodMs: LIVE_TOUCH_PERIOD_MS,
          at: (tMs) => engine.radarTarget(d.id, engine.startAtMs + tMs),
        };
        const pair = await createPtyPair(o.devDir, `${d.id}-radar`);
        pairs.push(pair);
        const radar = createLd2410Emulator({ scenario, seed: streamSeed(o.seed, `radar:${d.id}`) });
        // the LD2410 UART runs at 256000 baud (protocols.md §3.1); a pty ignores it
        served.push(await serveDevice(radar, pair.devicePath, { baudRate: 256000, now }));
        entry.radarPath = pair.path;
      }
      if (d.touch) {
        const pair = await createPtyPair(o.devDir, `${d.id}-touch`);
        pairs.push(pair);
        const touch = createTouchEmulator({ scenario: engine.touchScenario(d.id), seed: streamSeed(o.seed, `touch:${d.id}`) });
        served.push(await serveDevice(touch, pair.devicePath, { baudRate: 115200, now }));
        entry.touchPath = pair.path;
      }
      devices.push(entry);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { devices, stop };
}
