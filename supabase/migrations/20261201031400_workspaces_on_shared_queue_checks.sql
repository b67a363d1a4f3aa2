-- Issue 8 (20261201010100/010200) rewrote queue_sms_message, its bulk form (shared checks:
-- internal.sms_queue_problem) and retry_sms_message on another branch; 20261201030800/030900
-- had added workspaces to the earlier bodies. These are issue 8's bodies with the workspace
-- rules added (p_organization_id / p_contact_id, rows' organization_id / contact_id, the
-- default workspace, retries keeping workspace and contact). Same signatures as 030800.

create or replace function public.queue_sms_message(
  p_user_id uuid,
  p_phone_number text,
  p_message text,
  p_priority text default 'normal',
  p_scheduled_for timestamptz default null,
  p_notification_type text default 'custom',
  p_template_key text default null,
  p_template_vars jsonb default null,
  p_dedup_key text default null,
  p_organization_id uuid default null,
  p_contact_id uuid default null
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
  v_org uuid := p_organization_id;
  v_contact_org uuid;
  v_contact_phone text;
begin
  -- Lookups first (one for the user and their verified phone: this is the hot path), then the
  -- checks, shared with queue_sms_messages_bulk.
  if p_contact_id is not null then
    -- A contact: the text goes to the contact's own number, in the contact's workspace.
    if p_user_id is not null then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: a text goes to a user or to a contact, not both';
    end if;
    select c.organization_id, c.phone_number into v_contact_org, v_contact_phone
    from public.contacts c where c.id = p_contact_id;
    if v_contact_org is null or (v_org is not null and v_org <> v_contact_org) then
      raise exception using errcode = 'WS018', message = format('unknown_contact: no contact %s in this workspace', p_contact_id);
    end if;
    if p_phone_number is not null and p_phone_number <> v_contact_phone then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: the phone number is not the contact''s';
    end if;
    v_org := v_contact_org;
    v_verified_phone := v_contact_phone;
  else
    select u.id, p.phone_number into v_found_user, v_verified_phone
    from auth.users u
    left join public.user_sms_preferences p on p.user_id = u.id and p.phone_verified
    where u.id = p_user_id;
  end if;
  if p_template_key is not null then
    select id, coalesce(v_type, notification_type) into v_template_id, v_type
    from public.sms_templates where template_key = p_template_key and is_active;
  end if;
  v_type := coalesce(v_type, 'custom');

  select c.code, c.message into v_problem
  from internal.sms_queue_problem(
    p_message, p_priority, p_user_id, v_found_user is not null or p_contact_id is not null,
    p_template_key, v_template_id is not null,
    v_type, exists (select 1 from public.sms_notification_types where key = v_type),
    p_phone_number, v_verified_phone) c;
  if v_problem.code is not null then
    raise exception using errcode = v_problem.code, message = v_problem.message;
  end if;
  v_phone := coalesce(p_phone_number, v_verified_phone);
  if p_contact_id is null then
    v_org := internal.resolve_organization(v_org);
  end if;

  if p_dedup_key is not null then
    select id into v_message_id from public.sms_messages where dedup_key = p_dedup_key;
    if v_message_id is not null then
      return v_message_id;
    end if;
  end if;

  -- The job id is chosen up front so the message row is written once (no follow-up UPDATE).
  insert into public.sms_messages (
    user_id, contact_id, organization_id, phone_number, message_content, template_id, template_key, template_vars,
    notification_type, priority, status, status_reason, scheduled_for, queue_job_id, dedup_key
  ) values (
    p_user_id, p_contact_id, v_org, v_phone, p_message, v_template_id, p_template_key, p_template_vars,
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
  v_default_org uuid := internal.single_organization();
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
    organization_id uuid,
    contact_id uuid,
    error_code text,
    error_text text
  ) on commit drop;
  truncate pg_temp.sms_bulk_rows;

  insert into pg_temp.sms_bulk_rows
  select
    r.ord, gen_random_uuid(), gen_random_uuid(), r.user_id,
    coalesce(r.phone_number, c.phone_number, p.phone_number), r.message, r.priority, r.scheduled_for,
    coalesce(r.notification_type, t.notification_type, 'custom'),
    t.id, r.template_key, r.template_vars, r.dedup_key, r.campaign_id,
    coalesce(c.organization_id, o.id), r.contact_id,
    coalesce(wp.code, pr.code), coalesce(wp.message, pr.message)
  from (
    select
      r0.ord, r0.user_id, r0.phone_number, r0.message, coalesce(r0.priority, 'normal') as priority,
      r0.scheduled_for, r0.notification_type, r0.template_key, r0.template_vars, r0.dedup_key,
      r0.campaign_id, r0.organization_id, r0.contact_id
    from rows from (
      jsonb_to_recordset(p_rows) as (
        user_id uuid, phone_number text, message text, priority text, scheduled_for timestamptz,
        notification_type text, template_key text, template_vars jsonb, dedup_key text, campaign_id uuid,
        organization_id uuid, contact_id uuid
      )
    ) with ordinality as r0 (user_id, phone_number, message, priority, scheduled_for,
                             notification_type, template_key, template_vars, dedup_key, campaign_id,
                             organization_id, contact_id, ord)
  ) r
  left join public.contacts c on c.id = r.contact_id
  left join public.organizations o on o.id = coalesce(r.organization_id, v_default_org)
  left join auth.users u on u.id = r.user_id
  left join public.user_sms_preferences p on p.user_id = r.user_id and p.phone_verified
  left join public.sms_templates t on t.template_key = r.template_key and t.is_active
  left join public.sms_notification_types nt
    on nt.key = coalesce(r.notification_type, t.notification_type, 'custom')
  cross join lateral internal.sms_queue_problem(
    r.message, r.priority, r.user_id, u.id is not null or r.contact_id is not null,
    r.template_key, t.id is not null,
    coalesce(r.notification_type, t.notification_type, 'custom'), nt.key is not null,
    r.phone_number, coalesce(c.phone_number, p.phone_number)) pr
  -- The workspace rules (same as queue_sms_message), checked before the text's own.
  cross join lateral (
    select
      case
        when r.contact_id is not null and r.user_id is not null then 'WS019'
        when r.contact_id is not null and (c.id is null or (r.organization_id is not null and r.organization_id <> c.organization_id)) then 'WS018'
        when r.contact_id is not null and r.phone_number is not null and r.phone_number <> c.phone_number then 'WS019'
        when r.contact_id is null and r.organization_id is not null and o.id is null then 'WS017'
        when r.contact_id is null and o.id is null and pr.code is null then 'WS016'
      end as code,
      case
        when r.contact_id is not null and r.user_id is not null then 'recipient_conflict: a text goes to a user or to a contact, not both'
        when r.contact_id is not null and (c.id is null or (r.organization_id is not null and r.organization_id <> c.organization_id)) then format('unknown_contact: no contact %s in this workspace', r.contact_id)
        when r.contact_id is not null and r.phone_number is not null and r.phone_number <> c.phone_number then 'recipient_conflict: the phone number is not the contact''s'
        when r.contact_id is null and r.organization_id is not null and o.id is null then format('unknown_organization: no workspace %s', r.organization_id)
        when r.contact_id is null and o.id is null and pr.code is null then 'organization_required: name the workspace (organization_id); there is no default workspace and not exactly one'
      end as message
  ) wp;

  select ord, error_code, error_text into v_bad
  from pg_temp.sms_bulk_rows where error_code is not null order by ord limit 1;
  if found then
    raise exception using errcode = v_bad.error_code,
      message = format('%s (row %s)', v_bad.error_text, v_bad.ord);
  end if;

  with inserted as (
    insert into public.sms_messages (
      id, user_id, contact_id, organization_id, phone_number, message_content, template_id, template_key, template_vars,
      notification_type, priority, status, status_reason, scheduled_for, queue_job_id,
      dedup_key, campaign_id
    )
    select
      b.id, b.user_id, b.contact_id, b.organization_id, b.phone_number, b.message, b.template_id, b.template_key, b.template_vars,
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


revoke execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) from public, anon, authenticated;
revoke execute on function public.queue_sms_messages_bulk(jsonb) from public, anon, authenticated;
revoke execute on function public.retry_sms_message(uuid) from public, anon, authenticated;
grant execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) to service_role;
grant execute on function public.queue_sms_messages_bulk(jsonb) to service_role;
grant execute on function public.retry_sms_message(uuid) to service_role;
