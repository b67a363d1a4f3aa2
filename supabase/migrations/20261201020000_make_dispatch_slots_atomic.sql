-- Exactly once, whatever fails (issue 9): a daily slot belongs to the message that reserved it.
--
-- Before: the worker reserved a slot, marked the message `dispatching`, and on every way out
-- (Twilio refused, recovery found nothing, …) released the slot and moved the message in two
-- separate statements. A crash between them left the message `dispatching` with its slot
-- already given back, and the next recovery gave it back again: users got more texts than
-- their limit. Now:
--   * sms_messages.daily_slot_date records the local day whose slot the message holds;
--   * sms_begin_dispatch reserves the slot, marks `dispatching` and records the day in ONE
--     transaction, and reserves nothing for a message that is not sendable;
--   * leaving `dispatching` without a SID (scheduled, failed, suppressed, canceled) releases
--     that slot in the same UPDATE (trigger below) and forgets the day, so a repeated step
--     finds nothing left to release: every step is idempotent.

alter table public.sms_messages add column daily_slot_date date;

comment on column public.sms_messages.daily_slot_date is
  'The user''s local day whose daily-limit slot this text holds (set by sms_begin_dispatch); null once released.';

-- Texts interrupted before this migration hold a slot on the day they were dispatched.
update public.sms_messages m
set daily_slot_date = (m.dispatched_at at time zone coalesce(
  (select p.time_zone from public.user_sms_preferences p where p.user_id = m.user_id), 'UTC'))::date
where m.status = 'dispatching' and m.twilio_sid is null and m.dispatched_at is not null;

create schema if not exists internal;
revoke all on schema internal from public;

-- Internal (trigger): the slot goes back when the text leaves `dispatching` without reaching Twilio.
create function internal.sms_release_abandoned_slot()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.status = 'dispatching' and new.status is distinct from 'dispatching'
     and new.twilio_sid is null and old.daily_slot_date is not null then
    perform public.release_sms_daily_slot(old.user_id, old.daily_slot_date);
    new.daily_slot_date := null;
  end if;
  return new;
end;
$$;

revoke execute on function internal.sms_release_abandoned_slot() from public;

create trigger sms_messages_release_abandoned_slot
  before update of status on public.sms_messages
  for each row
  when (old.status = 'dispatching')
  execute function internal.sms_release_abandoned_slot();

-- For a batch of texts about to be sent: per text, in (user, message) order so concurrent
-- batches take locks in one order, lock the message; if it is still sendable (pending or
-- scheduled) reserve the user's slot for p_local_dates and, if that succeeded, mark it
-- `dispatching` and record the slot's day. One transaction for the batch, durable before any
-- Twilio call. Outcomes: 'dispatching' (send it), 'limit_reached' (no slot: defer),
-- 'not_sendable' (previous says why: 'dispatching' means an earlier attempt must be looked up
-- first), 'missing'.
create function public.sms_begin_dispatch(
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
    select u.id, u.local_date, u.lim, m.user_id
    from unnest(p_message_ids, p_local_dates, p_limits) as u(id, local_date, lim)
    left join public.sms_messages m on m.id = u.id
    order by m.user_id, u.id
  loop
    select m.status into v_status from public.sms_messages m where m.id = v_row.id for update;
    if not found then
      message_id := v_row.id; outcome := 'missing'; previous := null;
    elsif v_status not in ('pending', 'scheduled') then
      message_id := v_row.id; outcome := 'not_sendable'; previous := v_status;
    elsif not public.reserve_sms_daily_slot(v_row.user_id, v_row.local_date, v_row.lim) then
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

-- Recovery found no trace of an interrupted send at Twilio: give the slot back and make the
-- text sendable again, in one transaction. Repeating it is a no-op (the text is no longer
-- `dispatching`). True if it changed the text.
create function public.sms_recover_unsent(p_message_id uuid)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from internal.sms_worker_transition(
    p_message_id, 'scheduled', array['dispatching'], 'resend_pending', null, null, now())
$$;

revoke execute on function public.sms_recover_unsent(uuid) from public, anon, authenticated;
grant execute on function public.sms_recover_unsent(uuid) to service_role;

-- Recovery cannot tell which of several identical texts at Twilio (same body, same number,
-- same sender, all since the attempt began) is this one. Sending again could text the person
-- twice, so the text stays `dispatching` (its slot held) and says so on its timeline; the job
-- is dead-lettered by the caller for a person to settle. True if the text was dispatching.
create function public.sms_hold_for_review(p_message_id uuid, p_candidates text[])
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_reason text := format(
    'needs_review: %s texts with the same body reached this number since the send began (%s); not sent again',
    coalesce(array_length(p_candidates, 1), 0), array_to_string(p_candidates, ', '));
begin
  update public.sms_messages m set status_reason = v_reason
  where m.id = p_message_id and m.status = 'dispatching' and m.twilio_sid is null
  returning m.user_id into v_user_id;
  if not found then
    return false;
  end if;
  insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, payload, source, applied)
  values (p_message_id, null, null, 'dispatching',
          jsonb_build_object('reason', 'needs_review', 'candidates', to_jsonb(p_candidates)), 'worker', false);
  perform pg_notify('sms_status', json_build_object(
    'message_id', p_message_id, 'user_id', v_user_id, 'status', 'dispatching')::text);
  return true;
end;
$$;

revoke execute on function public.sms_hold_for_review(uuid, text[]) from public, anon, authenticated;
grant execute on function public.sms_hold_for_review(uuid, text[]) to service_role;
