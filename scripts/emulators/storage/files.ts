// Object bytes on local disk: one file per object version, so a replacement is written beside the old bytes
// and the old file goes only after the row points at the new one.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class ObjectFiles {
  constructor(private readonly root: string) {}

  private file(bucket: string, version: string) {
    if (!/^[a-z0-9-]+$/.test(version) || !/^[A-Za-z0-9_.-]+$/.test(bucket)) throw new Error('unsafe object file name');
    return join(this.root, bucket, version);
  }

  async write(bucket: string, version: string, bytes: Uint8Array) {
    await mkdir(join(this.root, bucket), { recursive: true });
    await writeFile(this.file(bucket, version), bytes);
  }

  // The return type is inferred: a copy on an ArrayBuffer of its own, as a Response body wants it. Spelling that out
  // (`Uint8Array<ArrayBuffer>`) needs TypeScript 5.7, newer than Deno 2.1's 5.6.
  async read(bucket: string, version: string) {
    return new Uint8Array(await readFile(this.file(bucket, version)));
  }

  async remove(bucket: string, version: string | null | undefined) {
    if (version) await rm(this.file(bucket, version), { force: true });
  }
}
