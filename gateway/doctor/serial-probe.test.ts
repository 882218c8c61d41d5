/** Open failures said the way a technician can act on them; the probes themselves run on ptys in doctor.test.ts and touch-info.test.ts. */
import { describe, expect, it } from 'vitest';
import { classifyOpenError, openRemedy, openSerial } from './serial-probe.js';

describe('serial open failures', () => {
  it.each([
    ['Error: No such file or directory, cannot open /dev/ttyUSB0', 'absent'],
    ['Error: Permission denied, cannot open /dev/ttyAMA0', 'permission'],
    ['Error Resource temporarily unavailable Cannot lock port', 'busy'],
    ['EACCES', 'permission'],
    ['Error: Inappropriate ioctl for device, cannot open /dev/null', 'error'],
  ])('%s → %s', (message, failure) => expect(classifyOpenError(message)).toBe(failure));

  it('names the remedy for each', () => {
    expect(openRemedy('/dev/x', 'absent')).toMatch(/USB cable/);
    expect(openRemedy('/dev/x', 'permission')).toMatch(/usermod -aG dialout/);
    expect(openRemedy('/dev/x', 'busy')).toMatch(/systemctl stop touchpoint-gateway/);
    expect(openRemedy('/dev/x', 'error')).toMatch(/serial device/);
  });

  it('a missing path and a file that is not a tty are reported, not thrown', async () => {
    expect(await openSerial('/nonexistent/ttyUSB9', 115200)).toMatchObject({ ok: false, failure: 'absent' });
    const r = await openSerial('/dev/null', 115200);
    expect(r.ok).toBe(false);
  });
});
