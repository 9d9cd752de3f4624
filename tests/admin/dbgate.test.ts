// The local admin tool itself: DbGate, installed from its pinned lock and started as `npm run admin` starts it, on the
// test stack's database. Its page loads, its API (as its web page calls it, with no login) sees our tables, it listens
// on 127.0.0.1 only, and it stops by PID, with its worker processes, when the stack it serves goes away.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBGATE_CONNECTION_ID } from '../../scripts/admin/dbgate-env.ts';
import { type AdminTool, startAdminTool, stopWhenGone } from '../../scripts/admin/dbgate.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { LOCAL_DIR } from '../../scripts/stack/project.ts';
import { isAlive } from '../../scripts/stack/stack.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import process from 'node:process';

const workspaceDir = join(LOCAL_DIR, `admin-test-${process.pid}`);
let tool: AdminTool;

beforeAll(async () => {
  tool = await startAdminTool({ dbUrl: stackEnv().dbUrl, port: await freePort(), workspaceDir });
}, 300_000);

afterAll(async () => {
  await tool?.stop();
  rmSync(workspaceDir, { recursive: true, force: true });
});

/** DbGate's API as its web page calls it: POST with JSON, a bearer token from its anonymous login. */
async function api<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${tool.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${path}: ${res.status} ${text}`).toBe(200);
  return JSON.parse(text) as T;
}

/** Signs in as DbGate's page does with no login configured: the default (anonymous) provider hands out a token. */
async function anonymousToken(): Promise<string> {
  const providers = await api<{ default: string }>('/auth/get-providers', {});
  expect(providers.default).toBe('none');
  return (await api<{ accessToken: string }>('/auth/login', { amoid: providers.default })).accessToken;
}

/** TCP sockets listening on `port`, as "address:port" in /proc's hex notation, per family. */
function listeners(port: number): { v4: string[]; v6: string[] } {
  const read = (file: string) =>
    readFileSync(file, 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === '0A').map((
      f,
    ) => f[1])
      .filter((local) => parseInt(local.split(':')[1], 16) === port);
  return { v4: read('/proc/net/tcp'), v6: read('/proc/net/tcp6') };
}

/** PIDs whose parent is `pid` (DbGate's forked workers). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its closing paren.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false; // exited while we looked
    }
  }).map(Number);
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000, refresh?: () => Promise<void>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the admin tool (DbGate) on the stack', () => {
  it('serves its web page at the 127.0.0.1 URL it reports, listening on the loopback address only', async () => {
    const res = await fetch(`${tool.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<title>[^<]*DbGate/i);
    const port = Number(new URL(tool.url).port);
    expect(listeners(port)).toEqual({ v4: [`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`], v6: [] });
  });

  it("refuses requests from another page (Origin) or to another host (DNS rebinding); its page's pass", async () => {
    const port = Number(new URL(tool.url).port);
    /** A POST to DbGate's login route with the Host and Origin a browser would send. */
    const statusFor = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: '/auth/get-providers',
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
        }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
    expect(await statusFor({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).toBe(200);
    expect(await statusFor({ host: `localhost:${port}` })).toBe(200);
    expect(await statusFor({ host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).toBe(403);
    expect(await statusFor({ host: `127.0.0.1:${port}`, origin: 'null' })).toBe(403);
    expect(await statusFor({ host: `evil.example:${port}` })).toBe(403);
  });

  it('without a login, its API has the stack connection and sees public.app_config and internal.sync_settings', {
    timeout: 60_000,
  }, async () => {
    const accessToken = await anonymousToken();
    const connections = await api<Array<{ _id: string; engine: string; defaultDatabase: string }>>(
      '/connections/list',
      {},
      accessToken,
    );
    expect(connections.map((c) => [c._id, c.engine, c.defaultDatabase])).toEqual([[
      DBGATE_CONNECTION_ID,
      'postgres@dbgate-plugin-postgres',
      'postgres',
    ]]);
    type Structure = { tables?: Array<{ schemaName: string; pureName: string }> };
    // DbGate analyses the database in a worker after the first request: ask until the analysis is in.
    let tables: string[] = [];
    const deadline = Date.now() + 45_000;
    while (!tables.includes('public.app_config') && Date.now() < deadline) {
      const structure = await api<Structure>('/database-connections/structure', {
        conid: DBGATE_CONNECTION_ID,
        database: 'postgres',
      }, accessToken);
      tables = (structure.tables ?? []).map((t) => `${t.schemaName}.${t.pureName}`);
      if (!tables.includes('public.app_config')) await new Promise((r) => setTimeout(r, 500));
    }
    expect(tables).toEqual(expect.arrayContaining(['public.app_config', 'internal.sync_settings']));
  });

  it("an update run in DbGate's SQL editor changes public.app_config", { timeout: 60_000 }, async () => {
    // A key of this test's own, so no other test's config changes under it.
    const key = `admin_tool_${process.pid}`;
    await adminSql()`insert into public.app_config (app_id, key, value) values ('quit', ${key}, '{"on": true}')`;
    const accessToken = await anonymousToken();
    // What the editor does: a query session on the connection, then Execute (results stream back to the page).
    const { sesid } = await api<{ sesid: string }>('/sessions/create', {
      conid: DBGATE_CONNECTION_ID,
      database: 'postgres',
    }, accessToken);
    try {
      const sql = `update public.app_config set value = '{"on": false}' where app_id = 'quit' and key = '${key}'`;
      expect(await api('/sessions/execute-query', { sesid, sql }, accessToken)).toEqual({ state: 'ok' });
      let value: unknown;
      await until('the update to commit', () => JSON.stringify(value) === '{"on":false}', 20_000, async () => {
        [{ value }] = await adminSql()`select value from public.app_config where app_id = 'quit' and key = ${key}`;
      });
      expect(value).toEqual({ on: false });
    } finally {
      await api('/sessions/kill', { sesid }, accessToken);
      await adminSql()`delete from public.app_config where app_id = 'quit' and key = ${key}`;
    }
  });

  it('stops by itself, workers and all, when the stack process it watches is gone', { timeout: 30_000 }, async () => {
    // A database opened in DbGate has a worker process of its own.
    const accessToken = await anonymousToken();
    await api('/database-connections/structure', { conid: DBGATE_CONNECTION_ID, database: 'postgres' }, accessToken);
    const workers = childrenOf(tool.pid);
    expect(workers.length).toBeGreaterThan(0);
    // Stands in for `npm start`'s supervisor: a process of our own, ended by its PID.
    const supervisor = spawn('sleep', ['600'], { stdio: 'ignore' });
    const stopped = stopWhenGone(tool, [supervisor.pid!]);
    supervisor.kill('SIGTERM');
    await stopped;
    expect(isAlive(tool.pid)).toBe(false);
    await until('DbGate workers to exit', () => workers.every((pid) => !isAlive(pid)));
    expect(workers.filter(isAlive)).toEqual([]);
  });
});
