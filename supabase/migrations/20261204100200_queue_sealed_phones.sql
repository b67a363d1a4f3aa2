-- Phone numbers at rest, the send path (issue 11): the queue functions take the number sealed
-- (public.sealed_phone, or the JSON key `phone_sealed` in queue_sms_messages_bulk rows) and copy
-- a contact's or a verified user's four sealed columns into sms_messages as they are; the
-- recipient conflict (WS019) compares blind indexes. SM004 is now "not a sealed value": whether
-- a number is valid is decided in Node before sealing (sealPhoneInput). Each function below is
-- its latest definition (sms_queue_problem 20261201010200, queue_sms_message 20261201071200,
-- queue_sms_messages_bulk 20261201071100) with only its phone lines changed. The parameter type
-- changes, so the old signatures are dropped (a stale caller fails loudly).

drop function internal.sms_queue_problem(text, text, uuid, boolean, text, boolean, text, boolean, text, text);
drop function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid);

create function internal.sms_queue_problem(
  p_message text,
  p_priority text,
  p_user_id uuid,
  p_user_found boolean,
  p_template_key text,
  p_template_found boolean,
  p_notification_type text,
  p_type_found boolean,
  p_phone_sealed public.sealed_phone,
  p_verified_phone_hash text
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
      when p_phone_sealed is not distinct from null and p_verified_phone_hash is null then 'SM005'
      when p_phone_sealed is distinct from null and internal.sealed_phone_problem(p_phone_sealed) is not null then 'SM004'
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
      when p_phone_sealed is not distinct from null and p_verified_phone_hash is null then format('no_verified_phone: user %s has no verified phone', p_user_id)
      -- Never the value itself: a caller that sends a clear number here must not see it echoed.
      when p_phone_sealed is distinct from null and internal.sealed_phone_problem(p_phone_sealed) is not null then
        'invalid_phone: ' || internal.sealed_phone_problem(p_phone_sealed)
    end
  from (select 1600 as max_body) l
$$;

create function public.queue_sms_message(
  p_user_id uuid,
  p_phone_sealed public.sealed_phone,
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
  v_phone public.sealed_phone := p_phone_sealed;
  v_type text := p_notification_type;
  v_found_user uuid;
  v_verified_phone public.sealed_phone;
  v_verified_hash text;
  v_template_id uuid;
  v_message_id uuid;
  v_job_id uuid := gen_random_uuid();
  v_scheduled boolean := p_scheduled_for is not null and p_scheduled_for > now();
  v_problem record;
  v_message text := p_message;
  v_template_body text;
  v_template_declared jsonb;
  v_org uuid := p_organization_id;
  v_contact_org uuid;
  v_contact_enc text;
  v_contact_hash text;
  v_contact_last4 text;
  v_contact_cc text;
  v_enc text;
  v_last4 text;
  v_cc text;
begin
  -- Lookups first (one for the user and their verified phone: this is the hot path), then the
  -- checks, shared with queue_sms_messages_bulk.
  if p_contact_id is not null then
    -- A contact: the text goes to the contact's own number, in the contact's workspace.
    if p_user_id is not null then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: a text goes to a user or to a contact, not both';
    end if;
    select c.organization_id, c.phone_enc, c.phone_hash, c.phone_last4, c.calling_code
    into v_contact_org, v_contact_enc, v_contact_hash, v_contact_last4, v_contact_cc
    from public.contacts c where c.id = p_contact_id;
    if v_contact_org is null or (v_org is not null and v_org <> v_contact_org) then
      raise exception using errcode = 'WS018', message = format('unknown_contact: no contact %s in this workspace', p_contact_id);
    end if;
    if p_phone_sealed is distinct from null and (p_phone_sealed).hash is distinct from v_contact_hash then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: the phone number is not the contact''s';
    end if;
    v_org := v_contact_org;
    v_verified_phone := row(v_contact_enc, v_contact_hash, v_contact_last4, v_contact_cc)::public.sealed_phone;
    v_verified_hash := v_contact_hash;
  else
    select u.id, p.phone_enc, p.phone_hash, p.phone_last4, p.calling_code
    into v_found_user, v_enc, v_verified_hash, v_last4, v_cc
    from auth.users u
    left join public.user_sms_preferences p on p.user_id = u.id and p.phone_verified
    where u.id = p_user_id;
    if v_verified_hash is not null then
      v_verified_phone := row(v_enc, v_verified_hash, v_last4, v_cc)::public.sealed_phone;
    end if;
  end if;
  if p_template_key is not null then
    -- The text's workspace's template, else a platform one (keys are unique per workspace).
    select t.id, coalesce(v_type, t.notification_type), t.message_template, t.template_vars
    into v_template_id, v_type, v_template_body, v_template_declared
    from public.sms_templates t
    where t.template_key = p_template_key and t.is_active
      and (t.organization_id = coalesce(v_org, internal.single_organization()) or t.organization_id is null)
    order by t.organization_id nulls last
    limit 1;
  end if;
  v_type := coalesce(v_type, 'custom');
  -- No body given: the template is rendered here with p_template_vars (a missing variable is
  -- TP005, raised before anything is written). A body given is the caller's own rendering.
  if v_message is null and v_template_id is not null then
    v_message := internal.render_template(
      v_template_body, p_template_vars,
      array(select jsonb_array_elements_text(v_template_declared)));
  end if;

  select c.code, c.message into v_problem
  from internal.sms_queue_problem(
    v_message, p_priority, p_user_id, v_found_user is not null or p_contact_id is not null,
    p_template_key, v_template_id is not null,
    v_type, exists (select 1 from public.sms_notification_types where key = v_type),
    p_phone_sealed, v_verified_hash) c;
  if v_problem.code is not null then
    raise exception using errcode = v_problem.code, message = v_problem.message;
  end if;
  v_phone := case when p_phone_sealed is distinct from null then p_phone_sealed else v_verified_phone end;
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
    user_id, contact_id, organization_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, template_id, template_key, template_vars,
    notification_type, priority, status, status_reason, scheduled_for, queue_job_id, dedup_key
  ) values (
    p_user_id, p_contact_id, v_org, (v_phone).enc, (v_phone).hash, (v_phone).last4, (v_phone).calling_code, v_message, v_template_id, p_template_key, p_template_vars,
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
    update public.sms_templates set usage_count = usage_count + 1, last_used_at = now() where id = v_template_id;
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
    phone_enc text,
    phone_hash text,
    phone_last4 text,
    calling_code text,
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
    -- The number given (sealed in Node), else the contact's or the verified phone's, copied as it is.
    case when r.phone is distinct from null then (r.phone).enc when c.id is not null then c.phone_enc else p.phone_enc end,
    case when r.phone is distinct from null then (r.phone).hash when c.id is not null then c.phone_hash else p.phone_hash end,
    case when r.phone is distinct from null then (r.phone).last4 when c.id is not null then c.phone_last4 else p.phone_last4 end,
    case when r.phone is distinct from null then (r.phone).calling_code when c.id is not null then c.calling_code else p.calling_code end,
    r.message, r.priority, r.scheduled_for,
    coalesce(r.notification_type, t.notification_type, 'custom'),
    t.id, r.template_key, r.template_vars, r.dedup_key, r.campaign_id,
    coalesce(c.organization_id, o.id), r.contact_id,
    coalesce(wp.code, pr.code), coalesce(wp.message, pr.message)
  from (
    select
      r0.ord, r0.user_id, internal.sealed_phone_from_json(r0.phone_sealed) as phone, r0.message, coalesce(r0.priority, 'normal') as priority,
      r0.scheduled_for, r0.notification_type, r0.template_key, r0.template_vars, r0.dedup_key,
      r0.campaign_id, r0.organization_id, r0.contact_id
    from rows from (
      jsonb_to_recordset(p_rows) as (
        user_id uuid, phone_sealed jsonb, message text, priority text, scheduled_for timestamptz,
        notification_type text, template_key text, template_vars jsonb, dedup_key text, campaign_id uuid,
        organization_id uuid, contact_id uuid
      )
    ) with ordinality as r0 (user_id, phone_sealed, message, priority, scheduled_for,
                             notification_type, template_key, template_vars, dedup_key, campaign_id,
                             organization_id, contact_id, ord)
  ) r
  left join public.contacts c on c.id = r.contact_id
  left join public.organizations o on o.id = coalesce(r.organization_id, v_default_org)
  left join auth.users u on u.id = r.user_id
  left join public.user_sms_preferences p on p.user_id = r.user_id and p.phone_verified
  left join lateral (
    -- The row's workspace's template, else a platform one (keys are unique per workspace).
    select t0.id, t0.notification_type from public.sms_templates t0
    where t0.template_key = r.template_key and t0.is_active
      and (t0.organization_id = coalesce(c.organization_id, o.id) or t0.organization_id is null)
    order by t0.organization_id nulls last
    limit 1
  ) t on true
  left join public.sms_notification_types nt
    on nt.key = coalesce(r.notification_type, t.notification_type, 'custom')
  cross join lateral internal.sms_queue_problem(
    r.message, r.priority, r.user_id, u.id is not null or r.contact_id is not null,
    r.template_key, t.id is not null,
    coalesce(r.notification_type, t.notification_type, 'custom'), nt.key is not null,
    r.phone, coalesce(c.phone_hash, p.phone_hash)) pr
  -- The workspace rules (same as queue_sms_message), checked before the text's own.
  cross join lateral (
    select
      case
        when r.contact_id is not null and r.user_id is not null then 'WS019'
        when r.contact_id is not null and (c.id is null or (r.organization_id is not null and r.organization_id <> c.organization_id)) then 'WS018'
        when r.contact_id is not null and r.phone is distinct from null and (r.phone).hash is distinct from c.phone_hash then 'WS019'
        when r.contact_id is null and r.organization_id is not null and o.id is null then 'WS017'
        when r.contact_id is null and o.id is null and pr.code is null then 'WS016'
      end as code,
      case
        when r.contact_id is not null and r.user_id is not null then 'recipient_conflict: a text goes to a user or to a contact, not both'
        when r.contact_id is not null and (c.id is null or (r.organization_id is not null and r.organization_id <> c.organization_id)) then format('unknown_contact: no contact %s in this workspace', r.contact_id)
        when r.contact_id is not null and r.phone is distinct from null and (r.phone).hash is distinct from c.phone_hash then 'recipient_conflict: the phone number is not the contact''s'
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
      id, user_id, contact_id, organization_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, template_id, template_key, template_vars,
      notification_type, priority, status, status_reason, scheduled_for, queue_job_id,
      dedup_key, campaign_id
    )
    select
      b.id, b.user_id, b.contact_id, b.organization_id, b.phone_enc, b.phone_hash, b.phone_last4, b.calling_code, b.message, b.template_id, b.template_key, b.template_vars,
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
    set usage_count = t.usage_count + c.n, last_used_at = now()
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

revoke all on function internal.sms_queue_problem(text, text, uuid, boolean, text, boolean, text, boolean, public.sealed_phone, text) from public, anon, authenticated;
revoke execute on function public.queue_sms_message(uuid, public.sealed_phone, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) from public, anon, authenticated;
grant execute on function public.queue_sms_message(uuid, public.sealed_phone, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) to service_role;
revoke execute on function public.queue_sms_messages_bulk(jsonb) from public, anon, authenticated;
grant execute on function public.queue_sms_messages_bulk(jsonb) to service_role;
