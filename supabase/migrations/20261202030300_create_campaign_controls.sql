-- The campaign SQL API, part 2: pause, resume, cancel, retry failures, progress.
-- A pause moves the campaign's waiting jobs 100 years ahead (their order kept) and
-- sms_begin_dispatch refuses a text of a paused campaign that a worker had already claimed, so
-- nothing new is handed to the provider once pause_campaign commits. Resume re-staggers what is
-- left from now at the throttle. Cancel marks every waiting text canceled and its job canceled.

-- Whether sending the same text again later may succeed: @sms/twilio-service's
-- isRetryableError (ERROR_CATALOGUE's retryable codes; unknown and missing codes are not).
-- Parity over every catalogued code: supabase/tests/campaign-parity.test.ts.
create function internal.sms_error_retryable(p_code integer)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(p_code = any (array[20429, 21611, 30001, 30003, 30008, 30017, 30022, 30023, 30027, 30036, 30450, 60203, 60212]), false)
$$;
revoke all on function internal.sms_error_retryable(integer) from public, anon, authenticated;
grant execute on function internal.sms_error_retryable(integer) to service_role;

create function internal.campaign_pause(p_campaign_id uuid, p_reason text, p_actor uuid, p_action text)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_org uuid;
  v_before text;
begin
  select c.organization_id, c.status into v_org, v_before from public.sms_campaigns c
  where c.id = p_campaign_id and c.status in ('scheduled', 'sending');
  if not found then
    return false;
  end if;
  update public.sms_campaigns set status = 'paused', pause_reason = p_reason, paused_at = now() where id = p_campaign_id;
  update public.queue_jobs j
  set run_at = j.run_at + interval '100 years'
  from public.sms_messages m
  where m.campaign_id = p_campaign_id and m.status in ('pending', 'scheduled')
    and j.id = m.queue_job_id and j.status = 'pending' and j.run_at < now() + interval '50 years';
  perform internal.write_audit(v_org, p_actor, p_action, 'campaign', p_campaign_id::text,
    jsonb_build_object('status', v_before), jsonb_build_object('status', 'paused', 'reason', p_reason), null);
  return true;
end;
$$;
revoke all on function internal.campaign_pause(uuid, text, uuid, text) from public, anon, authenticated;

create function public.pause_campaign(p_campaign_id uuid, p_reason text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_c public.sms_campaigns;
begin
  v_c := internal.campaign_for_update(p_campaign_id, 'operator');
  if v_c.status = 'paused' then
    return;
  end if;
  if not internal.campaign_pause(p_campaign_id, coalesce(nullif(btrim(left(p_reason, 500)), ''), 'paused by an operator'),
                                 (select auth.uid()), 'campaign.paused') then
    raise exception using errcode = 'CM012', message = format('not_pausable: a %s campaign cannot be paused', v_c.status);
  end if;
end;
$$;
revoke execute on function public.pause_campaign(uuid, text) from public, anon;
grant execute on function public.pause_campaign(uuid, text) to authenticated, service_role;

-- Moves the campaign's waiting jobs to run from p_from at the throttle, in their order.
create function internal.campaign_restagger(p_campaign_id uuid, p_from timestamptz)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_throttle numeric;
  v_n integer;
  v_first uuid;
begin
  select throttle_per_second into v_throttle from public.sms_campaigns where id = p_campaign_id;
  with waiting as (
    select j.id, m.status, m.scheduled_for,
           row_number() over (order by j.run_at, j.id) - 1 as k
    from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
    where m.campaign_id = p_campaign_id and m.status in ('pending', 'scheduled') and j.status = 'pending'
  ),
  moved as (
    update public.queue_jobs j
    set run_at = greatest(p_from + make_interval(secs => w.k / v_throttle),
                          -- A text held for quiet hours stays held until the hours end.
                          case when w.status = 'scheduled' and w.scheduled_for < now() + interval '50 years' then w.scheduled_for end)
    from waiting w where j.id = w.id
    returning j.id, j.run_at
  )
  select count(*)::integer, (array_agg(id order by run_at))[1] into v_n, v_first from moved;
  if v_first is not null then
    perform pg_notify('sms_jobs', v_first::text);
  end if;
  return v_n;
end;
$$;
revoke all on function internal.campaign_restagger(uuid, timestamptz) from public, anon, authenticated;

create function public.resume_campaign(p_campaign_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_c public.sms_campaigns;
  v_totals record;
begin
  v_c := internal.campaign_for_update(p_campaign_id, 'operator');
  if v_c.status <> 'paused' then
    if v_c.status in ('sending', 'scheduled') then
      return;
    end if;
    raise exception using errcode = 'CM013', message = format('not_resumable: a %s campaign cannot be resumed', v_c.status);
  end if;
  -- Judged afresh: the breaker counts from here, the cap from this month's spend now.
  select * into v_totals from internal.campaign_totals(p_campaign_id);
  update public.sms_campaigns
  set status = case when v_c.scheduled_at > now() then 'scheduled' else 'sending' end,
      pause_reason = null, paused_at = null,
      breaker_final_base = v_totals.final, breaker_failed_base = v_totals.failed,
      spend_base = internal.workspace_month_spend(organization_id), cost_base = v_totals.dispatched_cost
  where id = p_campaign_id;
  perform internal.campaign_restagger(p_campaign_id, greatest(now(), coalesce(v_c.scheduled_at, now())));
  perform internal.write_audit(v_c.organization_id, (select auth.uid()), 'campaign.resumed', 'campaign', p_campaign_id::text,
    jsonb_build_object('status', 'paused', 'reason', v_c.pause_reason), jsonb_build_object('status', 'sending'), null);
end;
$$;
revoke execute on function public.resume_campaign(uuid) from public, anon;
grant execute on function public.resume_campaign(uuid) to authenticated, service_role;

create function public.cancel_campaign(p_campaign_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_c public.sms_campaigns;
  v_canceled integer;
begin
  v_c := internal.campaign_for_update(p_campaign_id, 'operator');
  if v_c.status = 'canceled' then
    return;
  end if;
  if v_c.status = 'completed' then
    raise exception using errcode = 'CM014', message = 'not_cancelable: the campaign has finished; nothing is left to cancel';
  end if;
  update public.sms_campaigns set status = 'canceled', canceled_at = now() where id = p_campaign_id;
  with canceled as (
    update public.sms_messages m
    set status = 'canceled', status_reason = 'campaign_canceled'
    where m.campaign_id = p_campaign_id and m.status in ('pending', 'scheduled')
    returning m.id, m.queue_job_id
  ),
  jobs as (
    update public.queue_jobs j
    set status = 'canceled', completed_at = now(), locked_by = null, locked_until = null
    from canceled c where j.id = c.queue_job_id and j.status = 'pending'
  ),
  events as (
    insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, payload, source, applied)
    select c.id, null, null, 'canceled', jsonb_build_object('reason', 'campaign_canceled'), 'worker', true from canceled c
  )
  select count(*)::integer into v_canceled from canceled;
  perform internal.write_audit(v_c.organization_id, (select auth.uid()), 'campaign.canceled', 'campaign', p_campaign_id::text,
    jsonb_build_object('status', v_c.status), jsonb_build_object('status', 'canceled', 'texts_canceled', v_canceled), null);
end;
$$;
revoke execute on function public.cancel_campaign(uuid) from public, anon;
grant execute on function public.cancel_campaign(uuid) to authenticated, service_role;

-- Retries the campaign's failed texts whose error may pass on a second try (a new text each,
-- linked by retry_of, staggered at the throttle); the rest are listed with the reason.
create function public.retry_campaign_failures(p_campaign_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_c public.sms_campaigns;
  v_row record;
  v_new uuid;
  v_retried integer := 0;
  v_skipped jsonb := '[]'::jsonb;
begin
  v_c := internal.campaign_for_update(p_campaign_id, 'operator');
  if v_c.status not in ('sending', 'paused', 'completed') then
    raise exception using errcode = 'CM015', message = format('not_retryable: a %s campaign''s failures cannot be retried', v_c.status);
  end if;
  for v_row in
    select m.id, m.error_code from public.sms_messages m
    where m.campaign_id = p_campaign_id and public.sms_status_phase(m.status) = 'failed'
      and not exists (select 1 from public.sms_messages r where r.retry_of = m.id)
    order by m.created_at, m.id
  loop
    if not internal.sms_error_retryable(v_row.error_code) then
      v_skipped := v_skipped || jsonb_build_object('message_id', v_row.id,
        'reason', case when v_row.error_code is null then 'not retryable: no error code was reported'
                       else format('not retryable: error %s needs a change before a new try', v_row.error_code) end);
      continue;
    end if;
    if exists (select 1 from public.sms_phone_opt_outs o join public.sms_messages m on m.phone_number = o.phone_number
               where m.id = v_row.id and o.opted_out) then
      v_skipped := v_skipped || jsonb_build_object('message_id', v_row.id, 'reason', 'opted out since');
      continue;
    end if;
    v_new := public.retry_sms_message(v_row.id);
    update public.sms_messages n
    set campaign_id = p_campaign_id, priority = 'low',
        estimated_cost = (select o.estimated_cost from public.sms_messages o where o.id = v_row.id)
    where n.id = v_new;
    v_retried := v_retried + 1;
  end loop;
  if v_retried > 0 then
    update public.sms_campaigns
    set total_count = total_count + v_retried, queued_count = queued_count + v_retried,
        status = case when status = 'completed' then 'sending' else status end, completed_at = null
    where id = p_campaign_id;
    -- Paused: the retries wait for resume like the rest; else they go at the throttle from now.
    if v_c.status = 'paused' then
      update public.queue_jobs j set run_at = j.run_at + interval '100 years'
      from public.sms_messages m
      where m.campaign_id = p_campaign_id and m.retry_of is not null and m.status = 'pending'
        and j.id = m.queue_job_id and j.status = 'pending' and j.run_at < now() + interval '50 years';
    else
      perform internal.campaign_restagger(p_campaign_id, now());
    end if;
  end if;
  perform internal.write_audit(v_c.organization_id, (select auth.uid()), 'campaign.retried', 'campaign', p_campaign_id::text,
    null, jsonb_build_object('retried', v_retried, 'skipped', jsonb_array_length(v_skipped)), null);
  return jsonb_build_object('retried', v_retried, 'skipped', v_skipped);
end;
$$;
revoke execute on function public.retry_campaign_failures(uuid) from public, anon;
grant execute on function public.retry_campaign_failures(uuid) to authenticated, service_role;

-- Progress: counts by what the person sees, the rate over the last minute, and an ETA that
-- counts the workspace's other texts waiting ahead of the campaign's last one (same sender).
--   pending  waiting or being handed over · held  waiting for quiet hours or the daily cap ·
--   queued   the provider has it (queued/sending) · sent · delivered · failed (failed/undelivered) ·
--   skipped  suppressed (opted out, ...) · canceled
create function public.campaign_progress(p_campaign_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_c public.sms_campaigns;
  v_counts jsonb;
  v_rate numeric;
  v_last timestamptz;
  v_waiting integer;
  v_ahead integer := 0;
  v_eta numeric;
begin
  select * into v_c from public.sms_campaigns where id = p_campaign_id;
  if not found or not public.has_org_role(v_c.organization_id, 'viewer') then
    raise exception using errcode = 'CM001', message = 'unknown_campaign: no such campaign';
  end if;
  select jsonb_build_object(
    'pending', count(*) filter (where m.status = 'dispatching' or (m.status in ('pending', 'scheduled')
                                and coalesce(m.status_reason, '') not in ('quiet_hours', 'daily_limit'))),
    'held', count(*) filter (where m.status in ('pending', 'scheduled') and m.status_reason in ('quiet_hours', 'daily_limit')),
    'queued', count(*) filter (where m.status in ('queued', 'sending')),
    'sent', count(*) filter (where m.status = 'sent'),
    'delivered', count(*) filter (where m.status = 'delivered'),
    'failed', count(*) filter (where m.status in ('failed', 'undelivered')),
    'skipped', count(*) filter (where m.status = 'suppressed'),
    'canceled', count(*) filter (where m.status = 'canceled'),
    'total', count(*),
    'rate_per_second', round((count(*) filter (where m.dispatched_at >= now() - interval '60 seconds'))::numeric / 60, 2)),
    count(*) filter (where m.status in ('pending', 'scheduled', 'dispatching'))
  into v_counts, v_waiting
  from public.sms_messages m where m.campaign_id = p_campaign_id;

  if v_c.status in ('sending', 'scheduled') and v_waiting > 0 then
    select max(j.run_at) into v_last
    from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
    where m.campaign_id = p_campaign_id and m.status in ('pending', 'scheduled') and j.status in ('pending', 'processing');
    select count(*)::integer into v_ahead
    from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
    where m.organization_id = v_c.organization_id and m.direction = 'outbound' and m.status in ('pending', 'scheduled')
      and m.campaign_id is distinct from p_campaign_id
      and j.status = 'pending' and j.run_at <= coalesce(v_last, now());
    v_eta := ceil(greatest(
      extract(epoch from (coalesce(v_last, now()) - now())),
      (v_waiting + v_ahead) / v_c.throttle_per_second, 0));
  end if;
  return v_counts || jsonb_build_object(
    'status', v_c.status, 'pause_reason', v_c.pause_reason, 'throttle_per_second', v_c.throttle_per_second,
    'ahead', v_ahead, 'eta_seconds', v_eta);
end;
$$;
revoke execute on function public.campaign_progress(uuid) from public, anon;
grant execute on function public.campaign_progress(uuid) to authenticated, service_role;
