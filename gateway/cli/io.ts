/**
 * Where CLI commands write. Commands never touch process.stdout directly so that tests can run the
 * whole program in-process and read what a technician would see.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** A user error: bad input or arguments. Printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value));
}
