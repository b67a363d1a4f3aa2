-- A change of time zone never grants extra texts (issue 11). The daily counter is kept per
-- (user, local date); switching to a zone where it is already tomorrow used to open a fresh
-- counter. Now, when the zone changes:
--   * what the old zone's "today" had used carries into the new zone's today (never lowered);
--   * a hold remembers that count until the old day ends (its midnight, as an instant), and
--     every reservation until then must fit under the limit in the hold too.
-- So within any day of any zone the user held, no more than the limit is sent. The hard cap
-- is the same counter with a higher limit, so it is covered alike. Same function signatures:
-- the worker is unchanged.

create table public.sms_daily_usage_holds (
  user_id uuid not null references auth.users (id) on delete cascade,
  -- When the day being held ends (the old zone's next midnight).
  until timestamptz not null,
  count integer not null constraint sms_daily_usage_holds_count_check check (count >= 0),
  created_at timestamptz not null default now(),
  primary key (user_id, until)
);

alter table public.sms_daily_usage_holds enable row level security;

create policy "Admins can read daily usage holds"
  on public.sms_daily_usage_holds for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_daily_usage_holds from anon, authenticated;
grant select on table public.sms_daily_usage_holds to authenticated;

create function public.sms_daily_usage_on_zone_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old_date date;
  v_new_date date;
  v_used integer;
begin
  -- Any zone Postgres knows can be read here, even one the app no longer accepts.
  v_old_date := (now() at time zone old.time_zone)::date;
  v_new_date := (now() at time zone new.time_zone)::date;

  select greatest(
           coalesce((select u.count from public.sms_daily_usage u
                      where u.user_id = new.user_id and u.local_date = v_old_date), 0),
           coalesce((select max(h.count) from public.sms_daily_usage_holds h
                      where h.user_id = new.user_id and h.until > now()), 0))
    into v_used;
  if v_used = 0 then
    return null;
  end if;

  insert into public.sms_daily_usage_holds as h (user_id, until, count)
  values (new.user_id, ((v_old_date + 1)::timestamp at time zone old.time_zone), v_used)
  on conflict (user_id, until) do update set count = greatest(h.count, excluded.count);

  insert into public.sms_daily_usage as u (user_id, local_date, count)
  values (new.user_id, v_new_date, v_used)
  on conflict (user_id, local_date) do update
    set count = greatest(u.count, excluded.count), updated_at = now();

  -- Old holds are of no use once their day is over.
  delete from public.sms_daily_usage_holds where user_id = new.user_id and until <= now();
  return null;
end;
$$;

revoke execute on function public.sms_daily_usage_on_zone_change() from public, anon, authenticated;

create trigger user_sms_preferences_zone_change
  after update of time_zone on public.user_sms_preferences
  for each row
  when (old.time_zone is distinct from new.time_zone)
  execute function public.sms_daily_usage_on_zone_change();

-- True (and counted) when the user has sent fewer than p_limit texts on p_local_date, and in
-- every day still held from an earlier time zone.
create or replace function public.reserve_sms_daily_slot(p_user_id uuid, p_local_date date, p_limit integer)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reserved boolean;
begin
  if p_limit is null or p_limit < 1 then
    return false;
  end if;

  -- Serialises with other reservations of this user while a hold is live.
  perform 1 from public.sms_daily_usage_holds
   where user_id = p_user_id and until > now()
   for update;
  if exists (select 1 from public.sms_daily_usage_holds
              where user_id = p_user_id and until > now() and count >= p_limit) then
    return false;
  end if;

  insert into public.sms_daily_usage as u (user_id, local_date, count)
  values (p_user_id, p_local_date, 1)
  on conflict (user_id, local_date) do update
    set count = u.count + 1, updated_at = now()
    where u.count < p_limit
  returning true into v_reserved;

  if coalesce(v_reserved, false) then
    update public.sms_daily_usage_holds set count = count + 1
     where user_id = p_user_id and until > now();
  end if;
  return coalesce(v_reserved, false);
end;
$$;

-- Give back a slot reserved for a send that did not happen, in every count it was taken from.
create or replace function public.release_sms_daily_slot(p_user_id uuid, p_local_date date)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released boolean;
begin
  update public.sms_daily_usage
     set count = count - 1, updated_at = now()
   where user_id = p_user_id and local_date = p_local_date and count > 0
  returning true into v_released;
  if coalesce(v_released, false) then
    update public.sms_daily_usage_holds set count = count - 1
     where user_id = p_user_id and until > now() and count > 0;
    -- The zone changed since the slot was taken: the count carried into today's date held it too.
    if found then
      update public.sms_daily_usage u
         set count = u.count - 1, updated_at = now()
        from public.user_sms_preferences p
       where p.user_id = p_user_id and u.user_id = p_user_id
         and u.local_date = (now() at time zone p.time_zone)::date
         and u.local_date <> p_local_date and u.count > 0;
    end if;
  end if;
  return coalesce(v_released, false);
end;
$$;

revoke execute on function public.reserve_sms_daily_slot(uuid, date, integer) from public, anon, authenticated;
revoke execute on function public.release_sms_daily_slot(uuid, date) from public, anon, authenticated;
grant execute on function public.reserve_sms_daily_slot(uuid, date, integer) to service_role;
grant execute on function public.release_sms_daily_slot(uuid, date) to service_role;
