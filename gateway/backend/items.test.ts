import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEREST, thresholdFor } from './interest.js';
import { loadItemsFile, parseItemsText } from './items.js';

const EXAMPLE = new URL('./examples/items.yaml', import.meta.url).pathname;

describe('items file', () => {
  it('loads the shipped example and indexes it by item, beacon, type and area', () => {
    const r = loadItemsFile(EXAMPLE);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const c = r.catalog;
    expect(c.size).toBe(5);
    expect(c.bySensor('ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1')).toEqual({ itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' });
    expect(c.ofType('denim').map((i) => i.itemId)).toEqual(['jeans-slim', 'jeans-wide']);
    expect(c.inArea('jewellery').map((i) => i.itemId)).toEqual(['watch-collection']);
    // low stock halves, out of stock halves, high stock raises, unknown stock keeps ([0244])
    const t = (id: string) => thresholdFor(c.item(id), c.defaults, DEFAULT_INTEREST);
    expect([t('sku-88412'), t('sneaker-x1'), t('jeans-slim'), t('jeans-wide'), t('watch-collection')]).toEqual([4, 4, 10, 8, 10]);
  });

  it('names every problem by path', () => {
    const bad = parseItemsText(`v: 1
items:
  - { itemId: a, sensorIds: ["ibeacon:F7826DA6-4FA2-4E98-8024-BC5B71E0893E:100:1"] }
  - { itemId: a }
  - { itemId: b, sensorIds: [eid:case-7] }
  - { itemId: c, sensorIds: [eid:case-7] }
`);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toEqual([
      expect.stringMatching(/^\/items\/0\/sensorIds\/0: /),
      '/items/1/itemId: duplicate item a (first at /items/0)',
      '/items/3/sensorIds/0: beacon already marks item b',
    ]);
  });

  it('refuses schema violations, non-YAML and missing files without throwing', () => {
    const r = parseItemsText('v: 1\nitems:\n  - { itemId: a, stock: -1, colour: red }\n');
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.join('\n')).toMatch(/\/items\/0/);
    expect(parseItemsText('v: 1\nitems: [').ok).toBe(false);
    expect(parseItemsText('{"v":2,"items":[]}').ok).toBe(false);
    const missing = loadItemsFile('/nonexistent/items.yaml');
    expect(missing).toEqual({ ok: false, errors: [expect.stringContaining('ENOENT')] });
  });

  it('refuses content texts the content-item schema would refuse', () => {
    const r = parseItemsText('v: 1\nitems:\n  - itemId: a\n    incentive: { contentId: "has space", title: t, body: b, url: "http://insecure" }\n');
    expect(r.ok ? [] : r.errors.map((e) => e.split(':')[0])).toEqual(expect.arrayContaining(['/items/0/incentive/contentId', '/items/0/incentive/url']));
  });
});
