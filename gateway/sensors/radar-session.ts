/**
 * The LD24xx configuration dialogue (notes §3.3 "Configuration flow: enable config → ACK → command(s)
 * → ACK each → end config → ACK. No ACK means failure."), over any byte channel: the radar adapter's
 * link, or a port the CLI opened directly.
 *
 * Each command waits for the ACK with its word | 0x0100 (the codec names it after the command), so
 * reports still arriving on the stream are delivered untouched, and a late ACK of another command is
 * not mistaken for this one. Status 1 (notes §3.2) or no ACK in time is a RadarCommandError naming the
 * command. End-config is always attempted after a failure: while in configuration mode the radar does
 * not report (notes §3.3), so a gateway that gave up half-way would otherwise blind its shelf.
 */
import type { SerialPort, SerialPortMock } from 'serialport';
import { type Ld2410Ack, type Ld2410Command, type Ld2410Frame, type Ld2410Report, createLd2410Parser, encodeLd2410Command } from '../../protocol/sensors/ld2410/index.js';
import { type Ld2450Ack, type Ld2450Command, type Ld2450Frame, type Ld2450Report, createLd2450Parser, encodeLd2450Command } from '../../protocol/sensors/ld2450/index.js';
import type { ProtocolInfo } from '../../protocol/sensors/ld24xx/common.js';
import { ACK_STATUS_SUCCESS } from '../../protocol/sensors/ld24xx/frame.js';
import type { RadarParser } from '../../protocol/sensors/ld24xx/radar-parser.js';

export type RadarModel = 'ld2410' | 'ld2450';
interface ModelTypes {
  ld2410: { command: Ld2410Command; ack: Ld2410Ack; frame: Ld2410Frame; report: Ld2410Report };
  ld2450: { command: Ld2450Command; ack: Ld2450Ack; frame: Ld2450Frame; report: Ld2450Report };
}
export type RadarCommandOf<M extends RadarModel> = ModelTypes[M]['command'];
export type RadarAckOf<M extends RadarModel> = ModelTypes[M]['ack'];
export type RadarFrameOf<M extends RadarModel> = ModelTypes[M]['frame'];
export type RadarReportOf<M extends RadarModel> = ModelTypes[M]['report'];
/** The ACK type of one command, e.g. AckFor<'ld2410', 'readFirmware'> carries a FirmwareVersion. */
export type AckFor<M extends RadarModel, N extends string> = Extract<RadarAckOf<M>, { command: N }>;

interface ModelCodec {
  createParser(): RadarParser<Ld2410Frame | Ld2450Frame>;
  encode(command: Ld2410Command | Ld2450Command): Uint8Array;
}
const CODECS: Record<RadarModel, ModelCodec> = {
  ld2410: { createParser: createLd2410Parser, encode: (c) => encodeLd2410Command(c as Ld2410Command) },
  ld2450: { createParser: createLd2450Parser, encode: (c) => encodeLd2450Command(c as Ld2450Command) },
};

export function createModelParser<M extends RadarModel>(model: M): RadarParser<RadarFrameOf<M>> {
  return CODECS[model].createParser() as RadarParser<RadarFrameOf<M>>;
}

export function encodeRadarCommand<M extends RadarModel>(model: M, command: RadarCommandOf<M>): Uint8Array {
  return CODECS[model].encode(command);
}

/** A real radar answers within tens of ms; 1 s leaves room for a loaded Pi and a USB hub. */
export const DEFAULT_ACK_TIMEOUT_MS = 1000;

export type RadarCommandFailure = 'nak' | 'timeout' | 'closed' | 'write-failed';

export class RadarCommandError extends Error {
  override name = 'RadarCommandError';
  /** Set when end-config, attempted after this failure, failed too: the radar may still be in configuration mode. */
  endConfigError?: RadarCommandError;

  constructor(
    readonly command: string,
    readonly reason: RadarCommandFailure,
    message: string,
    readonly ack?: unknown,
  ) {
    super(message);
  }
}

/** What a session needs from the byte stream. */
export interface RadarChannel<M extends RadarModel> {
  write(bytes: Uint8Array): Promise<void>;
  onAck(listener: (ack: RadarAckOf<M>) => void): () => void;
  /** The device went away; pending commands fail at once instead of timing out. */
  onClose?(listener: (reason: string) => void): () => void;
}

export interface ConfigureResult<M extends RadarModel> {
  /** From the enable-config ACK (K1: protocol version 1, buffer 64). */
  protocol: ProtocolInfo;
  /** One ACK per command, in order. */
  acks: RadarAckOf<M>[];
}

export interface RadarSession<M extends RadarModel> {
  readonly model: M;
  enterConfig(): Promise<ProtocolInfo>;
  exitConfig(): Promise<void>;
  /** One command, one ACK. Outside enterConfig/exitConfig the radar ignores everything but enable-config. */
  send<C extends RadarCommandOf<M>>(command: C): Promise<AckFor<M, C['command']>>;
  /**
   * enable-config → fn → end-config; end-config is attempted whatever fn does. Sessions run one at a
   * time: a second call waits for the first.
   */
  inConfig<T>(fn: (session: RadarSession<M>, protocol: ProtocolInfo) => Promise<T>): Promise<T>;
  /** inConfig over a fixed list: every command must be acknowledged with success. */
  configure(commands: readonly RadarCommandOf<M>[]): Promise<ConfigureResult<M>>;
}

export interface RadarSessionOptions<M extends RadarModel> {
  model: M;
  /** Per command (default 1000 ms). */
  timeoutMs?: number;
}

export function createRadarSession<M extends RadarModel>(channel: RadarChannel<M>, options: RadarSessionOptions<M>): RadarSession<M> {
  const { model } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  let queue: Promise<unknown> = Promise.resolve();

  function send<C extends RadarCommandOf<M>>(command: C): Promise<AckFor<M, C['command']>> {
    const name = command.command;
    let bytes: Uint8Array;
    try {
      bytes = encodeRadarCommand(model, command);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const offs: (() => void)[] = [];
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        for (const off of offs) off();
        fn();
      };
      offs.push(
        channel.onAck((ack) => {
          if (ack.command !== name) return;
          finish(() =>
            ack.status === ACK_STATUS_SUCCESS
              ? resolve(ack as AckFor<M, C['command']>)
              : reject(new RadarCommandError(name, 'nak', `radar refused ${name} (ACK status ${ack.status})`, ack)),
          );
        }),
      );
      if (channel.onClose) offs.push(channel.onClose((reason) => finish(() => reject(new RadarCommandError(name, 'closed', `${reason} while waiting for the ${name} ACK`)))));
      timer = setTimeout(() => finish(() => reject(new RadarCommandError(name, 'timeout', `no ACK for ${name} within ${timeoutMs} ms`))), timeoutMs);
      channel.write(bytes).catch((e: unknown) =>
        finish(() => reject(new RadarCommandError(name, 'write-failed', `cannot send ${name}: ${e instanceof Error ? e.message : String(e)}`))),
      );
    });
  }

  const session: RadarSession<M> = {
    model,
    send,
    async enterConfig() {
      const ack = await send({ command: 'enableConfig' } as RadarCommandOf<M>);
      // a successful enable-config ACK always carries its payload (the codec refuses it otherwise)
      return ack.payload as ProtocolInfo;
    },
    async exitConfig() {
      await send({ command: 'endConfig' } as RadarCommandOf<M>);
    },
    inConfig(fn) {
      const run = async () => {
        const leave = async (failure: unknown) => {
          try {
            await session.exitConfig();
          } catch (e) {
            if (failure instanceof RadarCommandError && e instanceof RadarCommandError) failure.endConfigError = e;
          }
          throw failure;
        };
        let protocol: ProtocolInfo;
        try {
          protocol = await session.enterConfig();
        } catch (e) {
          // the radar may have entered configuration mode with its ACK lost
          return leave(e);
        }
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(session, protocol);
        } catch (e) {
          return leave(e);
        }
        await session.exitConfig();
        return result;
      };
      const next = queue.then(run, run);
      queue = next.catch(() => {});
      return next;
    },
    configure(commands) {
      return session.inConfig(async (s, protocol) => {
        const acks: RadarAckOf<M>[] = [];
        for (const c of commands) acks.push(await s.send(c));
        return { protocol, acks };
      });
    },
  };
  return session;
}

export interface PortSessionOptions<M extends RadarModel> extends RadarSessionOptions<M> {
  /** Every frame decoded from the port while the session is attached (reports keep coming between commands). */
  onFrame?(frame: RadarFrameOf<M>): void;
}

/** A session straight on an open port (the CLI's `radar info/config`); dispose() detaches it. */
export function radarSession<M extends RadarModel>(port: SerialPort | SerialPortMock, options: PortSessionOptions<M>): RadarSession<M> & { dispose(): void } {
  const parser = createModelParser(options.model);
  const ackListeners = new Set<(ack: RadarAckOf<M>) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const onData = (chunk: Buffer) => {
    for (const frame of parser.push(chunk)) {
      options.onFrame?.(frame);
      if (frame.kind === 'ack') for (const l of [...ackListeners]) l(frame as RadarAckOf<M>);
    }
  };
  const onClose = (e?: Error | null) => {
    for (const l of [...closeListeners]) l(`${port.path} closed${e ? `: ${e.message}` : ''}`);
  };
  port.on('data', onData);
  port.on('close', onClose);
  const channel: RadarChannel<M> = {
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (!port.isOpen) {
          reject(new Error(`${port.path} is not open`));
          return;
        }
        port.write(Buffer.from(bytes), (e) => (e ? reject(e) : port.drain((d) => (d ? reject(d) : resolve()))));
      }),
    onAck(listener) {
      ackListeners.add(listener);
      return () => ackListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
  return {
    ...createRadarSession(channel, options),
    dispose() {
      port.off('data', onData);
      port.off('close', onClose);
    },
  };
}
