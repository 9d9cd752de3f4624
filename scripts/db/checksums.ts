// npm run db:checksums: lists new migration files in supabase/migrations/checksums.json (listed ones stay as they are).
import { join } from 'node:path';
import { ROOT } from '../stack/project.ts';
import { addNewChecksums } from '../stack/migration-checksums.ts';

const added = addNewChecksums(join(ROOT, 'supabase/migrations'));
console.log(added.length ? `listed ${added.join(', ')}` : 'no new migrations');
