/**
 * A fake `@abandonware/bluetooth-hci-socket`: the object noble's and bleno's hci.js construct
 * with `new BluetoothHciSocket()` (neither accepts a socket from outside). It records every H4
 * packet the library writes and answers each HCI command with a Command Complete, like a BT 4.2
 * controller, so the REAL noble/bleno stacks above it power on, scan and advertise.
 *
 * Injection: hci.js does a plain CommonJS `require('@abandonware/bluetooth-hci-socket')`, which
 * vitest's vi.mock does not intercept (it mocks the ESM graph, and node_modules CJS is loaded by
 * Node itself). Node's CJS loader consults `require.cache` by resolved filename before touching
 * the native addon, so `installFakeHciSocket()` puts this class there. It must run before noble
 * or bleno is first loaded in the process (vitest runs each test file in its own worker).
 */
import { EventEmitter } from 'node:events';
import { Module, createRequire } from 'node:module';
import { OP, commandComplete } from './hci-packets.js';

const require = createRequire(import.meta.url);

/** Status + return parameters, or 'drop' to never answer (a wedged controller). */
export type CommandAnswer = { status: number; ret?: Uint8Array } | 'drop';
export type Controller = (opcode: number, params: Buffer, socket: FakeHciSocket) => CommandAnswer | undefined;

/** BD_ADDR of the fake controller, as READ_BD_ADDR returns it (little-endian on the wire). */
export const FAKE_BD_ADDR = 'b8:27:eb:00:00:01';

/** A BT 4.2 controller (HCI version 0x08) that accepts every command. */
export function defaultAnswer(opcode: number): { status: number; ret?: Uint8Array } {
  switch (opcode) {
    case OP.readLocalVersion:
      // HCI_Version 8 (4.2), HCI_Revision, LMP_Version 8, Manufacturer 0x000f (Broadcom), LMP_Subversion
      return { status: 0, ret: Uint8Array.of(0x08, 0x00, 0x01, 0x08, 0x0f, 0x00, 0x10, 0x22) };
    case OP.readBdAddr:
      return { status: 0, ret: Uint8Array.from(Buffer.from(FAKE_BD_ADDR.split(':').reverse().join(''), 'hex')) };
    case OP.leReadBufferSize:
      return { status: 0, ret: Uint8Array.of(27, 0, 8) };
    case OP.readBufferSize:
      return { status: 0, ret: Uint8Array.of(0xfd, 0x03, 0x40, 0x08, 0x00, 0x01, 0x00) };
    case OP.readLeHostSupported:
      return { status: 0, ret: Uint8Array.of(1, 0) };
    default:
      return { status: 0 };
  }
}

export class FakeHciSocket extends EventEmitter {
  static readonly instances: FakeHciSocket[] = [];
  /** Overrides per test; undefined answers fall back to defaultAnswer. */
  static controller: Controller | undefined;
  /**
   * One controller behind every socket, as when noble and bleno share hci0: like the kernel's
   * hci_send_to_sock, each event goes to every bound socket, and a command one socket sends is
   * copied to the others whose filter asks for command packets (noble's does).
   */
  static shared = false;

  readonly written: Buffer[] = [];
  boundDeviceId: number | undefined;
  bindings: ('raw' | 'user')[] = [];
  devUp = true;
  started = false;
  filter: Buffer | undefined;

  constructor() {
    super();
    FakeHciSocket.instances.push(this);
  }

  bindRaw(deviceId?: number): number {
    this.boundDeviceId = deviceId;
    this.bindings.push('raw');
    return deviceId ?? 0;
  }
  bindUser(deviceId?: number): number {
    this.boundDeviceId = deviceId;
    this.bindings.push('user');
    return deviceId ?? 0;
  }
  bindControl(): void {}
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.started = false;
  }
  isDevUp(): boolean {
    return this.devUp;
  }
  setFilter(filter: Buffer): void {
    this.filter = Buffer.from(filter);
  }
  cleanup(): void {}

  write(data: Buffer): void {
    const pkt = Buffer.from(data);
    this.written.push(pkt);
    if (pkt[0] !== 0x01 || pkt.length < 4) return; // ACL data: nothing to answer
    const opcode = pkt.readUInt16LE(1);
    const params = pkt.subarray(4);
    const answer = FakeHciSocket.controller?.(opcode, params, this) ?? defaultAnswer(opcode);
    const peers = FakeHciSocket.shared ? FakeHciSocket.instances.filter((s) => s !== this && s.bindings.length > 0) : [];
    // A real socket delivers later, from the event loop; a microtask keeps that asynchrony
    // without depending on (possibly faked) timers.
    queueMicrotask(() => {
      for (const p of peers) if (p.wants(0x01)) p.emit('data', pkt);
      if (answer === 'drop') return;
      const event = commandComplete(opcode, answer.status, answer.ret);
      this.emit('data', event);
      for (const p of peers) p.emit('data', event);
    });
  }

  /** Whether this socket's filter (struct hci_filter: type mask first) lets packets of `type` through. */
  wants(type: number): boolean {
    return this.filter !== undefined && (this.filter.readUInt32LE(0) & (1 << type)) !== 0;
  }

  /** Delivers an H4 event packet from the controller (to every bound socket when shared). */
  receive(packet: Buffer): void {
    if (!FakeHciSocket.shared) {
      this.emit('data', packet);
      return;
    }
    for (const s of FakeHciSocket.instances) if (s.bindings.length > 0) s.emit('data', packet);
  }

  /** Commands written with this opcode, as whole H4 packets. */
  commands(opcode: number): Buffer[] {
    return this.written.filter((p) => p[0] === 0x01 && p.length >= 4 && p.readUInt16LE(1) === opcode);
  }
}

let installed = false;

export function installFakeHciSocket(): typeof FakeHciSocket {
  if (installed) return FakeHciSocket;
  const filename = require.resolve('@abandonware/bluetooth-hci-socket');
  if (require.cache[filename]?.loaded && require.cache[filename]!.exports !== FakeHciSocket) {
    // Already loaded for real: a library above it may already hold a real socket.
    throw new Error('bluetooth-hci-socket was loaded before installFakeHciSocket()');
  }
  const m = new Module(filename);
  m.filename = filename;
  m.loaded = true;
  m.exports = FakeHciSocket;
  require.cache[filename] = m;
  installed = true;
  return FakeHciSocket;
}
