// The local admin tool's configuration (scripts/admin/): DbGate's environment is built from the stack, so it opens
// on the stack's database as postgres with nothing to type, and it listens where Studio would, on 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { adminToolLines } from '../../scripts/admin.ts';
import { DBGATE_CONNECTION_ID, dbgateEnv } from '../../scripts/admin/dbgate-env.ts';
import { LOOPBACK_PRELOAD } from '../../scripts/admin/dbgate.ts';
import { readProjectConfig } from '../../scripts/stack/project.ts';
import process from 'node:process';

const runtime = {
  PATH: '/usr/local/bin:/usr/bin',
  HOME: '/home/dev',
  LANG: 'C.UTF-8',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/ca.pem',
};

describe("DbGate's environment", () => {
  it("holds one connection to the stack's database as its postgres superuser, opened on that database", () => {
    const env = dbgateEnv({
      dbUrl: 'postgresql://postgres:postgres@127.0.0.1:40123/postgres',
      port: 40124,
      workspaceDir: '/checkout/.local/dev/admin',
      inherited: runtime,
    });
    expect(DBGATE_CONNECTION_ID).toBe('houtai');
    expect(env).toEqual({
      ...runtime,
      PORT: '40124',
      WORKSPACE_DIR: '/checkout/.local/dev/admin',
      CONNECTIONS: 'houtai',
      LABEL_houtai: 'Houtai local stack (40123)',
      ENGINE_houtai: 'postgres@dbgate-plugin-postgres',
      SERVER_houtai: '127.0.0.1',
      PORT_houtai: '40123',
      USER_houtai: 'postgres',
      PASSWORD_houtai: 'postgres',
      DATABASE_houtai: 'postgres',
    });
  });

  it('takes only runtime variables from the shell: a LOGIN, PASSWORD, PORT or CONNECTIONS would reconfigure it', () => {
    const env = dbgateEnv({
      dbUrl: 'postgresql://postgres:s%40cret@127.0.0.1:5432/postgres',
      port: 40124,
      workspaceDir: '/w',
      inherited: {
        ...runtime,
        LOGIN: 'admin',
        PASSWORD: 'x',
        PORT: '3000',
        CONNECTIONS: 'prod',
        SERVER_prod: 'db.example',
        BASIC_AUTH: '1',
        STORAGE_DATABASE: 'dbgate',
        UNSET: undefined,
      },
    });
    expect(Object.keys(env).filter((k) => !(k in runtime)).sort()).toEqual(
      [
        'CONNECTIONS',
        'DATABASE_houtai',
        'ENGINE_houtai',
        'LABEL_houtai',
        'PASSWORD_houtai',
        'PORT',
        'PORT_houtai',
        'SERVER_houtai',
        'USER_houtai',
        'WORKSPACE_DIR',
      ],
    );
    expect(env.PORT).toBe('40124');
    // Credentials are taken from the URL as Postgres reads them (percent-decoded).
    expect(env.PASSWORD_houtai).toBe('s@cret');
  });
});

describe('where the admin tool is', () => {
  it("npm start's banner names `npm run admin` and the 127.0.0.1 URL at config.toml's [studio] port", () => {
    const port = readProjectConfig().studioPort;
    expect(port).toBe(54323);
    const banner = adminToolLines(port).join('\n');
    expect(banner).toContain('npm run admin');
    expect(banner).toContain('http://127.0.0.1:54323');
    expect(banner).toMatch(/public\.app_config[\s\S]*internal\.sync_settings/);
  });

  it.each([
    ['listen(port)', 'server.listen(0, report)'],
    ['listen({ port })', 'server.listen({ port: 0 }, report)'],
    ['listen()', 'server.listen(); server.on("listening", report)'],
  ])('the loopback preload makes %s bind 127.0.0.1 (DbGate calls listen with no address)', (_call, code) => {
    const script = "const server = require('node:http').createServer(); " +
      'const report = () => { console.log(server.address().address); server.close(); }; ' +
      `${code};`;
    const res = spawnSync(process.execPath, ['--require', LOOPBACK_PRELOAD, '-e', script], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('127.0.0.1');
  });

  it('the loopback preload leaves a listen that names its address alone', () => {
    const script = "const server = require('node:net').createServer(); " +
      "server.listen(0, '127.0.0.2', () => { console.log(server.address().address); server.close(); });";
    const res = spawnSync(process.execPath, ['--require', LOOPBACK_PRELOAD, '-e', script], { encoding: 'utf8' });
    expect(res.stdout.trim()).toBe('127.0.0.2');
  });
});
