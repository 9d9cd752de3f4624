// GET /admin/users' page and per_page as GoTrue reads them (internal/api/pagination.go, paginate): each absent or
// empty (page 1, 50 a page), else an unsigned decimal integer, parsed by Go's strconv.ParseUint; anything else is
// 400 validation_failed "Bad Pagination Parameters: <Go's parse error>". GoTrue caps per_page only in its cursor mode,
// not here; a 0 is served as pop's paginator serves it (page 1, 20 a page).
import { validation } from './errors.ts';

const MAX_UINT64 = 18_446_744_073_709_551_615n;

function parseUint(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const refuse = (why: string) =>
    validation(`Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(value)}: ${why}`);
  if (!/^\d+$/.test(value)) throw refuse('invalid syntax');
  if (BigInt(value) > MAX_UINT64) throw refuse('value out of range');
  return Number(value);
}

export function paginationOf(page: string | undefined, perPage: string | undefined) {
  return { page: parseUint(page, 1) || 1, perPage: parseUint(perPage, 50) || 20 };
}
