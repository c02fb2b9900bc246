// mDNS discovery: advertise this node as `_netgoat._tcp` and browse for the others. What is found
// lands in a DiscoveredPeers table of hints; joining, trust and liveness are the peer link's business.

import { Bonjour, type Browser, type Service } from 'bonjour-service';
import { DiscoveredPeers } from './discovered-peers';
import { chooseMdnsAddress } from './interface';
import { decodeTxt, encodeTxt, type Advertisement } from './txt-record';

export const SERVICE_TYPE = 'netgoat';

/** What discovery logs through; a pino logger fits. */
export interface DiscoveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface DiscoveryOptions extends Advertisement {
  /** Interface name or IPv4 address for mDNS; default: the first non-loopback IPv4 interface. */
  interface?: string;
  logger: DiscoveryLogger;
  /** How often to ask the LAN again, so a lost announcement is not lost for good (default 60 s). */
  requeryMs?: number;
}

export interface Discovery {
  readonly peers: DiscoveredPeers;
  /** The IPv4 address mDNS is bound to. */
  readonly address: string;
  /** Ask the LAN for `_netgoat._tcp` now (e.g. when the Peers screen opens). */
  requery(): void;
  /** Sends goodbyes, stops browsing and closes the socket. */
  stop(): Promise<void>;
}

export function startDiscovery(opts: DiscoveryOptions): Discovery {
  const { nodeId, logger } = opts;
  const txt = encodeTxt(opts);
  const address = chooseMdnsAddress(opts.interface);
  const peers = new DiscoveredPeers();

  // Bound to 0.0.0.0 (group traffic is addressed to 224.0.0.251, not to the unicast address) but
  // joined and sending on the chosen interface only.
  const mdnsOptions = { interface: address, bind: '0.0.0.0' };
  const bonjour = new Bonjour(mdnsOptions as object, (err: Error) => logger.warn({ err: err.message }, 'mDNS error'));
  const service = bonjour.publish({ name: `netgoat-${nodeId}`, type: SERVICE_TYPE, protocol: 'tcp', port: opts.port, host: `${nodeId}.local`, txt, disableIPv6: true });
  service.on('error', (err: Error) => logger.warn({ err: err.message }, 'mDNS advertisement failed'));

  const seen = (s: Service) => {
    const ad = decodeTxt(s.txt);
    if (!ad) return void logger.debug({ name: s.name }, 'ignoring a malformed _netgoat._tcp advertisement');
    if (ad.nodeId === nodeId) return;
    const addresses = [...(s.referer ? [s.referer.address] : []), ...(s.addresses ?? [])].filter((a) => !a.includes(':'));
    peers.saw(ad, addresses);
  };
  const browser: Browser = bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' });
  browser.on('up', seen);
  browser.on('txt-update', seen);
  browser.on('srv-update', seen);
  browser.on('down', (s: Service) => {
    const ad = decodeTxt(s.txt);
    if (ad) peers.withdrawn(ad.nodeId);
  });

  const requeryTimer = setInterval(() => browser.update(), opts.requeryMs ?? 60_000);
  requeryTimer.unref();
  logger.info({ address, port: opts.port }, 'mDNS discovery started');

  let stopped: Promise<void> | undefined;
  return {
    peers,
    address,
    requery: () => browser.update(),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        clearInterval(requeryTimer);
        browser.stop();
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
      })),
  };
}
