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
