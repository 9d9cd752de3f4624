// The local stand-in for `[auth] site_url` (http://127.0.0.1:3000), where a link in Auth's mail sends the browser when
// the app named no deep link of its own. With nothing listening there, a developer who opens a password-reset mail in
// the catcher lands on a dead page; this one says what the link brought (a session, a PKCE code, or Auth's error)
// and, for a recovery or invite link, asks for the new password and sets it through Auth (PUT /auth/v1/user with the
// link's session), so the whole reset can be walked through by hand with a browser. `npm start` only: production's
// site_url is the studio's own page, and the apps pass their deep links as `redirectTo`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The page's script: it reads the landing URL's query and fragment as GoTrue writes them (an error in both, a session
 * in the fragment, a PKCE code in the query), says what the link brought and, for a recovery or invite session,
 * shows the new-password form holding the link's access token. Plain browser JavaScript (the fragment never reaches
 * a server); tests run this exact text (tests/stack/site-page.test.ts).
 */
export const LANDING_SCRIPT = `
const query = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
const param = (name) => fragment.get(name) ?? query.get(name);
const message = document.getElementById('message');
const form = document.getElementById('set-password');
const accessToken = fragment.get('access_token');
const type = fragment.get('type') ?? 'signin';
let email = 'this account';
try {
  email = JSON.parse(atob(accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).email || email;
} catch {}
if (param('error_description') || param('error')) {
  const code = param('error_code');
  message.textContent = 'Auth refused the link: ' + (param('error_description') ?? param('error')) +
    (code ? ' (' + code + ')' : '') + '.';
} else if (accessToken && (type === 'recovery' || type === 'invite')) {
  message.textContent = 'Choose a new password for ' + email + '.';
  form.elements.access_token.value = accessToken;
  form.hidden = false;
} else if (accessToken) {
  message.textContent = 'Signed in as ' + email + ' (' + type + '). Nothing else to do here.';
} else if (query.get('code')) {
  message.textContent = 'This link carries a PKCE code: only the app that asked for it can use it.';
} else {
  message.textContent = 'Links in Auth\u2019s mail land here when the app gave no redirectTo.';
}
// The session stays out of the address bar and the browser history.
history.replaceState(null, '', location.pathname);
`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (body: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<title>Houtai · local sign-in links</title>` +
  `<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">` +
  `<h1>Houtai (local)</h1>${body}</body></html>`;

const LANDING_PAGE = page(
  `<p id="message">Reading the link\u2026</p>
<form id="set-password" method="post" action="/password" hidden>
  <input type="hidden" name="access_token">
  <p><label>New password <input type="password" name="password" required autocomplete="new-password"></label></p>
  <p><button>Set the password</button></p>
</form>
<script>${LANDING_SCRIPT}</script>`,
);

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16_384) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

/** POST /password: sets the password with the link's session, and shows Auth's answer. */
async function setPassword(form: URLSearchParams, authUrl: string, apiKey: string): Promise<[number, string]> {
  const accessToken = form.get('access_token') ?? '';
  const password = form.get('password') ?? '';
  const res = await fetch(`${authUrl}/user`, {
    method: 'PUT',
    headers: { apikey: apiKey, authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (res.ok) {
    const user = await res.json() as { email?: string };
    return [200, `<p>Password changed for ${escapeHtml(user.email ?? 'the account')}. Sign in with it in the app.</p>`];
  }
  const err = await res.json().catch(() => ({})) as { msg?: string; message?: string; error_code?: string };
  const reason = err.msg ?? err.message ?? res.statusText;
  return [
    res.status,
    `<p>Auth refused the new password: ${escapeHtml(reason)}${
      err.error_code ? ` (${escapeHtml(err.error_code)})` : ''
    }.</p><p><a href="javascript:history.back()">Try again</a></p>`,
  ];
}

/** The page's request handler, given where Auth is and the publishable key it is called with. */
export function sitePageHandler(opts: { authUrl: string; apiKey: string }) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, html: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    };
    try {
      const path = new URL(req.url ?? '/', 'http://site').pathname;
      if (req.method === 'POST' && path === '/password') {
        const [status, body] = await setPassword(await readForm(req), opts.authUrl, opts.apiKey);
        return send(status, page(body));
      }
      if (req.method === 'GET') return send(200, LANDING_PAGE);
      send(405, page('<p>Only GET, and POST /password.</p>'));
    } catch (err) {
      send(400, page(`<p>${escapeHtml(err instanceof Error ? err.message : String(err))}</p>`));
    }
  };
}

/** Serves the page on site_url's port when site_url is this machine; `skipped` says why not (elsewhere, port taken). */
export async function startSitePage(
  siteUrl: string,
  opts: { authUrl: string; apiKey: string },
): Promise<{ server: Server; url: string } | { skipped: string }> {
  const url = new URL(siteUrl);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname) || url.protocol !== 'http:') {
    return { skipped: `site_url ${siteUrl} is not a local http address` };
  }
  const server = createServer(sitePageHandler(opts));
  const port = Number(url.port || 80);
  return await new Promise((resolve) => {
    server.once(
      'error',
      (err: NodeJS.ErrnoException) =>
        resolve({ skipped: `site_url's port ${port} is taken (${err.code}): mail links land on what listens there` }),
    );
    server.listen(port, '127.0.0.1', () => resolve({ server, url: url.origin }));
  });
}
