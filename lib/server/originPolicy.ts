import { CohereConfigError } from 'cohere-rx';

/** The options of the same-origin rule (see `ChatHandlerOptions`). */
export interface OriginOptions {
  allowedOrigins?: readonly string[] | undefined;
  publicOrigin?: string | undefined;
  trustProxy?: boolean | undefined;
}

/**
 * The same-origin rule, checked at set-up: returns a check of each request
 * that gives the reason to refuse it (403), or `undefined` to let it in.
 *
 * A request is refused when its `Sec-Fetch-Site` is `cross-site`, or when
 * it has an `Origin` that is not the relay's own, unless that `Origin` is
 * one of `allowedOrigins`. A request with neither header (curl, a server,
 * an old browser) is no cross-site browser request and passes. The own
 * origin is `publicOrigin`, else (`trustProxy`) the first
 * `X-Forwarded-Proto` and `X-Forwarded-Host`, else the request's URL.
 * Origins are compared exactly, as browsers send them
 * (`scheme://host[:port]`, lower case, no default port).
 */
export function originPolicy(options: OriginOptions): (request: Request) => string | undefined {
  const allowed = new Set<string>();
  const given = options.allowedOrigins;
  if (given !== undefined) {
    if (!Array.isArray(given))
      throw new CohereConfigError('allowedOrigins', 'expected an array of origins such as "https://app.example.com"');
    for (const origin of given) allowed.add(exactOrigin('allowedOrigins', origin));
  }
  const publicOrigin = options.publicOrigin === undefined ? undefined : exactOrigin('publicOrigin', options.publicOrigin);
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') {
    throw new CohereConfigError('trustProxy', `expected true or false, got ${typeof options.trustProxy}`);
  }
  const trustProxy = options.trustProxy === true;

  const ownOrigin = (request: Request): string | undefined => {
    if (publicOrigin !== undefined) return publicOrigin;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return undefined;
    }
    if (!trustProxy) return url.origin;
    const proto = firstValue(request.headers.get('x-forwarded-proto')) ?? url.protocol.slice(0, -1);
    const host = firstValue(request.headers.get('x-forwarded-host')) ?? url.host;
    if (!/^https?$/i.test(proto)) return undefined;
    try {
      return new URL(`${proto}://${host}`).origin;
    } catch {
      return undefined;
    }
  };

  return (request) => {
    const origin = request.headers.get('origin');
    const site = request.headers.get('sec-fetch-site');
    if (origin !== null && allowed.has(origin)) return undefined;
    if (site === 'cross-site') return `cross-site requests are not allowed${origin === null ? '' : ` (Origin: ${shown(origin)})`}`;
    if (origin === null || origin === ownOrigin(request)) return undefined;
    return `requests from another origin are not allowed (Origin: ${shown(origin)})`;
  };
}

/** `value` when it is exactly an http(s) origin as a browser writes it; else a `CohereConfigError` naming `option`. */
function exactOrigin(option: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url && /^https?:$/.test(url.protocol) && url.origin === value) return value;
  const hint = url && /^https?:$/.test(url.protocol) ? ` (write it as ${JSON.stringify(url.origin)})` : '';
  throw new CohereConfigError(
    option,
    `expected an exact origin, scheme://host[:port] with nothing after it, such as "https://app.example.com", got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : typeof value}${hint}`,
  );
}

function firstValue(header: string | null): string | undefined {
  const first = header?.split(',')[0]?.trim();
  return first === '' ? undefined : first;
}

function shown(origin: string): string {
  return origin.length > 100 ? `${origin.slice(0, 100)}…` : origin;
}
