import { describe, expect, it } from 'vitest';
import { deviceTopicHash } from '../../protocol/messages/index.js';
import { mayPublish, maySubscribe, type Principal } from './acl.js';

const gwA: Principal = { role: 'gateway', username: 'gw-a', site: 's1', gateway: 'gw-a' };
const backend: Principal = { role: 'backend', username: 'backend' };
const hash = deviceTopicHash('install-0123456789abcdef');
const phone: Principal = { role: 'phone', username: 'app', site: 's1', deviceHash: hash };
const anonymous: Principal = { role: 'anonymous' };

describe('ACL: publish', () => {
  it.each([
    ['tp/v1/s1/gw-a/sensor', false, true],
    ['tp/v1/s1/gw-a/status', true, true],
    ['tp/v1/s1/gw-a/telemetry', false, true],
    ['tp/v1/s1/gw-a/config/state', true, true],
    ['tp/v1/s1/gw-b/sensor', false, false], // another gateway
    ['tp/v1/s2/gw-a/sensor', false, false], // another site
    ['tp/v1/s1/gw-a/config/set', true, false], // backend → gateway only
    ['tp/v1/s1/config/set', true, false], // nor the site-wide one
    ['tp/v1/s1/user', false, false],
    ['tp/v1/s1/gw-a/sensor', true, false], // sensor communications are never retained
    ['tp/v1/s1/gw-a/sensor/extra', false, false],
    ['$SYS/x', false, false],
    ['other/topic', false, false],
  ])('gateway gw-a → %s (retain %s): %s', (topic, retain, ok) => {
    expect(mayPublish(gwA, topic, retain).ok).toBe(ok);
  });

  it.each([
    ['tp/v1/s1/gw-a/config/set', true, true],
    ['tp/v1/s1/config/set', true, true],
    [`tp/v1/s9/device/${hash}/content`, false, true],
    ['tp/v1/s1/gw-a/sensor', false, false], // the backend cannot forge gateway data
    ['tp/v1/s1/gw-a/status', true, false],
    ['tp/v1/s1/user', false, false],
  ])('backend → %s (retain %s): %s', (topic, retain, ok) => {
    expect(mayPublish(backend, topic, retain).ok).toBe(ok);
  });

  it.each([
    ['tp/v1/s1/user', false, true],
    ['tp/v1/s2/user', false, false],
    ['tp/v1/s1/user', true, false],
    ['tp/v1/s1/gw-a/sensor', false, false],
    [`tp/v1/s1/device/${hash}/content`, false, false],
  ])('phone → %s (retain %s): %s', (topic, retain, ok) => {
    expect(mayPublish(phone, topic, retain).ok).toBe(ok);
  });

  it('anonymous demo mode may publish anything but $-topics', () => {
    expect(mayPublish(anonymous, 'whatever/topic', true).ok).toBe(true);
    expect(mayPublish(anonymous, '$SYS/broker', false).ok).toBe(false);
  });
});

describe('ACL: subscribe', () => {
  it.each([
    [gwA, 'tp/v1/s1/gw-a/config/set', true],
    [gwA, 'tp/v1/s1/gw-b/config/set', false],
    [gwA, 'tp/v1/s1/config/set', true], // its site's
    [gwA, 'tp/v1/s2/config/set', false],
    [gwA, 'tp/v1/s1/+/config/set', false],
    [gwA, 'tp/v1/s1/gw-a/#', false],
    [gwA, '$share/g/tp/v1/s1/gw-a/config/set', false],
    [backend, '#', true],
    [backend, 'tp/v1/+/+/sensor', true],
    [backend, '$share/backend/tp/v1/+/+/sensor', true],
    [backend, '$share/bad+group/tp/v1/+/+/sensor', false],
    [backend, '$share/backend', false],
    [backend, 'tp/#/x', false],
    [phone, `tp/v1/s1/device/${hash}/content`, true],
    [phone, `tp/v1/s1/device/${deviceTopicHash('someone-else-0123456')}/content`, false],
    [phone, 'tp/v1/s1/device/+/content', false],
    [phone, 'tp/v1/s1/user', false],
  ] as const)('%o subscribes %s: %s', (p, filter, ok) => {
    expect(maySubscribe(p, filter).ok).toBe(ok);
  });
});
