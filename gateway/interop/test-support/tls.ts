/**
 * TLS material generated per test run with the openssl CLI (Node can verify certificates but not
 * issue them): a CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA
 * for the "wrong CA is refused" case. Nothing is reused between runs; keys stay in the test's temp dir.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function findOpenssl(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const p = join(d, 'openssl');
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface GeneratedTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A CA that did not sign the server certificate. */
  wrongCaFile: string;
  ca: Buffer;
  wrongCa: Buffer;
}

function run(openssl: string, args: string[], cwd: string): void {
  const r = spawnSync(openssl, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

/** EC P-256 keys: quick to generate on a loaded CI machine, and what a broker would use today. */
export function generateTls(dir: string, openssl = findOpenssl()): GeneratedTls {
  if (!openssl) throw new Error('openssl not installed (apt-get install openssl)');
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'wrong-ca']) {
    run(openssl, ['req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=Touchpoint interop ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  }
  run(openssl, ['req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  // Clients check the SAN, not the CN (RFC 6125 §6.4.4); Node requires an IP SAN for an IP host.
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  run(openssl, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  return {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    wrongCaFile: join(dir, 'wrong-ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt')),
    wrongCa: readFileSync(join(dir, 'wrong-ca.crt')),
  };
}
