-- One row per user: phone, verification, time zone, quiet hours, daily limit, opt-out.
-- The phone number and its verification are written only by the server (set_verified_phone /
-- set_unverified_phone) after a successful Verify check; users choose the rest.

create table public.user_sms_preferences (
  user_id uuid primary key references auth.users (id) on delete cascade,
  phone_number text constraint user_sms_preferences_phone_number_check check (public.is_e164(phone_number)),
  phone_verified boolean not null default false,
  phone_verified_at timestamptz,
  time_zone text not null default 'UTC',
  quiet_hours_start time,
  quiet_hours_end time,
  daily_limit integer not null default 10,
  opted_out boolean not null default false,
  opted_out_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Both set or both null; equal values mean "no quiet hours".
  constraint user_sms_preferences_quiet_hours_check
    check ((quiet_hours_start is null) = (quiet_hours_end is null)),
  constraint user_sms_preferences_daily_limit_check
    check (daily_limit between 0 and public.sms_max_daily_limit()),
  constraint user_sms_preferences_verified_phone_check
    check (not phone_verified or phone_number is not null)
);

-- One verified owner per phone number.
create unique index user_sms_preferences_verified_phone_idx
  on public.user_sms_preferences (phone_number) where phone_verified;
-- Opt-outs (STOP) are applied to every row holding the number, verified or not.
create index user_sms_preferences_phone_number_idx on public.user_sms_preferences (phone_number);

alter table public.user_sms_preferences enable row level security;

-- Validates the time zone (pg_timezone_names is not immutable, so no CHECK constraint) and
-- stamps the verification / opt-out times so callers cannot forge them.
create function public.user_sms_preferences_before_write()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.time_zone is distinct from old.time_zone then
    if not public.is_valid_time_zone(new.time_zone) then
      raise exception using
        errcode = 'check_violation',
        message = format('invalid time zone: %s', new.time_zone),
        constraint = 'user_sms_preferences_time_zone_check',
        table = 'user_sms_preferences',
        schema = 'public';
    end if;
  end if;

  if tg_op = 'INSERT' then
    new.phone_verified_at := case when new.phone_verified then coalesce(new.phone_verified_at, now()) end;
    new.opted_out_at := case when new.opted_out then coalesce(new.opted_out_at, now()) end;
  else
    if new.phone_verified is distinct from old.phone_verified then
      new.phone_verified_at := case when new.phone_verified then now() end;
    end if;
    if new.opted_out is distinct from old.opted_out then
      new.opted_out_at := case when new.opted_out then now() end;
    end if;
    new.updated_at := now();
  end if;
  return new;
end;
$$;

revoke execute on function public.user_sms_preferences_before_write() from public, anon, authenticated;

create trigger user_sms_preferences_before_write
  before insert or update on public.user_sms_preferences
  for each row execute function public.user_sms_preferences_before_write();

create policy "Users can read their own SMS preferences"
  on public.user_sms_preferences for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Admins can read all SMS preferences"
  on public.user_sms_preferences for select to authenticated
  using ((select public.is_admin()));

create policy "Users can create their own SMS preferences"
  on public.user_sms_preferences for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Users can update their own SMS preferences"
  on public.user_sms_preferences for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

-- Column privileges: the phone number and verification flag are never the user's to write.
revoke all on table public.user_sms_preferences from anon, authenticated;
grant select on table public.user_sms_preferences to authenticated;
grant insert (user_id, time_zone, quiet_hours_start, quiet_hours_end, daily_limit, opted_out)
  on table public.user_sms_preferences to authenticated;
grant update (time_zone, quiet_hours_start, quiet_hours_end, daily_limit, opted_out)
  on table public.user_sms_preferences to authenticated;
