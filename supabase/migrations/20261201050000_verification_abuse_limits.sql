-- Verification abuse limits (issue 11): codes are capped per country calling code and globally
-- per hour (SMS pumping), and a cap being hit leaves an alert for operators.

-- The calling code ("1", "44") of the number each attempt was for, so the per-country cap is
-- one index range scan. Older rows stay null: they are outside every window already.
alter table public.phone_verifications add column country_calling_code text;

create index phone_verifications_country_idx
  on public.phone_verifications (country_calling_code, created_at) where action = 'start';
create index phone_verifications_start_idx
  on public.phone_verifications (created_at) where action = 'start';
create index phone_verifications_user_phone_idx
  on public.phone_verifications (user_id, phone_number, created_at);

-- Security alerts: one row per event an operator should look at (a verification cap hit, ...).
-- `kind` names the event, `subject` what it is about (a calling code, an IP), `details` the
-- figures. Written by the service only; the operations console reads it.
create table public.security_alerts (
  id bigint generated always as identity primary key,
  kind text not null constraint security_alerts_kind_check check (kind ~ '^[a-z_]{1,64}$'),
  subject text not null default '',
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

create index security_alerts_kind_idx on public.security_alerts (kind, subject, created_at desc);
create index security_alerts_created_idx on public.security_alerts (created_at desc);

alter table public.security_alerts enable row level security;

create policy "Admins can read security alerts"
  on public.security_alerts for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.security_alerts from anon, authenticated;
grant select on table public.security_alerts to authenticated;

-- Records an alert unless the same (kind, subject) was already raised within p_quiet_seconds,
-- so a cap hit a thousand times in an hour is one row, not a thousand. Returns whether a row
-- was written.
create function public.raise_security_alert(
  p_kind text,
  p_subject text,
  p_details jsonb default '{}'::jsonb,
  p_quiet_seconds integer default 3600
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('security_alert:' || p_kind || ':' || coalesce(p_subject, ''), 0));
  if exists (
    select 1 from public.security_alerts
     where kind = p_kind and subject = coalesce(p_subject, '')
       and created_at > now() - make_interval(secs => greatest(p_quiet_seconds, 0))
  ) then
    return false;
  end if;
  insert into public.security_alerts (kind, subject, details)
  values (p_kind, coalesce(p_subject, ''), coalesce(p_details, '{}'::jsonb));
  return true;
end;
$$;

revoke execute on function public.raise_security_alert(text, text, jsonb, integer) from public, anon, authenticated;
grant execute on function public.raise_security_alert(text, text, jsonb, integer) to service_role;
