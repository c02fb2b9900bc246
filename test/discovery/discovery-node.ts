// A node's discovery alone, run inside a test namespace: advertises, browses and prints what it
// finds as `PEER {json}` lines. With --observe it also prints every raw `_netgoat._tcp` TXT record
// it hears as `TXT {json}`, read by a plain bonjour browser that trusts nothing of ours.

import { Bonjour } from 'bonjour-service';
import { startDiscovery } from '../../src/main/discovery/discovery';

const [nodeId, port, fingerprint, clusterIdHash, iface, observe] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
const logger = { info: () => {}, debug: () => {}, warn: (o: object, msg: string) => void say(`WARN ${msg} ${JSON.stringify(o)}`) };

const discovery = startDiscovery({
  nodeId: nodeId!,
  port: Number(port),
  fingerprint: fingerprint!,
  clusterIdHash: clusterIdHash!,
  ...(iface && iface !== '-' ? { interface: iface } : {}),
  logger,
  requeryMs: 1000,
});
discovery.peers.onEvent((e) => {
  if (e.kind !== 'withdrawn') say(`PEER ${JSON.stringify(e.peer)}`);
});

let observer: Bonjour | undefined;
if (observe === '--observe') {
  observer = new Bonjour({ interface: discovery.address, bind: '0.0.0.0' } as object);
  const browser = observer.find({ type: 'netgoat', protocol: 'tcp' });
  browser.on('up', (s) => say(`TXT ${JSON.stringify({ name: s.name, host: s.host, txt: s.txt })}`));
}
say(`READY ${discovery.address}`);

process.once('SIGTERM', () => {
  observer?.destroy();
  void discovery.stop().then(() => process.exit(0));
});
