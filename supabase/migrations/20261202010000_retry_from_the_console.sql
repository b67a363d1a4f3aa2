-- Retries from the operator console (issue 12, part 5). One rule decides whether a failed text
-- may be retried — internal.sms_retry_problem — and every path uses it: the service-only
-- retry_sms_message (redefined here, same signature and error codes), the member-callable
-- retry_sms_messages (one text or a whole filtered view, operators and up, audited) and
-- sms_retry_check (which rows of a page get a Retry button, viewers and up).
--
-- A retry is a new text linked to the failed one (retry_of). A failed text is retried at most
-- once: when its retry fails too, that newer text is the one to retry. So a "retry all" over a
-- view holding both sends one new text per person, and a double click sends one.
--
-- Reasons (keys; the console words them, src/lib/console/retry-reasons.ts):
--   not_failed, already_retried, opted_out, unknown_number, landline, unreachable_number,
--   blocked_number, content_refused, not_found, cannot_queue.
--
-- Named exceptions:
--   SM014 not_retryable   (retry_sms_message) the text cannot be retried, with the reason
--   SM015 retry_pending   (retry_sms_message) the text was already retried
--   SM016 too_many_messages  more than 10,000 texts in one call
--   WS001 forbidden       the caller's role in the workspace is too low (or none)

-- Error codes that condemn the number or the content: sending the same text to the same number
-- again would fail the same way. Errors about our own set-up (account scope) stay retryable by
-- an operator — they retry after fixing it — and so do transient ones. Follows the catalogue in
-- packages/twilio-service (not retryable, scope number or content); parity test:
-- supabase/tests/retry-console.test.ts.
create function internal.sms_retry_block_for_error(p_code integer)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_code in (21211, 30005, 60200) then 'unknown_number'
    when p_code in (21614, 30006) then 'landline'
    when p_code = 21610 then 'opted_out'
    when p_code = 21612 then 'unreachable_number'
    when p_code = 30004 then 'blocked_number'
    when p_code in (21617, 30007, 30019) then 'content_refused'
  end
$$;
revoke all on function internal.sms_retry_block_for_error(integer) from public, anon, authenticated;

-- Why this text cannot be retried now, or null when it can.
create function internal.sms_retry_problem(p_message public.sms_messages)
returns text
language sql
stable
set search_path = ''
as $$
  select case
    when p_message.direction <> 'outbound' or public.sms_status_phase(p_message.status) is distinct from 'failed' then 'not_failed'
    when exists (select 1 from public.sms_messages r where r.retry_of = p_message.id) then 'already_retried'
    when exists (select 1 from public.sms_phone_opt_outs o where o.phone_number = p_message.phone_number and o.opted_out) then 'opted_out'
    else internal.sms_retry_block_for_error(p_message.error_code)
  end
$$;
revoke all on function internal.sms_retry_problem(public.sms_messages) from public, anon, authenticated;

-- Queues the retry of a (locked, checked) failed text: same content, recipient, workspace and
-- type, through queue_sms_message so every check applies again.
create function internal.sms_queue_retry(p_original public.sms_messages)
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
    p_phone_number => p_original.phone_number,
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

create or replace function public.retry_sms_message(p_message_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_original public.sms_messages%rowtype;
  v_problem text;
begin
  -- Lock the original so two admins clicking "retry" at once create one retry.
  select * into v_original from public.sms_messages where id = p_message_id for update;
  if not found then
    raise exception using errcode = 'SM014',
      message = format('not_retryable: message %s is not a failed outbound text', p_message_id);
  end if;
  v_problem := internal.sms_retry_problem(v_original);
  if v_problem = 'already_retried' then
    raise exception using errcode = 'SM015',
      message = format('retry_pending: message %s was already retried', p_message_id);
  elsif v_problem = 'not_failed' then
    raise exception using errcode = 'SM014',
      message = format('not_retryable: message %s is not a failed outbound text', p_message_id);
  elsif v_problem is not null then
    raise exception using errcode = 'SM014',
      message = format('not_retryable: message %s cannot be retried (%s)', p_message_id, v_problem);
  end if;
  return internal.sms_queue_retry(v_original);
end;
$$;

revoke execute on function public.retry_sms_message(uuid) from public, anon, authenticated;
grant execute on function public.retry_sms_message(uuid) to service_role;

-- For the console's lists: which of these texts of the workspace can be retried (reason null)
-- and why not. Ids not in the workspace are left out. Viewers and up.
create function public.sms_retry_check(p_organization_id uuid, p_message_ids uuid[])
returns table (message_id uuid, reason text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform internal.require_org_role(p_organization_id, 'viewer');
  if cardinality(p_message_ids) > 10000 then
    raise exception using errcode = 'SM016', message = 'too_many_messages: at most 10,000 texts at once';
  end if;
  return query
    select m.id, internal.sms_retry_problem(m)
    from public.sms_messages m
    where m.id = any (coalesce(p_message_ids, '{}')) and m.organization_id = p_organization_id;
end;
$$;

revoke execute on function public.sms_retry_check(uuid, uuid[]) from public, anon, authenticated;
grant execute on function public.sms_retry_check(uuid, uuid[]) to authenticated, service_role;

-- Retries the given texts of the workspace (one, or a filtered view's failures: at most 10,000
-- per call), operators and up. Each is locked, checked and queued on its own (a text that can
-- no longer be queued — its user's number changed, its type was removed — is skipped as
-- cannot_queue, the others go ahead). With p_dry_run nothing is written: the confirmation step.
-- Returns {retried, skipped: [{reason, count}], retries: [{id, retry_id}]}; one audit row per
-- call (not for a dry run).
create function public.retry_sms_messages(p_organization_id uuid, p_message_ids uuid[], p_dry_run boolean default false)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ids uuid[] := array(select distinct u from unnest(coalesce(p_message_ids, '{}')) u where u is not null);
  v_row public.sms_messages%rowtype;
  v_reason text;
  v_new uuid;
  v_found integer := 0;
  v_retried integer := 0;
  v_counts jsonb := '{}';
  v_retries jsonb := '[]';
  v_skipped jsonb;
begin
  perform internal.require_org_role(p_organization_id, 'operator');
  if cardinality(v_ids) > 10000 then
    raise exception using errcode = 'SM016', message = 'too_many_messages: at most 10,000 texts can be retried at once; narrow the filter';
  end if;

  -- In id order, so two calls over overlapping sets lock in the same order (no deadlock); the
  -- second waits for the first and then sees its retries (already_retried).
  for v_row in
    select * from public.sms_messages m
    where m.id = any (v_ids) and m.organization_id = p_organization_id
    order by m.id
    for update
  loop
    v_found := v_found + 1;
    v_reason := internal.sms_retry_problem(v_row);
    if v_reason is null and not p_dry_run then
      begin
        v_new := internal.sms_queue_retry(v_row);
        v_retries := v_retries || jsonb_build_object('id', v_row.id, 'retry_id', v_new);
      exception when others then
        v_reason := 'cannot_queue';
      end;
    end if;
    if v_reason is null then
      v_retried := v_retried + 1;
    else
      v_counts := jsonb_set(v_counts, array[v_reason], to_jsonb(coalesce((v_counts ->> v_reason)::integer, 0) + 1));
    end if;
  end loop;
  if v_found < cardinality(v_ids) then
    v_counts := v_counts || jsonb_build_object('not_found', cardinality(v_ids) - v_found);
  end if;

  select coalesce(jsonb_agg(jsonb_build_object('reason', key, 'count', value::integer) order by value::integer desc, key), '[]')
  into v_skipped from jsonb_each_text(v_counts);

  if not p_dry_run then
    perform public.record_audit(
      p_organization_id, (select auth.uid()), 'sms_message.retried', 'sms_message',
      case when cardinality(v_ids) = 1 then v_ids[1]::text end,
      null, jsonb_build_object('requested', cardinality(v_ids), 'retried', v_retried, 'skipped', v_skipped, 'retries', v_retries));
  end if;
  return jsonb_build_object('retried', v_retried, 'skipped', v_skipped, 'retries', v_retries);
end;
$$;

revoke execute on function public.retry_sms_messages(uuid, uuid[], boolean) from public, anon, authenticated;
grant execute on function public.retry_sms_messages(uuid, uuid[], boolean) to authenticated, service_role;
