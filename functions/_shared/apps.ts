// The apps this backend serves. The list comes from the `public.app_id` enum through the generated types,
// so a new app is one migration and `npm run gen:types`.
import { Constants, type Database } from './database.types.ts';

export type AppId = Database['public']['Enums']['app_id'];
export const APP_IDS = Constants.public.Enums.app_id;

export function isAppId(value: string): value is AppId {
  return (APP_IDS as readonly string[]).includes(value);
}
