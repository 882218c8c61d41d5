/** `touchpoint keys`, driven in-process on its own Command (the lead wires registerKeys into the program). */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { base64urlEncode } from '../../protocol/messages/index.js';
import { UsageError } from '../cli/io.js';
import { registerKeys, type KeysDeps } from './cli.js';
import { deriveGatewayKey, formatSigningKey, parseSigningKey } from './keys.js';

async function run(args: string[], deps: KeysDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerKeys(program, { out: (l) => out.push(l), err: (l) => err.push(l) }, deps);
  for (const c of program.commands) for (const s of [c, ...c.commands]) s.exitOverride();
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out, err: [...err, e.message] };
    if (e instanceof CommanderError) return { code: 2, out, err };
    throw e;
  }
}

const fixedRandom = (n: number) => Uint8Array.from({ length: n }, (_, i) => i + 1);

describe('touchpoint keys', () => {
  it('new: a random key for the gateway, in the <keyId>:<base64url> form parseSigningKey reads', async () => {
    const r = await run(['keys', 'new', 'gw-a'], { random: fixedRandom });
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out[0]!) as { keyId: string; gatewayId: string; signingKey: string };
    expect(line).toEqual({ keyId: 'gw-a.k1', gatewayId: 'gw-a', signingKey: `gw-a.k1:${Buffer.from(fixedRandom(32)).toString('base64url')}` });
    expect(parseSigningKey(line.signingKey)).toEqual({ ok: true, key: { keyId: 'gw-a.k1', key: fixedRandom(32) } });
  });

  it('derive: the same key the backend derives from the site secret, read from the environment', async () => {
    const secret = fixedRandom(32);
    const r = await run(['keys', 'derive', 's1', 'gw-a', '--secret-env', 'TP_SITE_SECRET', '--key-id', 'gw-a.2026'], { env: { TP_SITE_SECRET: base64urlEncode(secret) } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0]!)).toEqual({ keyId: 'gw-a.2026', siteId: 's1', gatewayId: 'gw-a', signingKey: formatSigningKey(deriveGatewayKey(secret, 's1', 'gw-a', 'gw-a.2026')) });
  });

  it('site-secret: 32 random bytes, base64url', async () => {
    const r = await run(['keys', 'site-secret'], { random: fixedRandom });
    expect(JSON.parse(r.out[0]!)).toEqual({ siteSecret: base64urlEncode(fixedRandom(32)) });
  });

  it('refuses reserved gateway IDs, bad key IDs, a missing or short secret (exit 2)', async () => {
    expect((await run(['keys', 'new', 'device'])).code).toBe(2);
    expect((await run(['keys', 'new', 'gw-a', '--key-id', 'a/b'])).code).toBe(2);
    expect((await run(['keys', 'derive', 's1', 'gw-a', '--secret-env', 'NOPE'], { env: {} })).code).toBe(2);
    expect((await run(['keys', 'derive', 's1', 'gw-a', '--secret-env', 'S'], { env: { S: 'AAAA' } })).code).toBe(2);
    expect((await run(['keys', 'derive', 's1', 'gw-a'], { env: {} })).code).toBe(2);
  });
});
