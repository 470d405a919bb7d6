/**
 * What an operator types to delete one restore point: a VM has many points, so its name alone
 * does not say which goes. The text names the point by its VM and the second it was taken, in UTC
 * as the console writes times ("sql01 2026-12-05 10:00:03 UTC"); the dialog shows it (read from
 * the server) and the server checks it, both from this one function.
 */

/** What a point's delete asks to be typed, in words (the dialog's label and the refusal say it). */
export const POINT_DELETE_TYPED_NAME = "the point's VM and time";

/** The point to name and the other points of its VM taken in the same second (it may be among them). */
export interface PointToName {
  id: string;
  vmName: string;
  createdAt: Date;
}

/**
 * "sql01 2026-12-05 10:00:03 UTC"; to the millisecond ("… 10:00:03.412 UTC") when another point of
 * the VM was taken in the same second, and with the point's id after it when one shares even the
 * millisecond (two captures of one VM can be catalogued together), so no two points confirm alike.
 */
export function pointDeleteConfirmationOf(point: PointToName, sameSecond: readonly PointToName[]): string {
  const others = sameSecond.filter((other) => other.id !== point.id);
  const iso = point.createdAt.toISOString();
  const second = `${point.vmName} ${iso.slice(0, 19).replace('T', ' ')} UTC`;
  if (others.length === 0) return second;
  const milli = `${point.vmName} ${iso.slice(0, 23).replace('T', ' ')} UTC`;
  const sameMilli = others.some((other) => other.createdAt.getTime() === point.createdAt.getTime());
  return sameMilli ? `${milli} ${point.id}` : milli;
}

/** The second a point was taken in: where to look for the points that share it. */
export function secondOf(createdAt: Date): { from: Date; to: Date } {
  const from = new Date(Math.floor(createdAt.getTime() / 1000) * 1000);
  return { from, to: new Date(from.getTime() + 999) };
}
