-- Campaign rules at dispatch and on every status change (issue 13), in the database:
-- - sms_begin_dispatch (body of 20261201039000 plus the campaign check) refuses a text whose
--   campaign is paused (its job goes back, 100 years ahead, until resume) or canceled (the text
--   is canceled), and stops a campaign before its spend would pass the workspace's monthly cap
--   (pausing it with the reason). The worker needs no change: a refused text is 'not_sendable'.
-- - A statement trigger keeps each campaign's counters (handed over, final, failed, cost
--   dispatched) from the status changes, completes a campaign once every text is handed over,
--   and trips the failure breaker: once >= 20 of its texts are final and more than 25 % of them
--   failed, the campaign pauses itself, naming the top error codes — in the transaction that
--   made the text final.
-- - Nothing here locks or writes the campaign row per text: the counters are sharded by backend
--   (internal.sms_campaign_counters), begin-dispatch only reads the campaign, and the row is
--   locked only to change its status (pause, complete) or at a campaign's last texts, where the
--   lock makes the last writer see every other's count. (A first version updated the campaign
--   row from every status change and serialised the whole pipeline on it: 13 texts/s at 50/s.)

-- null: go on; 'paused' or 'canceled': do not send this campaign text now. The campaign row is
-- locked by the caller.
create function internal.campaign_dispatch_check(p_campaign_id uuid, p_cost numeric)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_c public.sms_campaigns;
  v_cap numeric;
  v_spent numeric;
begin
  select * into v_c from public.sms_campaigns where id = p_campaign_id;
  if not found then
    return null;
  end if;
  if v_c.status = 'canceled' then
    return 'canceled';
  end if;
  if v_c.status in ('paused', 'draft') then
    return 'paused';
  end if;
  if v_c.over_cap_confirmed_by is null and coalesce(p_cost, 0) > 0 then
    select monthly_spend_cap into v_cap from public.organizations where id = v_c.organization_id;
    if v_cap is not null then
      -- Under a cap, dispatches of the campaign take turns (the row lock, to commit), so each
      -- sees the cost the others committed: the cap is never passed by texts begun side by side.
      select * into v_c from public.sms_campaigns where id = p_campaign_id for update;
      if v_c.status <> 'sending' and v_c.status <> 'scheduled' then
        return case when v_c.status = 'canceled' then 'canceled' else 'paused' end;
      end if;
      select v_c.spend_base + t.dispatched_cost - v_c.cost_base into v_spent from internal.campaign_totals(p_campaign_id) t;
      if v_spent + p_cost > v_cap then
        perform internal.campaign_pause(p_campaign_id, format(
          'spend_cap: the next text would take this month''s spend past the workspace''s cap of %s %s (%s spent); raise the cap, then resume',
          v_cap, coalesce(v_c.currency, 'USD'), round(v_spent, 4)), null, 'campaign.spend_cap_paused');
        return 'paused';
      end if;
    end if;
  end if;
  if v_c.status = 'scheduled' then
    update public.sms_campaigns set status = 'sending' where id = p_campaign_id and status = 'scheduled';
  end if;
  return null;
end;
$$;
revoke all on function internal.campaign_dispatch_check(uuid, numeric) from public, anon, authenticated;

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
  v_hold text;
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
    select m.status into v_status from public.sms_messages m where m.id = v_row.id for update;
    v_hold := null;
    if found and v_status in ('pending', 'scheduled') and v_row.campaign_id is not null then
      v_hold := internal.campaign_dispatch_check(v_row.campaign_id, v_row.estimated_cost);
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

-- The failure breaker's reason: the share that failed and the top three error codes.
create function internal.campaign_breaker_reason(p_campaign_id uuid, p_final integer, p_failed integer)
returns text
language sql
stable
set search_path = ''
as $$
  select format('failure_breaker: %s of the last %s finished texts failed (%s%%); top errors: %s. Check the list and the errors, then resume or retry the failures',
    p_failed, p_final, round(100.0 * p_failed / greatest(p_final, 1)),
    coalesce(string_agg(e.label, ', ' order by e.n desc, e.code nulls last), 'none reported'))
  from (
    select m.error_code as code, count(*) as n,
           coalesce(m.error_code::text, 'no code') || ' ×' || count(*) as label
    from public.sms_messages m
    where m.campaign_id = p_campaign_id and public.sms_status_phase(m.status) = 'failed'
    group by m.error_code
    order by count(*) desc, m.error_code nulls last
    limit 3
  ) e
$$;
revoke all on function internal.campaign_breaker_reason(uuid, integer, integer) from public, anon, authenticated;

create function internal.sms_campaign_counters()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_shard smallint := (pg_backend_pid() % 64)::smallint;
  v record;
  v_c record;
  v_t record;
begin
  for v in
    select n.campaign_id,
           sum((public.sms_status_phase(n.status) not in ('waiting', 'dispatching'))::integer
               - (public.sms_status_phase(o.status) not in ('waiting', 'dispatching'))::integer) as handed,
           sum((public.sms_status_phase(n.status) in ('delivered', 'failed'))::integer
               - (public.sms_status_phase(o.status) in ('delivered', 'failed'))::integer) as final,
           sum((public.sms_status_phase(n.status) = 'failed')::integer
               - (public.sms_status_phase(o.status) = 'failed')::integer) as failed,
           sum(case when n.status = 'dispatching' and o.status in ('pending', 'scheduled') then coalesce(n.estimated_cost, 0)
                    when o.status = 'dispatching' and n.status in ('pending', 'scheduled') then -coalesce(n.estimated_cost, 0)
                    else 0 end) as cost
    from new_rows n join old_rows o on o.id = n.id
    where n.campaign_id is not null and n.status is distinct from o.status
    group by n.campaign_id
  loop
    continue when v.handed = 0 and v.final = 0 and v.failed = 0 and v.cost = 0;
    insert into internal.sms_campaign_counters as k (campaign_id, shard, handed, final, failed, dispatched_cost)
    values (v.campaign_id, v_shard, v.handed, v.final, v.failed, v.cost)
    on conflict (campaign_id, shard) do update
    set handed = k.handed + excluded.handed, final = k.final + excluded.final,
        failed = k.failed + excluded.failed, dispatched_cost = k.dispatched_cost + excluded.dispatched_cost;
    continue when v.handed <= 0 and v.final <= 0;

    select c.status, c.queued_count, c.breaker_final_base, c.breaker_failed_base into v_c
    from public.sms_campaigns c where c.id = v.campaign_id;
    continue when v_c.status not in ('sending', 'scheduled');
    select * into v_t from internal.campaign_totals(v.campaign_id);
    -- The last texts (or a breaker trip): lock the row, then count again — the lock waits for any
    -- other writer at the tail, and the new statement sees what it committed.
    if (v.handed > 0 and v_c.queued_count - v_t.handed <= 64)
       or (v.final > 0 and v_t.final - v_c.breaker_final_base >= 20
           and (v_t.failed - v_c.breaker_failed_base) * 4 > v_t.final - v_c.breaker_final_base) then
      select c.status, c.queued_count, c.breaker_final_base, c.breaker_failed_base into v_c
      from public.sms_campaigns c where c.id = v.campaign_id for update;
      continue when v_c.status not in ('sending', 'scheduled');
      select * into v_t from internal.campaign_totals(v.campaign_id);
      if v_c.queued_count - v_t.handed <= 0 then
        update public.sms_campaigns set status = 'completed', completed_at = now() where id = v.campaign_id;
      elsif v_t.final - v_c.breaker_final_base >= 20
            and (v_t.failed - v_c.breaker_failed_base) * 4 > v_t.final - v_c.breaker_final_base then
        perform internal.campaign_pause(v.campaign_id,
          internal.campaign_breaker_reason(v.campaign_id, v_t.final - v_c.breaker_final_base, v_t.failed - v_c.breaker_failed_base),
          null, 'campaign.breaker_paused');
      end if;
    end if;
  end loop;
  return null;
end;
$$;
revoke all on function internal.sms_campaign_counters() from public, anon, authenticated;

create trigger sms_messages_campaign_counters
  after update on public.sms_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.sms_campaign_counters();
