-- cancel_campaign in the one lock order (issue 13; 20261203120000: message rows → own counter
-- row → the campaign-settle lock → campaign rows). It locked the campaign row first and then the
-- waiting texts, while sms_begin_dispatch under a spend cap locks a text's row and then the
-- campaign row (internal.campaign_dispatch_check): a cancel that took the campaign row between a
-- dispatch's two locks waited for that text while the dispatch waited for the campaign row, and
-- Postgres rolled one back as a deadlock (supabase/tests/campaign-cancel-locks.test.ts).
-- Now the cancel locks the campaign's waiting texts first, in the order sms_begin_dispatch
-- locks texts (contact, user, id), then the campaign row; it waits for a dispatch that holds
-- one of them to commit, and the texts that dispatch began stay begun (in flight before the
-- cancel). Its own counter update never takes the settle lock (the campaign is canceled by
-- then, and the counters skip campaigns that are not sending).
-- Redefined: public.cancel_campaign (20261202030300).

create or replace function public.cancel_campaign(p_campaign_id uuid)
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
  -- Who may cancel, before any lock (internal.campaign_for_update checks again under the lock).
  select * into v_c from public.sms_campaigns where id = p_campaign_id;
  if not found or not public.has_org_role(v_c.organization_id, 'viewer') then
    raise exception using errcode = 'CM001', message = 'unknown_campaign: no such campaign';
  end if;
  perform internal.require_org_role(v_c.organization_id, 'operator');
  if v_c.status = 'canceled' then
    return;
  end if;
  -- The texts first, as a dispatch takes them; then the campaign row.
  perform 1 from public.sms_messages m
  where m.campaign_id = p_campaign_id and m.status in ('pending', 'scheduled')
  order by m.contact_id nulls first, m.user_id, m.id
  for update;
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
