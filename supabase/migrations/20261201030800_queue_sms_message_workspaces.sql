-- queue_sms_message and its bulk variant learn workspaces and contacts (DESIGN §13).
--
-- queue_sms_message gains p_organization_id and p_contact_id (last, with defaults, so every
-- existing call keeps its meaning). A text to a contact goes to the contact's number in the
-- contact's workspace; a text to a user belongs to p_organization_id or, when that is null,
-- to the only workspace (WS016 organization_required when there is not exactly one).
-- queue_sms_messages_bulk rows gain the keys organization_id and contact_id, same rules.
-- New named exceptions: WS016, WS017 unknown_organization, WS018 unknown_contact,
-- WS019 recipient_conflict.

-- The only workspace, or null when there are none or several.
create function internal.single_organization()
returns uuid
language sql
stable
set search_path = ''
as $$
  select case when count(*) = 1 then min(id::text)::uuid end
  from (select id from public.organizations limit 2) o
$$;

-- p_organization_id when it exists; the only workspace when it is null; otherwise raises.
create function internal.resolve_organization(p_organization_id uuid)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_org uuid;
begin
  if p_organization_id is null then
    v_org := internal.single_organization();
    if v_org is null then
      raise exception using errcode = 'WS016',
        message = 'organization_required: name the workspace (p_organization_id); there is not exactly one';
    end if;
    return v_org;
  end if;
  if not exists (select 1 from public.organizations where id = p_organization_id) then
    raise exception using errcode = 'WS017', message = format('unknown_organization: no workspace %s', p_organization_id);
  end if;
  return p_organization_id;
end;
$$;

drop function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text);
drop function public.queue_sms_messages_bulk(jsonb);

create function public.queue_sms_message(
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
  v_org uuid := p_organization_id;
  v_contact_org uuid;
  v_contact_phone text;
  v_scheduled boolean := p_scheduled_for is not null and p_scheduled_for > now();
begin
  if p_message is null or p_message ~ '^[[:space:]]*$' then
    raise exception using errcode = 'SM001', message = 'empty_body: the message body is empty';
  end if;
  if char_length(p_message) > 1600 then
    raise exception using errcode = 'SM002',
      message = format('body_too_long: the message body has %s characters; the maximum is 1600', char_length(p_message));
  end if;
  if p_priority is null or public.sms_job_priority(p_priority) is null then
    raise exception using errcode = 'SM007',
      message = format('invalid_priority: %s is not one of low, normal, high, urgent', coalesce(p_priority, 'null'));
  end if;
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
    if v_phone is not null and v_phone <> v_contact_phone then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: the phone number is not the contact''s';
    end if;
    v_org := v_contact_org;
    v_verified_phone := v_contact_phone;
  else
    -- One lookup for both the user and their verified phone (this is the hot path).
    select u.id, p.phone_number into v_found_user, v_verified_phone
    from auth.users u
    left join public.user_sms_preferences p on p.user_id = u.id and p.phone_verified
    where u.id = p_user_id;
    if v_found_user is null then
      raise exception using errcode = 'SM006', message = format('unknown_user: no user %s', coalesce(p_user_id::text, 'null'));
    end if;
    v_org := internal.resolve_organization(v_org);
  end if;

  if p_template_key is not null then
    select id, coalesce(v_type, notification_type) into v_template_id, v_type
    from public.sms_templates where template_key = p_template_key and is_active;
    if v_template_id is null then
      raise exception using errcode = 'SM008', message = format('unknown_template: no active template %s', p_template_key);
    end if;
  end if;
  v_type := coalesce(v_type, 'custom');
  if not exists (select 1 from public.sms_notification_types where key = v_type) then
    raise exception using errcode = 'SM003', message = format('unknown_notification_type: %s', v_type);
  end if;

  if v_phone is null then
    v_phone := v_verified_phone;
    if v_phone is null then
      raise exception using errcode = 'SM005', message = format('no_verified_phone: user %s has no verified phone', p_user_id);
    end if;
  elsif not public.is_e164(v_phone) then
    raise exception using errcode = 'SM004', message = format('invalid_phone: %s is not an E.164 number', v_phone);
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

-- Set-based variant; rows may carry organization_id and contact_id.
create function public.queue_sms_messages_bulk(p_rows jsonb)
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
    case
      when r.message is null or r.message ~ '^[[:space:]]*$' then 'SM001'
      when char_length(r.message) > 1600 then 'SM002'
      when public.sms_job_priority(r.priority) is null then 'SM007'
      when r.contact_id is not null and r.user_id is not null then 'WS019'
      when r.contact_id is not null and (c.id is null or (r.organization_id is not null and r.organization_id <> c.organization_id)) then 'WS018'
      when r.contact_id is not null and r.phone_number is not null and r.phone_number <> c.phone_number then 'WS019'
      when r.contact_id is null and u.id is null then 'SM006'
      when r.contact_id is null and o.id is null then 'WS016'
      when r.template_key is not null and t.id is null then 'SM008'
      when nt.key is null then 'SM003'
      when r.phone_number is null and c.phone_number is null and p.phone_number is null then 'SM005'
      when r.phone_number is not null and not public.is_e164(r.phone_number) then 'SM004'
    end,
    case
      when r.message is null or r.message ~ '^[[:space:]]*$' then 'empty_body: the message body is empty'
      when char_length(r.message) > 1600 then 'body_too_long: the message body is longer than 1600 characters'
      when public.sms_job_priority(r.priority) is null then format('invalid_priority: %s', r.priority)
      when r.contact_id is not null and r.user_id is not null then 'recipient_conflict: a text goes to a user or to a contact, not both'
      when r.contact_id is not null and (c.id is null or (r.organization_id is not null and r.organization_id <> c.organization_id)) then format('unknown_contact: no contact %s in this workspace', r.contact_id)
      when r.contact_id is not null and r.phone_number is not null and r.phone_number <> c.phone_number then 'recipient_conflict: the phone number is not the contact''s'
      when r.contact_id is null and u.id is null then format('unknown_user: no user %s', coalesce(r.user_id::text, 'null'))
      when r.contact_id is null and o.id is null then 'organization_required: name the workspace (organization_id); there is not exactly one'
      when r.template_key is not null and t.id is null then format('unknown_template: no active template %s', r.template_key)
      when nt.key is null then format('unknown_notification_type: %s', coalesce(r.notification_type, t.notification_type))
      when r.phone_number is null and c.phone_number is null and p.phone_number is null then format('no_verified_phone: user %s has no verified phone', r.user_id)
      when r.phone_number is not null and not public.is_e164(r.phone_number) then format('invalid_phone: %s is not an E.164 number', r.phone_number)
    end
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
    on nt.key = coalesce(r.notification_type, t.notification_type, 'custom');

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


revoke execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) from public, anon, authenticated;
revoke execute on function public.queue_sms_messages_bulk(jsonb) from public, anon, authenticated;
grant execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) to service_role;
grant execute on function public.queue_sms_messages_bulk(jsonb) to service_role;
