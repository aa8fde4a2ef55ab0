import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses SNS may deliver to. `public` (the default) keeps subscriptions from reaching the machine
 * itself or its private networks, as AWS's SNS cannot: loopback, private, link-local, carrier-grade NAT,
 * unique-local, multicast and reserved ranges are refused. `any` lets them through (webhooks on the same host).
 */
export type SnsEndpoints = 'public' | 'any';

// One list per family: a BlockList checks IPv4 addresses against IPv6 rules too, as IPv4-mapped ones.
const NOT_PUBLIC_V4 = new BlockList();
const NOT_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  // IPv4-mapped and NAT64 addresses would reach IPv4 ranges by another name.
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is one SNS may not reach under `public`; anything not an address counts as such. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? NOT_PUBLIC_V4.check(address, 'ipv4') : NOT_PUBLIC_V6.check(address, 'ipv6');
}

/** The host of a URL as an address, where it is one (IPv6 without its brackets); undefined for a name. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) === 0 ? undefined : host;
}

/**
 * The address a URL names directly when `public` forbids it (a name is judged on delivery, by
 * publicOnlyLookup: Node does not look up an address, so an address must be judged here).
 */
export function forbiddenAddress(url: URL, endpoints: SnsEndpoints): string | undefined {
  const literal = literalAddress(url);
  return endpoints === 'public' && literal !== undefined && isNonPublicAddress(literal) ? literal : undefined;
}

export class NonPublicEndpoint extends Error {
  override readonly name = 'NonPublicEndpoint';
  constructor(what: string) {
    super(`${what} is not a public address; SNS delivers only to public ones here`);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * dns.lookup for http(s).request, refusing names that resolve to an address `public` forbids: checked on the
 * address the connection will use, so a name cannot pass the check and then resolve elsewhere.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isNonPublicAddress(a.address));
    if (refused) return callback(new NonPublicEndpoint(`${hostname} (${refused.address})`), []);
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    if (!first) return callback(new NonPublicEndpoint(hostname), []);
    callback(null, first.address, first.family);
  });
}
