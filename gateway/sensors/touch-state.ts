/**
 * The gateway's view of which pads are touched, kept consistent with the bridge. Pure.
 *
 * TP1 drops a T/R line that fails its CRC and never guesses (PROTOCOL.md "Resynchronisation"); the
 * periodic D line's mask `s` is the bridge's debounced state, so a differing bit means transitions were
 * lost: they are emitted then, without an MCU time (nobody knows when they happened). Likewise a T for
 * a pad already touched means its R was lost (and vice versa): the missing transition comes first, so
 * listeners always see touch/release alternate per channel. A HELLO means the bridge restarted and
 * debounces from "all released" (touch-bridge core), so touched pads are released.
 */
import type { TouchMessage } from '../../protocol/sensors/touch/types.js';

export interface TouchTransition {
  channel: number;
  touched: boolean;
  /** The bridge's time of the change; absent for transitions inferred from a mask or a restart. */
  mcuMs?: number;
}

export interface TouchTracker {
  /** Transitions implied by one message, in order. */
  apply(message: TouchMessage): TouchTransition[];
  /** Channels currently touched, ascending. */
  touched(): number[];
}

export function createTouchTracker(): TouchTracker {
  const state = new Map<number, boolean>();
  const set = (channel: number, touched: boolean, out: TouchTransition[], mcuMs?: number) => {
    if ((state.get(channel) ?? false) === touched) return;
    state.set(channel, touched);
    out.push(mcuMs === undefined ? { channel, touched } : { channel, touched, mcuMs });
  };
  return {
    apply(message) {
      const out: TouchTransition[] = [];
      switch (message.kind) {
        case 'touch':
        case 'release': {
          const touched = message.kind === 'touch';
          set(message.channel, !touched, out); // the opposite line was lost
          set(message.channel, touched, out, message.mcuMs ?? undefined);
          break;
        }
        case 'values': {
          const mask = message.series.touched;
          if (mask) mask.forEach((v, channel) => set(channel, v === 1, out));
          break;
        }
        case 'hello':
          for (const [channel, on] of [...state].sort((a, b) => a[0] - b[0])) if (on) set(channel, false, out);
          break;
        case 'error':
          break;
      }
      return out;
    },
    touched: () => [...state].filter(([, on]) => on).map(([c]) => c).sort((a, b) => a - b),
  };
}
