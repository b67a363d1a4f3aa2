-- The SQL API delegates instead of repeating itself (issue 8), as graphile-worker's add_job
-- calls add_jobs:
--   complete_job(id, worker)   → complete_jobs(array[id], worker)
--   queue_sms_message and queue_sms_messages_bulk share one set of checks,
--   internal.sms_queue_problem (so the 1,600-character rule and every other is written once).
-- Behaviour is unchanged; each function's revoke/grant follows it.

create or replace function public.complete_job(p_job_id uuid, p_worker_id text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select public.complete_jobs(array[p_job_id], p_worker_id) = 1
$$;

revoke execute on function public.complete_job(uuid, text) from public, anon, authenticated;
grant execute on function public.complete_job(uuid, text) to service_role;

-- What is wrong with one text to queue, given what the caller looked up: the named exception
-- (SQLSTATE and message) or no row's values (nulls) when it may be queued. Checked in this order;
-- the first problem wins:
--   SM001 empty_body · SM002 body_too_long (over 1,600 characters) · SM007 invalid_priority ·
--   SM006 unknown_user · SM008 unknown_template · SM003 unknown_notification_type ·
--   SM005 no_verified_phone (no number given, none verified) · SM004 invalid_phone (not E.164)
-- No `set search_path` (every name is qualified), so it inlines into the bulk insert.
create schema if not exists internal;

create function internal.sms_queue_problem(
  p_message text,
  p_priority text,
  p_user_id uuid,
  p_user_found boolean,
  p_template_key text,
  p_template_found boolean,
  p_notification_type text,
  p_type_found boolean,
  p_phone_number text,
  p_verified_phone text
)
returns table (code text, message text)
language sql
immutable
parallel safe
as $$
  select
    case
      when p_message is null or p_message ~ '^[[:space:]]*$' then 'SM001'
      when char_length(p_message) > l.max_body then 'SM002'
      when p_priority is null or public.sms_job_priority(p_priority) is null then 'SM007'
      when not p_user_found then 'SM006'
      when p_template_key is not null and not p_template_found then 'SM008'
      when not p_type_found then 'SM003'
      when p_phone_number is null and p_verified_phone is null then 'SM005'
      when p_phone_number is not null and not public.is_e164(p_phone_number) then 'SM004'
    end,
    case
      when p_message is null or p_message ~ '^[[:space:]]*$' then 'empty_body: the message body is empty'
      when char_length(p_message) > l.max_body then format(
        'body_too_long: the message body has %s characters; the maximum is %s', char_length(p_message), l.max_body)
      when p_priority is null or public.sms_job_priority(p_priority) is null then format(
        'invalid_priority: %s is not one of low, normal, high, urgent', coalesce(p_priority, 'null'))
      when not p_user_found then format('unknown_user: no user %s', coalesce(p_user_id::text, 'null'))
      when p_template_key is not null and not p_template_found then format('unknown_template: no active template %s', p_template_key)
      when not p_type_found then format('unknown_notification_type: %s', p_notification_type)
      when p_phone_number is null and p_verified_phone is null then format('no_verified_phone: user %s has no verified phone', p_user_id)
      when p_phone_number is not null and not public.is_e164(p_phone_number) then format('invalid_phone: %s is not an E.164 number', p_phone_number)
    end
  from (select 1600 as max_body) l
$$;

revoke all on function internal.sms_queue_problem(text, text, uuid, boolean, text, boolean, text, boolean, text, text) from public, anon, authenticated;

create or replace function public.queue_sms_message(
  p_user_id uuid,
  p_phone_number text,
  p_message text,
  p_priority text default 'normal',
  p_scheduled_for timestamptz default null,
  p_notification_type text default 'custom',
  p_template_key text default null,
  p_template_vars jsonb default null,
  p_dedup_key text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_phone text := p_phone_number;
  v_type text := p_notification_type;
  v_found_user uuid;
  v_verified_phone text;
  v_template_id uuid;
  v_message_id uuid;
  v_job_id uuid := gen_random_uuid();
  v_scheduled boolean := p_scheduled_for is not null and p_scheduled_for > now();
  v_problem record;
begin
  -- Lookups first (one for the user and their verified phone: this is the hot path), then the
  -- checks, shared with queue_sms_messages_bulk.
  select u.id, p.phone_number into v_found_user, v_verified_phone
  from auth.users u
  left join public.user_sms_preferences p on p.user_id = u.id and p.phone_verified
  where u.id = p_user_id;
  if p_template_key is not null then
    select id, coalesce(v_type, notification_type) into v_template_id, v_type
    from public.sms_templates where template_key = p_template_key and is_active;
  end if;
  v_type := coalesce(v_type, 'custom');

  select c.code, c.message into v_problem
  from internal.sms_queue_problem(
    p_message, p_priority, p_user_id, v_found_user is not null,
    p_template_key, v_template_id is not null,
    v_type, exists (select 1 from public.sms_notification_types where key = v_type),
    p_phone_number, v_verified_phone) c;
  if v_problem.code is not null then
    raise exception using errcode = v_problem.code, message = v_problem.message;
  end if;
  v_phone := coalesce(p_phone_number, v_verified_phone);

  if p_dedup_key is not null then
    select id into v_message_id from public.sms_messages where dedup_key = p_dedup_key;
    if v_message_id is not null then
      return v_message_id;
    end if;
  end if;

  -- The job id is chosen up front so the message row is written once (no follow-up UPDATE).
  insert into public.sms_messages (
    user_id, phone_number, message_content, template_id, template_key, template_vars,
    notification_type, priority, status, status_reason, scheduled_for, queue_job_id, dedup_key
  ) values (
    p_user_id, v_phone, p_message, v_template_id, p_template_key, p_template_vars,
    v_type, p_priority,
    case when v_scheduled then 'scheduled' else 'pending' end,
    case when v_scheduled then 'requested' end,
    p_scheduled_for, v_job_id, p_dedup_key
  )
  on conflict (dedup_key) do nothing
  returning id into v_message_id;

  if v_message_id is null then
    -- A concurrent call with the same dedup key won the race; its row is committed now.
    select id into v_message_id from public.sms_messages where dedup_key = p_dedup_key;
    return v_message_id;
  end if;

  insert into public.queue_jobs (id, job_type, payload, priority, run_at, dedup_key)
  values (v_job_id, 'send_sms', jsonb_build_object('message_id', v_message_id),
          public.sms_job_priority(p_priority), coalesce(p_scheduled_for, now()),
          'send_sms:' || v_message_id::text);

  if v_template_id is not null then
    update public.sms_templates set usage_count = usage_count + 1 where id = v_template_id;
  end if;

  perform pg_notify('sms_jobs', v_job_id::text);
  return v_message_id;
end;
$$;

revoke execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text) from public, anon, authenticated;
grant execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text) to service_role;

-- Set-based variant for campaigns (see 20261122001400_create_sms_queue_functions.sql for p_rows).
create or replace function public.queue_sms_messages_bulk(p_rows jsonb)
returns setof uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_bad record;
  v_first_job uuid;
begin
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: p_rows must be a JSON array';
  end if;

  create temporary table if not exists pg_temp.sms_bulk_rows (
    ord bigint not null,
    id uuid not null,
    job_id uuid not null,
    user_id uuid,
    phone_number text,
    message text,
    priority text,
    scheduled_for timestamptz,
    notification_type text,
    template_id uuid,
    template_key text,
    template_vars jsonb,
    dedup_key text,
    campaign_id uuid,
    error_code text,
    error_text text
  ) on commit drop;
  truncate pg_temp.sms_bulk_rows;

  insert into pg_temp.sms_bulk_rows
  select
    r.ord, gen_random_uuid(), gen_random_uuid(), r.user_id,
    coalesce(r.phone_number, p.phone_number), r.message, r.priority, r.scheduled_for,
    coalesce(r.notification_type, t.notification_type, 'custom'),
    t.id, r.template_key, r.template_vars, r.dedup_key, r.campaign_id,
    pr.code, pr.message
  from (
    select
      r0.ord, r0.user_id, r0.phone_number, r0.message, coalesce(r0.priority, 'normal') as priority,
      r0.scheduled_for, r0.notification_type, r0.template_key, r0.template_vars, r0.dedup_key,
      r0.campaign_id
    from rows from (
      jsonb_to_recordset(p_rows) as (
        user_id uuid, phone_number text, message text, priority text, scheduled_for timestamptz,
        notification_type text, template_key text, template_vars jsonb, dedup_key text, campaign_id uuid
      )
    ) with ordinality as r0 (user_id, phone_number, message, priority, scheduled_for,
                             notification_type, template_key, template_vars, dedup_key, campaign_id, ord)
  ) r
  left join auth.users u on u.id = r.user_id
  left join public.user_sms_preferences p on p.user_id = r.user_id and p.phone_verified
  left join public.sms_templates t on t.template_key = r.template_key and t.is_active
  left join public.sms_notification_types nt
    on nt.key = coalesce(r.notification_type, t.notification_type, 'custom')
  cross join lateral internal.sms_queue_problem(
    r.message, r.priority, r.user_id, u.id is not null,
    r.template_key, t.id is not null,
    coalesce(r.notification_type, t.notification_type, 'custom'), nt.key is not null,
    r.phone_number, p.phone_number) pr;

  select ord, error_code, error_text into v_bad
  from pg_temp.sms_bulk_rows where error_code is not null order by ord limit 1;
  if found then
    raise exception using errcode = v_bad.error_code,
      message = format('%s (row %s)', v_bad.error_text, v_bad.ord);
  end if;

  with inserted as (
    insert into public.sms_messages (
      id, user_id, phone_number, message_content, template_id, template_key, template_vars,
      notification_type, priority, status, status_reason, scheduled_for, queue_job_id,
      dedup_key, campaign_id
    )
    select
      b.id, b.user_id, b.phone_number, b.message, b.template_id, b.template_key, b.template_vars,
      b.notification_type, b.priority,
      case when b.scheduled_for > now() then 'scheduled' else 'pending' end,
      case when b.scheduled_for > now() then 'requested' end,
      b.scheduled_for, b.job_id, b.dedup_key, b.campaign_id
    from pg_temp.sms_bulk_rows b
    order by b.ord
    on conflict (dedup_key) do nothing
    returning id, queue_job_id, priority, scheduled_for
  ),
  jobs as (
    insert into public.queue_jobs (id, job_type, payload, priority, run_at, dedup_key)
    select i.queue_job_id, 'send_sms', jsonb_build_object('message_id', i.id),
           public.sms_job_priority(i.priority), coalesce(i.scheduled_for, now()),
           'send_sms:' || i.id::text
    from inserted i
    returning id
  ),
  usage as (
    update public.sms_templates t
    set usage_count = t.usage_count + c.n
    from (
      select b.template_id, count(*)::integer as n
      from inserted i join pg_temp.sms_bulk_rows b on b.id = i.id
      where b.template_id is not null
      group by b.template_id
    ) c
    where t.id = c.template_id
  )
  select min(j.id::text)::uuid into v_first_job from jobs j;

  if v_first_job is not null then
    perform pg_notify('sms_jobs', v_first_job::text);
  end if;

  -- Resolve each row to its message: the one inserted now, or the existing one with its
  -- dedup key (earlier call, or an earlier row of this batch). Rows without a key were all inserted.
  return query
  select case
           when b.dedup_key is null then b.id
           else (select m.id from public.sms_messages m where m.dedup_key = b.dedup_key)
         end
  from pg_temp.sms_bulk_rows b
  order by b.ord;
end;
$$;

revoke execute on function public.queue_sms_messages_bulk(jsonb) from public, anon, authenticated;
grant execute on function public.queue_sms_messages_bulk(jsonb) to service_role;
