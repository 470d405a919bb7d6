/**
 * The "host[:port]" addresses of the connection forms (XAPI pools, ONTAP clusters, EqualLogic
 * groups). Their patterns take up to five digits after the colon; a port out of range would be
 * saved and fail only at the first connection, as a socket error naming no field.
 */

/** The port written after the host ("192.0.2.10:8443", "[2001:db8::1]:443"), or null without one. */
export function writtenPortOf(address: string): number | null {
  const match = /[^:]:(\d+)$/.exec(address.trim());
  return match ? Number(match[1]) : null;
}

/** True unless the address names a port outside 1–65535. */
export function hasPortInRange(address: string): boolean {
  const port = writtenPortOf(address);
  return port === null || (port >= 1 && port <= 65535);
}

export const PORT_OUT_OF_RANGE = 'The port after ":" is between 1 and 65535';
