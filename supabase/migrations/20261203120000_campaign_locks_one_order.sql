-- Campaign counters and breaker without deadlocks (issue 13). A worker taking over a campaign
-- after a SIGKILL was rolled back as a deadlock again and again at the campaign's tail:
-- - its new connections inserted new counter rows, whose foreign key takes FOR KEY SHARE on
--   the campaign row; the tail check then asked FOR UPDATE on that row, which conflicts with
--   another transaction's KEY SHARE: two attach batches, each holding KEY SHARE and each
--   waiting to upgrade, deadlocked (pg_locks: both "while locking tuple in sms_campaigns");
-- - a counter shard was pid % 64, so two live backends could share a counter row;
-- - one transaction (a batch of attaches or of status reports, one UPDATE per text) could lock
--   campaign A then B while another locked B then A.
-- The one order now, for every path:
--   message rows → own counter row → the campaign-settle lock → campaign rows (FOR NO KEY UPDATE).
-- - A counter row belongs to one live backend (shard = its pid): an upsert never waits.
-- - The campaign row is locked FOR NO KEY UPDATE (what an UPDATE of it takes anyway), which
--   a foreign key's KEY SHARE does not conflict with.
-- - The tail and breaker checks take one transaction-level advisory lock shared by all
--   campaigns before any campaign row: holding it, a transaction can lock campaigns in any
--   order without a cycle, and it still waits for the other writer at a tail to commit (so the
--   last one sees every count). Only the last 64 handovers of a campaign and a failing
--   campaign's final reports take it.

alter table internal.sms_campaign_counters alter column shard type integer;

-- 'campaign-settle' as a bigint key: every tail/breaker check in the database takes this one.
create function internal.campaign_settle_lock()
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_advisory_xact_lock(7311202612030001)
$$;
revoke all on function internal.campaign_settle_lock() from public, anon, authenticated;

create or replace function internal.campaign_for_update(p_campaign_id uuid, p_min_role public.org_role)
returns public.sms_campaigns
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_campaign public.sms_campaigns;
begin
  -- NO KEY UPDATE: does not wait for (nor queue behind) a counter insert's foreign-key KEY SHARE.
  select * into v_campaign from public.sms_campaigns where id = p_campaign_id for no key update;
  if not found or not public.has_org_role(v_campaign.organization_id, 'viewer') then
    raise exception using errcode = 'CM001', message = 'unknown_campaign: no such campaign';
  end if;
  perform internal.require_org_role(v_campaign.organization_id, p_min_role);
  return v_campaign;
end;
$$;
revoke all on function internal.campaign_for_update(uuid, public.org_role) from public, anon, authenticated;

-- As in 20261202030400, the campaign row locked FOR NO KEY UPDATE under a cap.
create or replace function internal.campaign_dispatch_check(p_campaign_id uuid, p_cost numeric)
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
      select * into v_c from public.sms_campaigns where id = p_campaign_id for no key update;
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

create or replace function internal.sms_campaign_counters()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_shard integer := pg_backend_pid();
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
    order by n.campaign_id
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
    -- The last texts (or a breaker trip): take the settle lock, then read again — the lock waits
    -- for any other writer at a tail, and the new statement sees what it committed.
    if (v.handed > 0 and v_c.queued_count - v_t.handed <= 64)
       or (v.final > 0 and v_t.final - v_c.breaker_final_base >= 20
           and (v_t.failed - v_c.breaker_failed_base) * 4 > v_t.final - v_c.breaker_final_base) then
      perform internal.campaign_settle_lock();
      select c.status, c.queued_count, c.breaker_final_base, c.breaker_failed_base into v_c
      from public.sms_campaigns c where c.id = v.campaign_id for no key update;
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
