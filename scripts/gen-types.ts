// npm run gen:types: regenerates functions/_shared/database.types.ts from the migrations, on a throwaway database.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_DIR } from './stack/project.ts';
import { freePort } from './stack/ports.ts';
import { startDatabase } from './stack/stack.ts';
import { generateTypes, TYPES_FILE } from './stack/types.ts';
import process from 'node:process';

const db = await startDatabase({
  dir: join(LOCAL_DIR, `types-${process.pid}`),
  dbPort: await freePort(),
  throwaway: true,
  demo: false,
});
try {
  writeFileSync(TYPES_FILE, generateTypes(db.url));
  console.log(`wrote ${TYPES_FILE}`);
} finally {
  await db.stop();
}
