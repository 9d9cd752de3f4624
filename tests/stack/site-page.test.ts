// The local site_url page (scripts/stack/site-page.ts): a password reset walked through as a developer does it by
// hand — request it, open the mailed link, land on the page, set the new password there, sign in with it. The page's
// browser script runs here as it would in the browser, against a minimal document.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANDING_SCRIPT, sitePageHandler } from '../../scripts/stack/site-page.ts';
import { anonClient } from '../helpers/auth.ts';
import { freshEmail, lastMailTo, linkIn, openLink, signUpConfirmed } from '../helpers/mail.ts';
import { stackEnv } from '../helpers/stack.ts';

const PASSWORD = 'correct horse';
const NEW_PASSWORD = 'battery staple';

let server: Server;
let siteUrl: string;

beforeAll(async () => {
  const { apiUrl, publishableKey } = stackEnv();
  server = createServer(sitePageHandler({ authUrl: `${apiUrl}/auth/v1`, apiKey: publishableKey }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the page's script for a landing URL: the message it shows and the form's state. */
function land(url: URL) {
  const form = { hidden: true, elements: { access_token: { value: '' } } };
  const message = { textContent: '' };
  let addressBar = url.href;
  const document = { getElementById: (id: string) => ({ message, 'set-password': form })[id] };
  const history = { replaceState: (_: unknown, __: string, path: string) => (addressBar = path) };
  runInNewContext(LANDING_SCRIPT, { location: url, document, history, URLSearchParams, atob });
  return {
    message: message.textContent,
    formShown: !form.hidden,
    accessToken: form.elements.access_token.value,
    addressBar,
  };
}

async function postPassword(accessToken: string, password: string) {
  const res = await fetch(`${siteUrl}/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ access_token: accessToken, password }),
  });
  return { status: res.status, html: await res.text() };
}

describe('the local site_url page', () => {
  const walksReset = 'walks a password reset by hand: mailed link → page → new password set → it signs in, ' +
    'the old one does not';
  it(walksReset, async () => {
    const email = freshEmail();
    await signUpConfirmed(email, PASSWORD);
    expect((await anonClient().auth.resetPasswordForEmail(email)).error).toBeNull();
    // No redirectTo: the link sends the browser to site_url, where `npm start` serves this page.
    const opened = await openLink(linkIn(await lastMailTo(email)));
    expect(opened.location.origin + opened.location.pathname).toBe('http://127.0.0.1:3000/');

    const page = await (await fetch(siteUrl)).text();
    expect(page).toContain('<form id="set-password" method="post" action="/password" hidden>');
    expect(page).toContain(LANDING_SCRIPT);
    const shown = land(opened.location);
    expect(shown.message).toBe(`Choose a new password for ${email}.`);
    expect(shown.formShown).toBe(true);
    expect(shown.accessToken).toBe(opened.fragment.get('access_token'));
    expect(shown.addressBar).toBe('/');

    const set = await postPassword(shown.accessToken, NEW_PASSWORD);
    expect(set.status).toBe(200);
    expect(set.html).toContain(`Password changed for ${email}.`);
    expect((await anonClient().auth.signInWithPassword({ email, password: NEW_PASSWORD })).error).toBeNull();
    const old = await anonClient().auth.signInWithPassword({ email, password: PASSWORD });
    expect(old.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
  });

  it('shows a used link as Auth’s error, with no form', async () => {
    const email = freshEmail();
    await signUpConfirmed(email, PASSWORD);
    await anonClient().auth.resetPasswordForEmail(email);
    const link = linkIn(await lastMailTo(email));
    await openLink(link);
    const again = await openLink(link);
    const shown = land(again.location);
    expect(shown.message).toMatch(/^Auth refused the link: .+ \(otp_expired\)\.$/);
    expect(shown.formShown).toBe(false);
  });

  it('shows Auth’s refusal of a password it does not take, and of a session that is not one', async () => {
    const email = freshEmail();
    const { session } = await signUpConfirmed(email, PASSWORD);
    const short = await postPassword(session.access_token, 'abc');
    expect(short.status).toBe(422);
    expect(short.html).toContain('(weak_password)');
    const forged = await postPassword('not-a-token', NEW_PASSWORD);
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('Auth refused the new password');
    expect((await anonClient().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
  });

  it('says who a magic link signed in, and offers no password form', () => {
    const url = new URL(`http://127.0.0.1:3000/#access_token=x.${btoa('{"email":"a@b.cn"}')}.y&type=magiclink`);
    const shown = land(url);
    expect(shown.message).toBe('Signed in as a@b.cn (magiclink). Nothing else to do here.');
    expect(shown.formShown).toBe(false);
  });
});
