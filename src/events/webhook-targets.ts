import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { WEBHOOK_URL_MESSAGE } from './webhook.dto.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** A delivery refused before it connected: the host is, or resolves only to, addresses Passcode does not send to. */
export class WebhookAddressRefused extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

/**
 * Where webhook deliveries may go. An endpoint's URL is chosen by an operator who
 * may hold only an `admin` role over some apps; without this, such an operator
 * could point one at Passcode's own network (the database, a cloud's metadata
 * service at 169.254.169.254, an internal admin page) and read the answer's first
 * bytes in the delivery log. So an address must be a public unicast one (by
 * ipaddr.js's ranges: not loopback, private, link-local, carrier-grade NAT,
 * unique-local, multicast, reserved, nor an IPv6 form that embeds an IPv4 one, as
 * NAT64 and 6to4 do), or lie in `WEBHOOK_ALLOWED_NETWORKS`, the operator's own list
 * (tenant apps on an internal network).
 *
 * The rule holds where the connection is made, on the addresses the name resolved
 * to for that connection: a name that resolves to a public address when the
 * endpoint is saved and to an internal one at delivery (DNS rebinding) is refused
 * then. Redirects are not followed (the deliverer's `redirect: 'manual'`). A URL
 * whose host is itself a refused address, or `localhost`, is refused when saved.
 */
@Injectable()
export class WebhookTargets implements OnModuleDestroy {
  private readonly allowed: Array<[Address, number]>;
  /** The deliverer's HTTP client: it judges each address before it connects. */
  readonly dispatcher: Agent;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = config.webhooks.allowedNetworks.map((cidr) => ipaddr.parseCIDR(cidr));
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, []);
        const usable = addresses.filter((a) => this.refusal(a.address) === undefined);
        if (!usable.length) return callback(this.refused(hostname, addresses[0].address), []);
        if (options.all) return callback(null, usable);
        callback(null, usable[0].address, usable[0].family);
      });
    };
    const connector = buildConnector({ lookup });
    this.dispatcher = new Agent({
      connect: (options, callback) => {
        // A literal address is connected to without a lookup, so it is judged here.
        const host = unbracketed(options.hostname);
        if (isIP(host) && this.refusal(host) !== undefined) return callback(this.refused(host, host), null);
        connector(options, callback);
      },
    });
  }

  /**
   * VALIDATION_FAILED on `url` when its host is a refused address or `localhost`: no
   * delivery could go there; also when Node's URL cannot read it (an IPv6 literal with a
   * zone, `[fe80::1%25lo]`, which the DTO's check let through: a 500).
   */
  assertAllowed(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DomainError('VALIDATION_FAILED', { field: 'url', constraint: 'isUrl', message: WEBHOOK_URL_MESSAGE });
    }
    const host = unbracketed(parsed.hostname);
    const loopbackName = host === 'localhost' || host.endsWith('.localhost');
    const refusal = loopbackName ? (['127.0.0.1', '::1'].every((a) => this.refusal(a) !== undefined) ? 'loopback' : undefined) : isIP(host) ? this.refusal(host) : undefined;
    if (refusal === undefined) return;
    throw new DomainError('VALIDATION_FAILED', {
      field: 'url',
      constraint: 'isPublicAddress',
      message: `url must not point at an internal address (${refusal}); WEBHOOK_ALLOWED_NETWORKS lists the networks webhooks may reach`,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.close();
  }

  /** Why `address` is refused (its range, e.g. `loopback`), or undefined when deliveries may go there. */
  private refusal(address: string): string | undefined {
    let parsed: Address;
    try {
      // process(): an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 one.
      parsed = ipaddr.process(address);
    } catch {
      return 'unparsable';
    }
    if (this.allowed.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits))) return undefined;
    const range = parsed.range();
    return range === 'unicast' ? undefined : range;
  }

  private refused(hostname: string, address: string): WebhookAddressRefused {
    const what = hostname === address ? address : `${hostname} (${address})`;
    return new WebhookAddressRefused(`refused: ${what} is an internal address (${this.refusal(address)}), not in WEBHOOK_ALLOWED_NETWORKS`);
  }
}

/** A URL's host as an address reads: an IPv6 literal without its brackets. */
function unbracketed(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}
