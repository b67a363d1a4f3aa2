-- Atomic daily limit (service role only). The worker reserves a slot before calling Twilio and
-- releases it when the send is abandoned.

-- True (and counted) when the user has sent fewer than p_limit texts on p_local_date.
-- One statement: concurrent reservations serialise on the row, so the limit cannot be overrun.
create function public.reserve_sms_daily_slot(p_user_id uuid, p_local_date date, p_limit integer)
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

  insert into public.sms_daily_usage as u (user_id, local_date, count)
  values (p_user_id, p_local_date, 1)
  on conflict (user_id, local_date) do update
    set count = u.count + 1, updated_at = now()
    where u.count < p_limit
  returning true into v_reserved;

  return coalesce(v_reserved, false);
end;
$$;

-- Give back a slot reserved for a send that did not happen. True if a slot was released.
create function public.release_sms_daily_slot(p_user_id uuid, p_local_date date)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with released as (
    update public.sms_daily_usage
    set count = count - 1, updated_at = now()
    where user_id = p_user_id and local_date = p_local_date and count > 0
    returning 1
  )
  select exists (select 1 from released)
$$;

revoke execute on function public.reserve_sms_daily_slot(uuid, date, integer) from public, anon, authenticated;
revoke execute on function public.release_sms_daily_slot(uuid, date) from public, anon, authenticated;
grant execute on function public.reserve_sms_daily_slot(uuid, date, integer) to service_role;
grant execute on function public.release_sms_daily_slot(uuid, date) to service_role;
