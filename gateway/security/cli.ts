/**
 * `touchpoint keys`: per-gateway keys for signed sensor communications (gateway/security).
 *
 *   touchpoint keys new <gatewayId> [--key-id <id>]                   a random key
 *   touchpoint keys site-secret                                      a random site secret (derived keys)
 *   touchpoint keys derive <siteId> <gatewayId> --secret-env <VAR> [--key-id <id>]
 *
 * Each prints one JSON line. `signingKey` (`<keyId>:<base64url>`) goes into the gateway's secrets
 * file; the backend gets the same entry in its keyring, or the site secret when it derives keys.
 * Secrets are read from the environment, never from arguments (those end up in shell history and
 * in `ps`).
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { GATEWAY_ID_RE, ID_RE, base64urlDecode, base64urlEncode } from '../../protocol/messages/index.js';
import { type CliIo, UsageError, printJson } from '../cli/io.js';
import { deriveGatewayKey, formatSigningKey, generateSigningKey } from './keys.js';

const defaultKeyId = (gatewayId: string) => `${gatewayId}.k1`;

function checkGateway(gatewayId: string): void {
  if (!GATEWAY_ID_RE.test(gatewayId)) throw new UsageError(`gateway ID ${JSON.stringify(gatewayId)} must match [A-Za-z0-9._-]{1,64} and not be device or user`);
}

function keyIdFor(gatewayId: string, keyId: string | undefined): string {
  const id = keyId ?? defaultKeyId(gatewayId);
  if (!ID_RE.test(id)) throw new UsageError(`key ID ${JSON.stringify(id)} must match [A-Za-z0-9._-]{1,64}`);
  return id;
}

export interface KeysDeps {
  env?: Readonly<Record<string, string | undefined>>;
  random?: (n: number) => Uint8Array;
}

export function registerKeys(program: Command, io: CliIo, deps: KeysDeps = {}): void {
  const env = deps.env ?? process.env;
  const random = deps.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const keys = program.command('keys').description('signing keys for sensor communications (HMAC-SHA256, one per gateway)');

  keys
    .command('new <gatewayId>')
    .description('a random signing key for one gateway: signingKey for its secrets file and the backend keyring')
    .option('--key-id <id>', 'key ID (default <gatewayId>.k1)')
    .action((gatewayId: string, o: { keyId?: string }) => {
      checkGateway(gatewayId);
      const k = generateSigningKey(keyIdFor(gatewayId, o.keyId), random);
      printJson(io, { keyId: k.keyId, gatewayId, signingKey: formatSigningKey(k) });
    });

  keys
    .command('site-secret')
    .description('a random site secret from which the backend and provisioning derive every gateway key')
    .action(() => printJson(io, { siteSecret: base64urlEncode(random(32)) }));

  keys
    .command('derive <siteId> <gatewayId>')
    .description("a gateway's key derived from the site secret (HKDF-SHA256), read from an environment variable")
    .requiredOption('--secret-env <VAR>', 'environment variable holding the site secret (base64url)')
    .option('--key-id <id>', 'key ID (default <gatewayId>.k1)')
    .action((siteId: string, gatewayId: string, o: { secretEnv: string; keyId?: string }) => {
      if (!ID_RE.test(siteId)) throw new UsageError(`site ID ${JSON.stringify(siteId)} must match [A-Za-z0-9._-]{1,64}`);
      checkGateway(gatewayId);
      const text = env[o.secretEnv];
      if (!text) throw new UsageError(`environment variable ${o.secretEnv} is not set`);
      const secret = base64urlDecode(text.trim());
      if (!secret || secret.length < 32) throw new UsageError(`${o.secretEnv} must hold at least 32 bytes of base64url`);
      const k = deriveGatewayKey(secret, siteId, gatewayId, keyIdFor(gatewayId, o.keyId));
      printJson(io, { keyId: k.keyId, siteId, gatewayId, signingKey: formatSigningKey(k) });
    });
}
