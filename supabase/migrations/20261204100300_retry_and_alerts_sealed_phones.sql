-- Phone numbers at rest, the send path (issue 11): the callers of queue_sms_message pass the
-- number sealed (public.sealed_phone), and the opt-out check compares blind indexes. Latest
-- definitions (sms_retry_problem, sms_queue_retry 20261202010000; queue_alert_texts
-- 20261201100200), phone lines only. retry_sms_message itself (20261202010000) names no number
-- and is unchanged.

create or replace function internal.sms_retry_problem(p_message public.sms_messages)
returns text
language sql
stable
set search_path = ''
as $$
  select case
    when p_message.direction <> 'outbound' or public.sms_status_phase(p_message.status) is distinct from 'failed' then 'not_failed'
    when exists (select 1 from public.sms_messages r where r.retry_of = p_message.id) then 'already_retried'
    when exists (select 1 from public.sms_phone_opt_outs o where o.phone_hash = p_message.phone_hash and o.opted_out) then 'opted_out'
    else internal.sms_retry_block_for_error(p_message.error_code)
  end
$$;
revoke all on function internal.sms_retry_problem(public.sms_messages) from public, anon, authenticated;

-- Queues the retry of a (locked, checked) failed text: same content, recipient, workspace and
-- type, through queue_sms_message so every check applies again.
create or replace function internal.sms_queue_retry(p_original public.sms_messages)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_new uuid;
begin
  v_new := public.queue_sms_message(
    p_user_id => p_original.user_id,
    -- The same number, sealed as it was (a forgotten recipient has none: queue_sms_message refuses).
    p_phone_sealed => case when p_original.phone_hash is not null then
      row(p_original.phone_enc, p_original.phone_hash, p_original.phone_last4, p_original.calling_code)::public.sealed_phone end,
    p_message => p_original.message_content,
    p_priority => p_original.priority,
    p_scheduled_for => null,
    p_notification_type => p_original.notification_type,
    p_template_key => null,
    p_template_vars => p_original.template_vars,
    p_dedup_key => null,
    p_organization_id => p_original.organization_id,
    p_contact_id => p_original.contact_id
  );
  update public.sms_messages
  set retry_of = p_original.id, template_id = p_original.template_id, template_key = p_original.template_key
  where id = v_new;
  return v_new;
end;
$$;
revoke all on function internal.sms_queue_retry(public.sms_messages) from public, anon, authenticated;

create or replace function public.queue_alert_texts(p_events jsonb)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  e jsonb;
  m record;
  v_org uuid;
  v_alert uuid;
  v_body text;
  v_id uuid;
  v_count integer := 0;
begin
  for e in select * from jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) loop
    continue when e ->> 'event' not in ('opened', 'escalated', 'reminded');
    v_org := (e ->> 'organizationId')::uuid;
    v_alert := (e ->> 'alertId')::uuid;
    continue when not exists (
      select 1 from internal.alert_rules_for(v_org) r where r.kind = e ->> 'kind' and r.notify_on_call
    );
    v_body := left(format('[%s] %s: %s', upper(e ->> 'severity'),
                          (select o.name from public.organizations o where o.id = v_org), e ->> 'title'), 300)
      || case when e ->> 'kind' in ('failure_rate', 'error_code_spike', 'callbacks_silent', 'queue_stalled')
              then ' (This alert travels through the same sending pipeline, so it may itself be late.)' else '' end;
    for m in
      select om.user_id from public.organization_members om
        join public.user_sms_preferences p on p.user_id = om.user_id and p.phone_verified and not p.opted_out
       where om.organization_id = v_org and om.on_call
       order by om.user_id
    loop
      continue when exists (
        select 1 from public.alert_notifications n
         where n.user_id = m.user_id and n.alert_id = v_alert and n.created_at > now() - interval '1 hour'
      );
      exit when (select count(*) from public.alert_notifications n
                  where n.organization_id = v_org and n.created_at > now() - interval '1 hour') >= 10;
      v_id := public.queue_sms_message(
        p_user_id => m.user_id, p_phone_sealed => null, p_message => v_body, p_priority => 'urgent',
        p_notification_type => 'urgent_alert', p_organization_id => v_org,
        p_dedup_key => format('alert:%s:%s:%s:%s', v_alert, e ->> 'event', m.user_id, to_char(now(), 'YYYYMMDDHH24')));
      insert into public.alert_notifications (alert_id, organization_id, user_id, message_id)
      values (v_alert, v_org, m.user_id, v_id);
      v_count := v_count + 1;
    end loop;
  end loop;
  return v_count;
end;
$$;

revoke execute on function public.queue_alert_texts(jsonb) from public, anon, authenticated;
grant execute on function public.queue_alert_texts(jsonb) to service_role;
