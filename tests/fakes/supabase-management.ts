// A local stand-in for the part of Supabase's Management API that `supabase functions deploy --use-api` calls for
// one function: POST /v1/projects/{ref}/functions/deploy?slug=<name>, a multipart form of `metadata` (JSON) and one
// `file` part per uploaded file, named by its path relative to the CLI's workdir. It keeps what was uploaded and
// answers 201 with the function, as the API does; any other request is kept and answered 404.
import { createServer, type Server } from 'node:http';
import { Buffer } from 'node:buffer';

export interface FunctionUpload {
  ref: string;
  slug: string;
  metadata: {
    entrypoint_path?: string;
    import_map_path?: string;
    static_patterns?: string[];
    verify_jwt?: boolean;
    name?: string;
  };
  /** Uploaded files by name (a path relative to the workdir). */
  files: Map<string, Buffer>;
}

export interface FakeManagementApi {
  url: string;
  uploads: FunctionUpload[];
  /** Requests the fake does not serve ("GET /v1/..."), so a test can show what else the CLI asked for. */
  unhandled: string[];
  close(): Promise<void>;
}

export async function startFakeManagementApi(): Promise<FakeManagementApi> {
  const uploads: FunctionUpload[] = [];
  const unhandled: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const deploy = /^\/v1\/projects\/([^/]+)\/functions\/deploy$/.exec(url.pathname);
      const slug = url.searchParams.get('slug');
      if (req.method !== 'POST' || !deploy || !slug) {
        unhandled.push(`${req.method} ${url.pathname}${url.search}`);
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ message: 'not served by the fake' }));
      }
      const form = await new Response(Buffer.concat(chunks), {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
      const files = new Map<string, Buffer>();
      for (const part of form.getAll('file')) {
        if (typeof part !== 'string') files.set(part.name, Buffer.from(await part.arrayBuffer()));
      }
      const metadata = JSON.parse(String(form.get('metadata'))) as FunctionUpload['metadata'];
      uploads.push({ ref: deploy[1], slug, metadata, files });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `00000000-0000-4000-8000-${String(uploads.length).padStart(12, '0')}`,
          slug,
          name: slug,
          status: 'ACTIVE',
          version: 1,
          created_at: 1_700_000_000_000,
          updated_at: 1_700_000_000_000,
          verify_jwt: metadata.verify_jwt ?? true,
          entrypoint_path: metadata.entrypoint_path,
          import_map_path: metadata.import_map_path,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    unhandled,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the CLI leaves its keep-alive connection open
      }),
  };
}
