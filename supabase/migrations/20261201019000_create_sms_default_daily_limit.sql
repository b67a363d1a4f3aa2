-- One source for the default daily limit (issue 8): the column default and the settings page
-- (for a user with no preferences row yet) read the same function, as sms_max_daily_limit()
-- is already the one ceiling for the check constraint, the UI and the worker's hard cap.
create function public.sms_default_daily_limit()
returns integer
language sql
immutable
parallel safe
as $$ select 10 $$;

revoke execute on function public.sms_default_daily_limit() from public;
grant execute on function public.sms_default_daily_limit() to anon, authenticated, service_role;

alter table public.user_sms_preferences
  alter column daily_limit set default public.sms_default_daily_limit();
