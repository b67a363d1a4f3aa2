import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (packages/db/src → ../../..). */
export const repoRoot = path.resolve(here, '../../..');
export const migrationsDir = path.join(repoRoot, 'supabase/migrations');
export const seedFile = path.join(repoRoot, 'supabase/seed.sql');
export const compatFile = path.resolve(here, '../sql/supabase-compat.sql');
export const loginRolesFile = path.resolve(here, '../sql/login-roles.sql');
