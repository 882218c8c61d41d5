/**
 * A fake radio for noble's `with-bindings` seam. It implements the bindings contract noble.js
 * relies on (an EventEmitter with init/startScanning/stopScanning/reset/setScanParameters that
 * emits stateChange, scanStart, scanStop and discover(uuid, address, addressType, connectable,
 * advertisement, rssi, scannable)), and produces its `discover` events with noble's REAL HCI GAP
 * layer (lib/hci-socket/gap.js) fed with raw LE Advertising Reports — so the advertisement
 * objects are exactly what noble's hci-socket bindings hand out, reused and merged per address.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { ADV_TYPE } from './hci-packets.js';

const require = createRequire(import.meta.url);

export interface ScanCall {
  serviceUuids: string[] | undefined;
  allowDuplicates: boolean | undefined;
}

interface GapLike extends EventEmitter {
  _discoveries: Record<string, unknown>;
  onHciLeAdvertisingReport(status: number, type: number, address: string, addressType: string, eir: Buffer, rssi: number): void;
}

export class FakeNobleBindings extends EventEmitter {
  readonly startScanningCalls: ScanCall[] = [];
  stopScanningCalls = 0;
  resetCalls = 0;
  initCalls = 0;
  /** When false, startScanning is recorded but no scanStart comes back (a wedged controller). */
  acknowledgeScans = true;
  /** State emitted by init(). */
  initialState = 'poweredOn';
  readonly _gap: GapLike;

  constructor() {
    super();
    const Gap = require('@abandonware/noble/lib/hci-socket/gap.js') as new (hci: EventEmitter) => GapLike;
    this._gap = new Gap(new EventEmitter());
    this._gap.on('discover', (_status: number, address: string, addressType: string, connectable: boolean, advertisement: unknown, rssi: number, scannable: boolean) => {
      // as lib/hci-socket/bindings.js onDiscover, with no service-UUID filter
      this.emit('discover', address.split(':').join(''), address, addressType, connectable, advertisement, rssi, scannable);
    });
  }

  init(): void {
    this.initCalls++;
    setImmediate(() => this.emit('stateChange', this.initialState));
  }
  setScanParameters(): void {
    setImmediate(() => this.emit('scanParametersSet'));
  }
  startScanning(serviceUuids?: string[], allowDuplicates?: boolean): void {
    this.startScanningCalls.push({ serviceUuids, allowDuplicates });
    if (this.acknowledgeScans) setImmediate(() => this.emit('scanStart', !allowDuplicates));
  }
  stopScanning(): void {
    this.stopScanningCalls++;
    setImmediate(() => this.emit('scanStop'));
  }
  reset(): void {
    this.resetCalls++;
  }
  power(state: 'poweredOn' | 'poweredOff'): void {
    this.emit('stateChange', state);
  }

  /**
   * One LE Advertising Report from the air: raw AD bytes, as the controller delivers them. A
   * Buffer is passed through as is (noble then holds views into it, as into an HCI event).
   */
  report(address: string, data: Uint8Array, rssi = -60, options: { type?: number; addressType?: 'public' | 'random' } = {}): void {
    const eir = Buffer.isBuffer(data) ? data : Buffer.from(data);
    this._gap.onHciLeAdvertisingReport(0, options.type ?? ADV_TYPE.nonConnInd, address, options.addressType ?? 'random', eir, rssi);
  }
}
