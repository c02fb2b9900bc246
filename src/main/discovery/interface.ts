// Which interface mDNS uses. Inside a network namespace the only non-loopback interface is the
// namespace's own, so the default choice there is exactly that one.

import { networkInterfaces } from 'node:os';
import { NgError } from '../../shared/errors';

/**
 * The IPv4 address to join the mDNS group on: `wanted` may be an interface name ("eth0") or one of
 * this machine's IPv4 addresses; without it, the first non-internal IPv4 interface.
 */
export function chooseMdnsAddress(wanted?: string, interfaces = networkInterfaces()): string {
  const ipv4 = Object.entries(interfaces).flatMap(([name, addrs]) =>
    (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ name, address: a.address, internal: a.internal })),
  );
  if (wanted) {
    const hit = ipv4.find((a) => a.name === wanted || a.address === wanted);
    if (!hit) throw new NgError('NG_VALIDATION', `no IPv4 interface or address ${JSON.stringify(wanted)} on this machine (have: ${ipv4.map((a) => `${a.name}=${a.address}`).join(', ') || 'none'})`, { path: ['interface'] });
    return hit.address;
  }
  const external = ipv4.find((a) => !a.internal);
  if (!external) throw new NgError('NG_UNAVAILABLE', 'no non-loopback IPv4 interface for mDNS discovery; use "Add by address"');
  return external.address;
}
