-- Shared helpers used by the tables that follow.
--
-- On Supabase every new function in schema public is executable by anon and authenticated
-- (default privileges) and by PUBLIC (Postgres default), so each function below states its
-- grants explicitly.

-- Keeps updated_at honest on every UPDATE; attached as a BEFORE UPDATE trigger.
create function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

revoke execute on function public.set_updated_at() from public, anon, authenticated;

-- The small immutable SQL helpers below have no `set search_path` on purpose: a SET clause
-- stops Postgres from inlining them, which makes every check constraint and bulk insert that
-- uses them several times slower. They reference only schema-qualified operators.

-- The system-wide ceiling for a user's daily limit. A function (not a literal) so that the
-- check constraint, the SQL API and the UI read one number.
create function public.sms_max_daily_limit()
returns integer
language sql
immutable
parallel safe
as $$ select 50 $$;

-- Check constraints execute with the caller's privileges, so users writing their own
-- preferences need EXECUTE on this constant.
revoke execute on function public.sms_max_daily_limit() from public;
grant execute on function public.sms_max_daily_limit() to anon, authenticated, service_role;

-- True when the text is an E.164 number (+, country code, up to 15 digits).
create function public.is_e164(p_phone_number text)
returns boolean
language sql
immutable
parallel safe
as $$ select p_phone_number operator(pg_catalog.~) '^\+[1-9][0-9]{6,14}$' $$;

revoke execute on function public.is_e164(text) from public;
grant execute on function public.is_e164(text) to anon, authenticated, service_role;

-- True when the name is an IANA time zone Postgres knows. pg_timezone_names depends on the
-- server's tz database, so this is STABLE, which is why it is enforced by a trigger rather
-- than a CHECK constraint.
create function public.is_valid_time_zone(p_time_zone text)
returns boolean
language sql
stable
parallel safe
set search_path = ''
as $$
  select p_time_zone is not null
     and exists (select 1 from pg_catalog.pg_timezone_names where name = p_time_zone)
$$;

revoke execute on function public.is_valid_time_zone(text) from public;
grant execute on function public.is_valid_time_zone(text) to anon, authenticated, service_role;
