-- retry_sms_message asks the status rules (sms_status_phase / sms_status_is_final, from
-- 20261201010000_status_rules_one_home.sql) instead of listing statuses itself. Same behaviour:
-- only a failed (or undelivered) outbound text can be retried, and not while an earlier retry
-- of it is still on its way.

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
  if not found or v_original.direction <> 'outbound' or public.sms_status_phase(v_original.status) is distinct from 'failed' then
    raise exception using errcode = 'SM014',
      message = format('not_retryable: message %s is not a failed outbound text', p_message_id);
  end if;
  if exists (
    select 1 from public.sms_messages
    where retry_of = p_message_id
      and not public.sms_status_is_final(status)
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
    p_dedup_key => null
  );
  update public.sms_messages
  set retry_of = p_message_id, template_id = v_original.template_id, template_key = v_original.template_key
  where id = v_new;
  return v_new;
end;
$$;

revoke execute on function public.retry_sms_message(uuid) from public, anon, authenticated;
grant execute on function public.retry_sms_message(uuid) to service_role;
