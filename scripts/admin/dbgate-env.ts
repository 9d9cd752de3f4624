// DbGate is configured by environment variables (docs.dbgate.io/env-variables): one connection, to the local
// stack's database as its `postgres` superuser, so an admin opens the page and edits tables with nothing to type.
// DbGate reads many names a shell may hold for other reasons (PORT, LOGIN, PASSWORD, CONNECTIONS, STORAGE_*,
// BASIC_AUTH, ...), so it starts from the runtime variables alone plus these, never from the whole environment.
import { RUNTIME_VARIABLE } from '../stack/functions-env.ts';

/** The connection's id in DbGate (its API's `conid`). */
export const DBGATE_CONNECTION_ID = 'houtai';

export interface DbgateSettings {
  /** The stack's database URL (postgresql://postgres:postgres@127.0.0.1:<port>/postgres). */
  dbUrl: string;
  /** The port DbGate serves its page and API on. */
  port: number;
  /** DbGate's own files (settings, query history): under the stack's directory. */
  workspaceDir: string;
  /** The launcher's environment: only what runs programs (PATH, HOME, locale, certificates) is taken. */
  inherited: Record<string, string | undefined>;
}

export function dbgateEnv({ dbUrl, port, workspaceDir, inherited }: DbgateSettings): Record<string, string> {
  const db = new URL(dbUrl);
  const id = DBGATE_CONNECTION_ID;
  const runtime = Object.entries(inherited).filter((e): e is [string, string] =>
    e[1] !== undefined && RUNTIME_VARIABLE.test(e[0])
  );
  return {
    ...Object.fromEntries(runtime),
    PORT: String(port),
    WORKSPACE_DIR: workspaceDir,
    CONNECTIONS: id,
    [`LABEL_${id}`]: `Houtai local stack (${db.port})`,
    [`ENGINE_${id}`]: 'postgres@dbgate-plugin-postgres',
    [`SERVER_${id}`]: db.hostname,
    [`PORT_${id}`]: db.port,
    [`USER_${id}`]: decodeURIComponent(db.username),
    [`PASSWORD_${id}`]: decodeURIComponent(db.password),
    // A database named here makes DbGate open that one database only, the way Studio shows a project.
    [`DATABASE_${id}`]: decodeURIComponent(db.pathname.slice(1)),
  };
}
