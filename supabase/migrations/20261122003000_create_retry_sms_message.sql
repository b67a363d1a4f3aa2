-- Retrying a dead letter. A failed text stays failed (statuses only move forward, and the
-- record of what happened is kept); a retry is a new text with the same content, linked to the
-- one it retries, queued through queue_sms_message like any other (so every check applies again,
-- and the worker re-reads preferences and opt-outs at send time).
--
-- Named exceptions:
--   SM014 not_retryable   only a failed or undelivered outbound text can be retried
--   SM015 retry_pending   a retry of this text is already on its way

alter table public.sms_messages
  add column retry_of uuid references public.sms_messages (id) on delete set null;

create index sms_messages_retry_of_idx on public.sms_messages (retry_of) where retry_of is not null;

create function public.retry_sms_message(p_message_id uuid)
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
