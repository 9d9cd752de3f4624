// The API through the real client: supabase.functions.invoke from @supabase/supabase-js.
import { createClient, FunctionsHttpError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

function client(accessToken?: string) {
  const { apiUrl, anonKey } = stackEnv();
  return createClient(apiUrl, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    // Node 20 has no native WebSocket.
    realtime: { transport: WebSocket as never },
    global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {},
  });
}

describe('supabase.functions.invoke', () => {
  it('reads and changes the profile', async () => {
    const user = await createUser({ display_name: 'Invoker' });
    const supabase = client(user.token);
    const { data, error } = await supabase.functions.invoke('api/v1/companion/me', { method: 'GET' });
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: user.id, display_name: 'Invoker', app: { app_id: 'companion' } });

    const patched = await supabase.functions.invoke('api/v1/companion/me', { method: 'PATCH', body: { locale: 'en' } });
    expect(patched.error).toBeNull();
    expect(patched.data.locale).toBe('en');
  });

  it('surfaces API errors as FunctionsHttpError with the envelope', async () => {
    const supabase = client();
    const { data, error } = await supabase.functions.invoke('api/v1/companion/me', { method: 'GET' });
    expect(data).toBeNull();
    expect(error).toBeInstanceOf(FunctionsHttpError);
    const res = (error as FunctionsHttpError).context as Response;
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHORIZED');
  });

  it('calls the public health route with the anon key', async () => {
    const { data, error } = await client().functions.invoke('api/v1/health', { method: 'GET' });
    expect(error).toBeNull();
    expect(data.status).toBe('ok');
  });
});
