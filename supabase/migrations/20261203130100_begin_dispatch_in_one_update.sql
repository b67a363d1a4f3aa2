-- sms_begin_dispatch at the worker's pace (issue 13, throttle accuracy). The body of
-- 20261202030400 made each text `dispatching` with its own two UPDATEs (mark_sms_dispatching,
-- then the slot's day), each firing the sms_messages statement triggers (rollups, campaign
-- counters) and a delivery-event INSERT: for a claimed batch of 20, 40 trigger runs and 20
-- inserts. Now the loop only locks, checks the campaign and reserves the slots, and the texts
-- that got one become `dispatching` together: one UPDATE, one INSERT of their `worker` events
-- (as internal.sms_worker_transition writes them), and their sms_status notifications. The
-- outcomes, the lock order and the campaign rules are unchanged (the spend-cap check adds the
-- cost of the call's texts begun before it, which its counters do not show yet); a message
-- named twice in one call is begun once (the second is not_sendable, previous 'dispatching').
-- Redefined: public.sms_begin_dispatch (last in 20261202030400).

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
  v_sid text;
  v_hold text;
  v_ids uuid[] := '{}';
  v_dates date[] := '{}';
  -- Per campaign, the estimated cost of the texts begun so far in this call: the spend-cap check
  -- reads the counters, which the texts of this call reach only with the one UPDATE at the end.
  v_begun_cost jsonb := '{}';
  v_cost numeric;
begin
  if coalesce(array_length(p_message_ids, 1), 0) <> coalesce(array_length(p_local_dates, 1), 0)
     or coalesce(array_length(p_message_ids, 1), 0) <> coalesce(array_length(p_limits, 1), 0) then
    raise exception using errcode = 'SM013', message = 'invalid_argument: arrays of different lengths';
  end if;
  for v_row in
    select u.id, u.local_date, u.lim, m.user_id, m.contact_id, m.campaign_id, m.estimated_cost, m.queue_job_id
    from unnest(p_message_ids, p_local_dates, p_limits) as u(id, local_date, lim)
    left join public.sms_messages m on m.id = u.id
    order by m.contact_id nulls first, m.user_id, u.id
  loop
    select m.status, m.twilio_sid into v_status, v_sid from public.sms_messages m where m.id = v_row.id for update;
    if found and v_row.id = any (v_ids) then
      v_status := 'dispatching';
    end if;
    v_hold := null;
    if found and v_status in ('pending', 'scheduled') and v_row.campaign_id is not null then
      v_cost := case when coalesce(v_row.estimated_cost, 0) > 0
                     then v_row.estimated_cost + coalesce((v_begun_cost ->> v_row.campaign_id::text)::numeric, 0)
                     else v_row.estimated_cost end;
      v_hold := internal.campaign_dispatch_check(v_row.campaign_id, v_cost);
    end if;
    if not found then
      message_id := v_row.id; outcome := 'missing'; previous := null;
    elsif v_status not in ('pending', 'scheduled') then
      message_id := v_row.id; outcome := 'not_sendable'; previous := v_status;
    elsif v_hold = 'paused' then
      -- Back in the queue until resume (the worker's completion of the job then finds no lease).
      update public.queue_jobs j
      set status = 'pending', run_at = greatest(j.run_at, now()) + interval '100 years',
          locked_by = null, locked_until = null, attempts = greatest(j.attempts - 1, 0)
      where j.id = v_row.queue_job_id and j.status = 'processing';
      message_id := v_row.id; outcome := 'not_sendable'; previous := v_status;
    elsif v_hold = 'canceled' then
      perform public.cancel_sms_message(v_row.id, 'campaign_canceled');
      message_id := v_row.id; outcome := 'not_sendable'; previous := v_status;
    elsif not (case when v_row.contact_id is not null
                     then public.reserve_contact_daily_slot(v_row.contact_id, v_row.local_date, v_row.lim)
                     else public.reserve_sms_daily_slot(v_row.user_id, v_row.local_date, v_row.lim) end) then
      message_id := v_row.id; outcome := 'limit_reached'; previous := v_status;
    else
      -- A text with a SID is moved only by the provider's reports (sms_worker_transition's rule):
      -- its slot is taken and it is reported as before, but its status stays.
      if v_sid is null then
        v_ids := v_ids || v_row.id;
        v_dates := v_dates || v_row.local_date;
        if v_row.campaign_id is not null and coalesce(v_row.estimated_cost, 0) > 0 then
          v_begun_cost := v_begun_cost || jsonb_build_object(v_row.campaign_id::text,
            coalesce((v_begun_cost ->> v_row.campaign_id::text)::numeric, 0) + v_row.estimated_cost);
        end if;
      else
        update public.sms_messages m set daily_slot_date = v_row.local_date where m.id = v_row.id;
      end if;
      message_id := v_row.id; outcome := 'dispatching'; previous := v_status;
    end if;
    return next;
  end loop;

  if cardinality(v_ids) > 0 then
    update public.sms_messages m
    set status = 'dispatching', status_reason = null, dispatched_at = now(),
        attempt_count = m.attempt_count + 1, daily_slot_date = d.local_date
    from unnest(v_ids, v_dates) as d(id, local_date)
    where m.id = d.id;

    insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, error_code, error_message, payload, source, applied)
    select d.id, null, null, 'dispatching', null, null, '{}'::jsonb, 'worker', true
    from unnest(v_ids) with ordinality as d(id, ord)
    order by d.ord;

    perform pg_notify('sms_status', json_build_object('message_id', m.id, 'user_id', m.user_id, 'status', 'dispatching')::text)
    from unnest(v_ids) with ordinality as d(id, ord)
    join public.sms_messages m on m.id = d.id
    order by d.ord;
  end if;
end;
$$;

revoke execute on function public.sms_begin_dispatch(uuid[], date[], integer[]) from public, anon, authenticated;
grant execute on function public.sms_begin_dispatch(uuid[], date[], integer[]) to service_role;
