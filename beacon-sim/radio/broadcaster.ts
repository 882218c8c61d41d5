/**
 * What a simulated beacon or phone uses to go on air: `send({ address, rssi, adv })` puts one
 * advertising event on the simulated radio, over UDP to a gateway's port or on an in-process bus.
 */
import { type RadioBus } from './bus.js';
import { type UdpRadioSender, createUdpRadioSender } from './udp.js';
import { DEFAULT_SIM_RADIO_PORT, type RadioAddressType, encodeRadioPacket } from './wire.js';

export interface SimBroadcastOptions {
  /** UDP port of the receiving gateway on the loopback interface; default DEFAULT_SIM_RADIO_PORT. */
  port?: number;
  host?: string;
  /** Send on this in-process bus instead of UDP. */
  bus?: RadioBus;
}

export interface SimAdvertisement {
  address: string;
  /** Default 'random', what phones and most beacons use. */
  addressType?: RadioAddressType;
  rssi: number;
  adv: Uint8Array;
}

export interface SimBroadcaster {
  /** Throws RangeError for a malformed advertisement (the simulator's own bug). */
  send(a: SimAdvertisement): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): { sent: number; errors: number; lastError?: string };
}

export function createSimBroadcaster(options: SimBroadcastOptions = {}): SimBroadcaster {
  const { bus } = options;
  if (bus) {
    let sent = 0;
    return {
      send(a) {
        bus.send(encodeRadioPacket({ address: a.address, addressType: a.addressType ?? 'random', rssi: a.rssi, adv: a.adv }));
        sent++;
      },
      flush: async () => {},
      close: async () => {},
      stats: () => ({ sent, errors: 0 }),
    };
  }
  const sender: UdpRadioSender = createUdpRadioSender({ port: options.port ?? DEFAULT_SIM_RADIO_PORT, host: options.host });
  return {
    send(a) {
      sender.send(encodeRadioPacket({ address: a.address, addressType: a.addressType ?? 'random', rssi: a.rssi, adv: a.adv }));
    },
    flush: () => sender.flush(),
    close: () => sender.close(),
    stats: () => sender.stats(),
  };
}
