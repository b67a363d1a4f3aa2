-- The login roles the processes connect as (least privilege). Applied by `npm start` in local
-- mode (packages/db provisionLoginRoles) and, with passwords, by hand on Supabase (README).
-- Neither role has a privilege of its own: NOINHERIT means a connection can do nothing but
-- `set role` to one of the roles it is a member of, and those are RLS-bound API roles.
--   sms_web    → anon / authenticated per request, service_role in the server's service modules
--   sms_worker → service_role only
-- Neither is a member of the owner (postgres), so neither can become it or a superuser.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'sms_web') then
    create role sms_web nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'sms_worker') then
    create role sms_worker nologin noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to sms_web;
grant service_role to sms_worker;
