-- queue_sms_messages_bulk keeps its work table for the session (issue 15, scale: p99 < 50 ms).
-- It created pg_temp.sms_bulk_rows in every call and dropped it at commit: about 3 ms of
-- catalog writes a call, every statement below it planned again (the table was new each time),
-- and the catalog change broadcast to every other backend. That was nothing beside a thousand
-- rows, but most of a call of a few: POST /api/v1/messages now queues the requests arriving
-- together through it (public.api_send_messages, 20261205120000). The table now lives as long as
-- the connection, emptied at each commit (on commit delete rows) and at the start of each call
-- (a second call in one transaction must not see the first one's rows). Restated from
-- 20261204100200_queue_sealed_phones.sql with only those lines changed.
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

  if to_regclass('pg_temp.sms_bulk_rows') is null then
    create temporary table pg_temp.sms_bulk_rows (
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
    ) on commit delete rows;
  end if;
  -- Not TRUNCATE: that gives the table a new file, and every plan below would be made again.
  delete from pg_temp.sms_bulk_rows;

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

revoke execute on function public.queue_sms_messages_bulk(jsonb) from public, anon, authenticated;
grant execute on function public.queue_sms_messages_bulk(jsonb) to service_role;
