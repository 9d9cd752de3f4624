// Where a mailed link sends the browser: the request's redirect_to when GoTrue would accept it, else SITE_URL.
// Accepted: SITE_URL's scheme and host (any port on a loopback host), or a match of [auth]
// additional_redirect_urls, where `*` matches within one host label or path segment and `**` matches anything.

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function globRegExp(pattern: string): RegExp {
  const body = pattern.split('**').map((part) =>
    part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^./]*')
  ).join('.*');
  return new RegExp(`^${body}$`);
}

export function redirectTarget(requested: string | undefined, siteUrl: string, allowList: string[]): string {
  if (!requested) return siteUrl;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return siteUrl;
  }
  const site = new URL(siteUrl);
  const sameSite = url.protocol === site.protocol &&
    (url.host === site.host || (LOOPBACK.has(url.hostname) && LOOPBACK.has(site.hostname)));
  return sameSite || allowList.some((pattern) => globRegExp(pattern).test(requested)) ? requested : siteUrl;
}

/**
 * `base` with `query` set in its query string (its other parameters kept) and, when given, `fragment` as its fragment:
 * how GoTrue hands a browser a session (fragment), a PKCE auth code (query) or an error (both for PKCE).
 */
export function redirectWith(
  base: string,
  fields: { query?: Record<string, string>; fragment?: Record<string, string> },
): string {
  const hashAt = base.indexOf('#');
  const beforeHash = hashAt < 0 ? base : base.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const params = new URLSearchParams(queryAt < 0 ? '' : beforeHash.slice(queryAt + 1));
  for (const [name, value] of Object.entries(fields.query ?? {})) params.set(name, value);
  const query = params.toString() ? `?${params}` : '';
  const fragment = fields.fragment ? `#${new URLSearchParams(fields.fragment)}` : hashAt < 0 ? '' : base.slice(hashAt);
  return (queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt)) + query + fragment;
}
