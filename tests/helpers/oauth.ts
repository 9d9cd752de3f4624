// A browser going through an OAuth sign-in against the test stack: Auth's /authorize, the fake Apple or Google
// (tests/fakes/oidc-issuers.ts) logging in whoever the test names, and Auth's /callback; each step a request of its
// own, so that a test can replay one or change it.
import { stackEnv } from './stack.ts';

/** Whom the fake provider logs in, or the error it answers instead (`access_denied`: the user cancelled). */
export interface FakeLogin {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  /** Apple: the name it posts at the first sign-in. */
  name?: string;
  error?: string;
}

/** What the provider has the browser send to Auth's /callback: a GET of `url`, or (form_post) a POST of `form`. */
export interface ProviderReturn {
  url: string;
  form?: Record<string, string>;
}

/** Opens Auth's /authorize URL (supabase-js' data.url) as a browser: where Auth sends it, the provider's URL. */
export async function openAuthorize(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  const body = await res.text();
  if (res.status !== 302) throw new Error(`/authorize answered ${res.status}: ${body}`);
  return new URL(res.headers.get('location')!);
}

/** Logs in at the fake provider as `login`: the request the provider then has the browser send to Auth. */
export async function loginAtProvider(providerUrl: URL, login: FakeLogin): Promise<ProviderReturn> {
  const url = new URL(providerUrl);
  url.searchParams.set('fake_sub', login.sub);
  if (login.email) url.searchParams.set('fake_email', login.email);
  if (login.emailVerified === false) url.searchParams.set('fake_email_verified', 'false');
  if (login.name) url.searchParams.set('fake_name', login.name);
  if (login.error) url.searchParams.set('fake_error', login.error);
  const res = await fetch(url, { redirect: 'manual' });
  const body = await res.text();
  if (res.status === 302) return { url: res.headers.get('location')! };
  if (res.status !== 200) throw new Error(`the fake provider answered ${res.status}: ${body}`);
  // response_mode=form_post: the page's form, which a browser submits at once.
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  const action = unescape(/<form method="post" action="([^"]*)"/.exec(body)![1]);
  const form = Object.fromEntries(
    [...body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [m[1], unescape(m[2])]),
  );
  return { url: action, form };
}

/** Sends the provider's return to Auth's /callback: the status and where Auth sends the browser next. */
export async function returnToAuth(back: ProviderReturn): Promise<{ status: number; location: URL }> {
  const res = back.form
    ? await fetch(back.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(back.form),
      redirect: 'manual',
    })
    : await fetch(back.url, { redirect: 'manual' });
  await res.body?.cancel();
  return { status: res.status, location: new URL(res.headers.get('location') ?? '') };
}

/**
 * The whole round trip from supabase-js' URL (Auth's /authorize; linkIdentity's is the provider's already): the
 * provider's URL, what it sent back, and where Auth sent the browser then (the app's redirect, or site_url).
 */
export async function signInThroughProvider(url: string, login: FakeLogin) {
  const providerUrl = url.startsWith(stackEnv().apiUrl) ? await openAuthorize(url) : new URL(url);
  const back = await loginAtProvider(providerUrl, login);
  return { providerUrl, back, ...(await returnToAuth(back)) };
}

/** A query's or fragment's fields, as an object. */
export const fieldsOf = (params: string) => Object.fromEntries(new URLSearchParams(params.replace(/^[#?]/, '')));
