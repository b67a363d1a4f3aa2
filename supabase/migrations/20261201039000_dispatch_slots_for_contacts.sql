-- Dispatch slots for texts to contacts (issues 9 + 10): a text to a contact holds the contact's
-- daily slot (contact_daily_usage), not a user's. sms_begin_dispatch reserves it and the
-- abandoned-slot trigger gives it back, exactly as for users' texts, in the same transaction.

create or replace function internal.sms_release_abandoned_slot()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.status = 'dispatching' and new.status is distinct from 'dispatching'
     and new.twilio_sid is null and old.daily_slot_date is not null then
    if old.contact_id is not null then
      perform public.release_contact_daily_slot(old.contact_id, old.daily_slot_date);
    else
      perform public.release_sms_daily_slot(old.user_id, old.daily_slot_date);
    end if;
    new.daily_slot_date := null;
  end if;
  return new;
end;
$$;

revoke execute on function internal.sms_release_abandoned_slot() from public;

-- Texts interrupted before this migration: the day of a contact's slot is the contact's zone.
update public.sms_messages m
set daily_slot_date = (m.dispatched_at at time zone coalesce(
  (select coalesce(c.time_zone, o.default_time_zone) from public.contacts c
     left join public.organizations o on o.id = c.organization_id where c.id = m.contact_id), 'UTC'))::date
where m.status = 'dispatching' and m.twilio_sid is null and m.dispatched_at is not null
  and m.contact_id is not null;

create or replace function public.sms_begin_dispatch(
  p_message_ids uuid[],
  p_local_dates date[],
  p_limits integer[]
)
returns table (message_id uuid, outcome text, previous text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row record;
  v_status text;
begin
  if coalesce(array_length(p_message_ids, 1), 0) <> coalesce(array_length(p_local_dates, 1), 0)
     or coalesce(array_length(p_message_ids, 1), 0) <> coalesce(array_length(p_limits, 1), 0) then
    raise exception using errcode = 'SM013', message = 'invalid_argument: arrays of different lengths';
  end if;
  for v_row in
    select u.id, u.local_date, u.lim, m.user_id, m.contact_id
    from unnest(p_message_ids, p_local_dates, p_limits) as u(id, local_date, lim)
    left join public.sms_messages m on m.id = u.id
    order by m.contact_id nulls first, m.user_id, u.id
  loop
    select m.status into v_status from public.sms_messages m where m.id = v_row.id for update;
    if not found then
      message_id := v_row.id; outcome := 'missing'; previous := null;
    elsif v_status not in ('pending', 'scheduled') then
      message_id := v_row.id; outcome := 'not_sendable'; previous := v_status;
    elsif not (case when v_row.contact_id is not null
                     then public.reserve_contact_daily_slot(v_row.contact_id, v_row.local_date, v_row.lim)
                     else public.reserve_sms_daily_slot(v_row.user_id, v_row.local_date, v_row.lim) end) then
      message_id := v_row.id; outcome := 'limit_reached'; previous := v_status;
    else
      perform public.mark_sms_dispatching(v_row.id);
      update public.sms_messages m set daily_slot_date = v_row.local_date where m.id = v_row.id;
      message_id := v_row.id; outcome := 'dispatching'; previous := v_status;
    end if;
    return next;
  end loop;
end;
$$;

revoke execute on function public.sms_begin_dispatch(uuid[], date[], integer[]) from public, anon, authenticated;
grant execute on function public.sms_begin_dispatch(uuid[], date[], integer[]) to service_role;
