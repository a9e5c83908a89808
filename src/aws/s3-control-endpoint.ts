/**
 * S3 Control's endpoint rules put the account id in front of the host (`123456789012.s3-control.…`), also in
 * front of a configured endpoint. In front of an IP address that is not a URL at all (the SDK prints a stack
 * trace and fails every call), and `<account>.localhost` resolves nowhere, so against an emulator the account's
 * Block Public Access could never be read. For those endpoints the rules are asked with a placeholder host, and
 * the answer (signing properties included) is pointed back at the configured host, without the prefix.
 */
import { isIP } from "node:net";

const PLACEHOLDER_HOST = "s3-control.endpoint.invalid";

/** True for an IP literal or `localhost`: hosts that cannot carry a subdomain. */
export function cannotTakeHostPrefix(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(bare) !== 0 || bare === "localhost";
}

export function withoutAccountHostPrefix<
  P extends { Endpoint?: string | undefined },
  C,
  R extends { url: URL },
>(base: (params: P, context?: C) => R): (params: P, context?: C) => R {
  return (params, context) => {
    const endpoint = params.Endpoint;
    if (endpoint === undefined) return base(params, context);
    let configured: URL;
    try {
      configured = new URL(endpoint);
    } catch {
      return base(params, context);
    }
    if (!cannotTakeHostPrefix(configured.hostname)) return base(params, context);
    const probe = new URL(configured.href);
    probe.hostname = PLACEHOLDER_HOST;
    const resolved = base({ ...params, Endpoint: probe.href }, context);
    const url = new URL(resolved.url.href);
    if (url.hostname === PLACEHOLDER_HOST || url.hostname.endsWith(`.${PLACEHOLDER_HOST}`)) {
      url.hostname = configured.hostname;
    }
    return { ...resolved, url };
  };
}
