/**
 * Floor-plan geometry: metres, x to the right, y into the store (the entrance wall is y = 0).
 * Headings are compass-style degrees as a phone reports them: 0 = +y ("north" on the plan),
 * clockwise, in [0, 360).
 */
export type Point = readonly [number, number];

export function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

export function lerp(a: Point, b: Point, f: number): Point {
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

/** The point `d` metres from `p` in plan direction `facingDeg` (0 = +x, counter-clockwise, as `facing` in the layout). */
export function offset(p: Point, facingDeg: number, d: number): Point {
  const a = (facingDeg * Math.PI) / 180;
  return [p[0] + d * Math.cos(a), p[1] + d * Math.sin(a)];
}

/** Compass heading of the move from a to b (0 = +y, clockwise). */
export function headingDeg(a: Point, b: Point): number {
  const deg = (Math.atan2(b[0] - a[0], b[1] - a[1]) * 180) / Math.PI;
  const h = (deg + 360) % 360;
  // 359.99999 rounds to 360 in JSON; the schema wants < 360
  return Math.round(h * 10) / 10 >= 360 ? 0 : Math.round(h * 10) / 10;
}

/** Angle between plan direction `facingDeg` and the direction from `from` to `to`, degrees 0–180. */
export function angleOff(from: Point, facingDeg: number, to: Point): number {
  const dir = (Math.atan2(to[1] - from[1], to[0] - from[0]) * 180) / Math.PI;
  const d = Math.abs((((dir - facingDeg) % 360) + 540) % 360 - 180);
  return d;
}

/** A layout `[x, y]` (checked to have two numbers by the schema) as a Point. */
export function toPoint(p: readonly number[]): Point {
  return [p[0] ?? 0, p[1] ?? 0];
}
