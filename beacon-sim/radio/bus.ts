/**
 * The in-process air: simulators and scanners in one process (tests, the demo) exchange the same
 * encoded datagrams the UDP transport carries, so the wire codec is exercised either way.
 * Delivery is synchronous, in subscription order.
 */

export type DatagramListener = (datagram: Uint8Array) => void;

export interface RadioBus {
  send(datagram: Uint8Array): void;
  subscribe(listener: DatagramListener): () => void;
  readonly subscribers: number;
}

export function createRadioBus(): RadioBus {
  const listeners = new Set<DatagramListener>();
  return {
    send(datagram) {
      for (const l of listeners) l(datagram);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get subscribers() {
      return listeners.size;
    },
  };
}
