-- Least privilege by default (issue 11). Supabase grants everything created in public to anon
-- and authenticated (and PUBLIC may execute any new function). Every migration revokes per
-- object; this makes the default safe too, so an object a future migration forgets to revoke
-- is unreachable to users instead of open. service_role keeps its default grants: the service
-- modules and the worker act as it.
--
-- Applies to objects created by the role running the migrations (postgres, on Supabase and
-- locally), which is who creates everything in public.
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke all on functions from anon, authenticated;
-- PUBLIC's EXECUTE on new functions is a global default (per-schema defaults can only add to
-- it), so it is revoked globally: for every schema this role creates functions in.
alter default privileges revoke execute on functions from public;
