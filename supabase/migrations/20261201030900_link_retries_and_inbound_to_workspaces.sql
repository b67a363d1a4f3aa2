-- Retries keep the original's workspace and recipient; inbound texts link to the workspace
-- and contact (as well as the verified user) owning the number. Same signatures as before.

create or replace function public.retry_sms_message(p_message_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_original public.sms_messages%rowtype;
  v_new uuid;
begin
  -- Lock the original so two admins clicking "retry" at once create one retry.
  select * into v_original from public.sms_messages where id = p_message_id for update;
  if not found or v_original.direction <> 'outbound' or v_original.status not in ('failed', 'undelivered') then
    raise exception using errcode = 'SM014',
      message = format('not_retryable: message %s is not a failed outbound text', p_message_id);
  end if;
  if exists (
    select 1 from public.sms_messages
    where retry_of = p_message_id
      and status not in ('delivered', 'undelivered', 'failed', 'suppressed', 'canceled')
  ) then
    raise exception using errcode = 'SM015',
      message = format('retry_pending: a retry of message %s is already on its way', p_message_id);
  end if;

  v_new := public.queue_sms_message(
    p_user_id => v_original.user_id,
    p_phone_number => v_original.phone_number,
    p_message => v_original.message_content,
    p_priority => v_original.priority,
    p_scheduled_for => null,
    p_notification_type => v_original.notification_type,
    p_template_key => null,
    p_template_vars => v_original.template_vars,
    p_dedup_key => null,
    p_organization_id => v_original.organization_id,
    p_contact_id => v_original.contact_id
  );
  update public.sms_messages
  set retry_of = p_message_id, template_id = v_original.template_id, template_key = v_original.template_key
  where id = v_new;
  return v_new;
end;
$$;

revoke execute on function public.retry_sms_message(uuid) from public, anon, authenticated;
grant execute on function public.retry_sms_message(uuid) to service_role;

create or replace function public.record_inbound_sms(
  p_sid text,
  p_from text,
  p_body text,
  p_payload jsonb default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_user_id uuid;
  v_org uuid;
  v_contact_id uuid;
begin
  if p_sid is null or btrim(p_sid) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a message SID is required';
  end if;
  if not public.is_e164(p_from) then
    raise exception using errcode = 'SM004', message = format('invalid_phone: %s is not an E.164 number', p_from);
  end if;

  select user_id into v_user_id from public.user_sms_preferences
  where phone_number = p_from and phone_verified;

  -- The reply belongs to the conversation: the workspace that last texted this number, else
  -- the only workspace holding it as a contact, else the only workspace.
  select m.organization_id into v_org from public.sms_messages m
  where m.phone_number = p_from and m.direction = 'outbound'
  order by m.created_at desc limit 1;
  if v_org is null then
    select case when count(*) = 1 then min(c.organization_id::text)::uuid end into v_org
    from public.contacts c where c.phone_number = p_from;
  end if;
  v_org := coalesce(v_org, internal.single_organization());
  select c.id into v_contact_id from public.contacts c
  where c.organization_id = v_org and c.phone_number = p_from;

  insert into public.sms_messages (user_id, contact_id, organization_id, direction, phone_number, message_content, status, provider_status, twilio_sid, template_vars)
  values (v_user_id, v_contact_id, v_org, 'inbound', p_from, coalesce(p_body, ''), 'received', 'received', p_sid, null)
  on conflict (twilio_sid) do nothing
  returning id into v_id;

  if v_id is null then
    select id into v_id from public.sms_messages where twilio_sid = p_sid;
    return v_id;
  end if;

  insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, payload, source, applied)
  values (v_id, p_sid, 'received', 'received', p_payload, 'webhook', true);

  perform pg_notify('sms_status', json_build_object(
    'message_id', v_id, 'user_id', v_user_id, 'status', 'received')::text);
  return v_id;
end;
$$;

