/** Runs commands of this folder's CLI modules in-process, with runCli's exit codes, before the lead wires them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { type CliIo, UsageError } from '../cli/io.js';

export type Register = (program: Command, io: CliIo) => void;

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** stdout lines that are JSON, parsed. */
  json: unknown[];
}

export async function runCommands(registers: readonly Register[], args: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => out.push(s.replace(/\n$/, '')), writeErr: (s) => err.push(s.replace(/\n$/, '')) });
  for (const r of registers) r(program, io);
  const all = (c: Command): Command[] => c.commands.flatMap((s) => [s, ...all(s)]);
  for (const c of all(program)) c.exitOverride();
  let code = 0;
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else {
      code = e instanceof UsageError ? 2 : 1;
      err.push(`touchpoint: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const json = out.filter((l) => l.startsWith('{') || l.startsWith('[')).map((l) => JSON.parse(l) as unknown);
  return { code, out, err, json };
}


export interface NotifyReceiver {
  /** The NOTIFY_SOCKET path. */
  path: string;
  /** Datagrams received, in order (BARRIER=1 datagrams of systemd-notify included). */
  messages: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for systemd's notify socket: an AF_UNIX datagram socket bound by perl (perl-base is in
 * every Debian; Node cannot bind Unix datagram sockets). It reads with plain recv(), so the pipe fd
 * systemd-notify passes for its barrier is closed at once and the barrier completes, as with systemd.
 */
export async function startNotifyReceiver(dir: string): Promise<NotifyReceiver> {
  const path = join(dir, 'notify.sock');
  const script = [
    'socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";',
    'unlink $ARGV[0]; bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!";',
    '$| = 1; print "ready\\n";',
    'while (defined(recv($s, my $buf, 65536, 0))) { $buf =~ s/\\\\/\\\\\\\\/g; $buf =~ s/\\n/\\\\n/g; print "$buf\\n"; }',
  ].join(' ');
  const child: ChildProcess = spawn('perl', ['-MSocket', '-e', script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: string[] = [];
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`perl notify receiver exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'ready') resolve();
        else messages.push(line.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    path,
    messages,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
