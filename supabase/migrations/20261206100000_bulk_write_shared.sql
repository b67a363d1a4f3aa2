-- One write for every bulk path (issue 15, scale: POST /messages/batch of 1,000 ≥ 0.8 × the
-- bulk function's rate). public.queue_sms_messages_bulk was the API batch's only way in: the
-- batch's fast path (internal.api_send_batch_fast, also under POST /messages arriving together)
-- checked every text, built the bulk function's JSON (json_agg, then a cast to jsonb: 6–7 ms of
-- a thousand texts), which the bulk function parsed again, joined to the contacts again and
-- checked again, and the answer read each new text back from sms_messages. Measured in one
-- backend over 1,000 texts to 500 contacts: the fast path's own work was 10–12 ms and the answer
-- 6.5 ms beside the bulk call's 90.
--
-- Now, graphile-worker's shape (add_job delegating to add_jobs): the bulk function is its JSON
-- parse and checks filling pg_temp.sms_bulk_rows (internal.sms_bulk_rows_ready), then
-- internal.sms_bulk_write, which inserts the texts and their jobs from that table and answers
-- each row's text as inserted (id, status, send time, number as stored). The API's fast path
-- fills the same table from its own checked rows (the text rules are the same function,
-- internal.sms_queue_problem; the recipient is a contact of the workspace by construction) and
-- calls the same write, so its texts are written by the same statement as every bulk text, and
-- its answer is made from the write's rows (internal.api_batch_answer now takes them, not ids).
-- The status a queued text starts in is one rule, internal.sms_initial_status, used by the
-- insert and by the answer.
-- Restated: public.queue_sms_messages_bulk (20261205120100), internal.api_send_batch_fast and
-- internal.api_send_batch_general (20261204120000), otherwise unchanged.

-- What a text queued now starts as: due later → scheduled (requested), else pending.
create function internal.sms_initial_status(p_scheduled_for timestamptz)
returns table (status text, status_reason text)
language sql
stable
-- No SET clause: it would stop the planner inlining this; every name in it is qualified.
as $$
  select case when p_scheduled_for > now() then 'scheduled' else 'pending' end,
         case when p_scheduled_for > now() then 'requested' end
$$;
revoke all on function internal.sms_initial_status(timestamptz) from public, anon, authenticated;

-- pg_temp.sms_bulk_rows, empty: the rows internal.sms_bulk_write writes. It lives as long as the
-- connection (on commit delete rows), so the statements reading it keep their plans.
create function internal.sms_bulk_rows_ready()
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
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

end;
$$;
revoke all on function internal.sms_bulk_rows_ready() from public, anon, authenticated;

-- Inserts pg_temp.sms_bulk_rows' texts (every row checked by its caller) and their jobs, counts
-- template use, wakes the worker; answers each row (ord) with its text as written.
create function internal.sms_bulk_write()
returns table (ord bigint, id uuid, status text, status_reason text, scheduled_for timestamptz,
               created_at timestamptz, phone_enc text, phone_last4 text)
language plpgsql
volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_first_job uuid;
begin
  with inserted as (
    insert into public.sms_messages (
      id, user_id, contact_id, organization_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, template_id, template_key, template_vars,
      notification_type, priority, status, status_reason, scheduled_for, queue_job_id,
      dedup_key, campaign_id, created_at
    )
    select
      b.id, b.user_id, b.contact_id, b.organization_id, b.phone_enc, b.phone_hash, b.phone_last4, b.calling_code, b.message, b.template_id, b.template_key, b.template_vars,
      b.notification_type, b.priority, s.status, s.status_reason,
      b.scheduled_for, b.job_id, b.dedup_key, b.campaign_id, now()
    from pg_temp.sms_bulk_rows b
    cross join lateral internal.sms_initial_status(b.scheduled_for) s
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

  -- Each row's text: the one inserted now (what it was inserted with), or the existing one with
  -- its dedup key (earlier call, or an earlier row of this batch), as it is. Rows without a key
  -- were all inserted.
  return query
  select b.ord, coalesce(m.id, b.id),
         case when b.dedup_key is null then s.status else m.status end,
         case when b.dedup_key is null then s.status_reason else m.status_reason end,
         case when b.dedup_key is null then b.scheduled_for else m.scheduled_for end,
         case when b.dedup_key is null then now() else m.created_at end,
         case when b.dedup_key is null then b.phone_enc else m.phone_enc end,
         case when b.dedup_key is null then b.phone_last4 else m.phone_last4 end
  from pg_temp.sms_bulk_rows b
  cross join lateral internal.sms_initial_status(b.scheduled_for) s
  -- Looked up only for a row with a key, once a row (offset 0: not pulled up into a join, which
  -- a plan kept for the connection, made when the table held other rows, may make a scan of
  -- every text to match rows without one).
  left join lateral (
    select m0.* from public.sms_messages m0 where b.dedup_key is not null and m0.dedup_key = b.dedup_key offset 0
  ) m on true
  order by b.ord;
end;
$$;
revoke all on function internal.sms_bulk_write() from public, anon, authenticated;

create or replace function public.queue_sms_messages_bulk(p_rows jsonb)
returns setof uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_bad record;
  v_default_org uuid := internal.single_organization();
begin
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: p_rows must be a JSON array';
  end if;

  perform internal.sms_bulk_rows_ready();

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

  return query select w.id from internal.sms_bulk_write() w order by w.ord;
end;
$$;
revoke execute on function public.queue_sms_messages_bulk(jsonb) from public, anon, authenticated;
grant execute on function public.queue_sms_messages_bulk(jsonb) to service_role;

-- What the answer of a batch reads of each text queued: internal.sms_bulk_write's row, or (the
-- general path) the text as read back; idx is the input text's index.
create type internal.api_batch_sent as (
  idx integer,
  id uuid,
  status text,
  status_reason text,
  scheduled_for timestamptz,
  created_at timestamptz,
  phone_enc text,
  phone_last4 text
);

drop function internal.api_batch_answer(internal.api_batch_item[], uuid[]);

-- The answer for a batch's texts: p_items in input order or any, p_sent the texts queued for
-- them (by idx; a refused item has none). Every array of "ok" is aggregated over the same rows
-- in the same pass, so they line up with one another.
create function internal.api_batch_answer(p_items internal.api_batch_item[], p_sent internal.api_batch_sent[])
returns json
language sql
stable
set search_path = ''
as $$
  select json_build_object(
    'accepted', count(w.id),
    'rejected', count(*) - count(w.id),
    'ok', json_build_object(
      'index', array_agg(b.idx) filter (where w.id is not null),
      'id', array_agg(w.id) filter (where w.id is not null),
      'status', array_agg(w.status) filter (where w.id is not null),
      'statusReason', array_agg(w.status_reason) filter (where w.id is not null),
      'sendAt', array_agg(internal.api_iso(w.scheduled_for)) filter (where w.id is not null),
      -- Texts queued now were created now: that date written once, not once a text.
      'createdAt', array_agg(case when w.created_at = now() then n.iso else internal.api_iso(w.created_at) end) filter (where w.id is not null),
      'userId', array_agg(b.user_id) filter (where w.id is not null),
      'contactId', array_agg(b.contact_id) filter (where w.id is not null),
      'externalId', array_agg(b.external_id) filter (where w.id is not null),
      -- The number as stored (sealed): the web server opens it on the way out.
      'phone', array_agg(w.phone_enc) filter (where w.id is not null),
      'phoneLast4', array_agg(w.phone_last4) filter (where w.id is not null)),
    'refused', coalesce(json_agg(case
        when b.problem is not null then json_build_object('index', b.idx, 'problem', b.problem)
        else json_build_object('index', b.idx, 'error', json_build_object('code', b.code, 'message', b.message, 'field', b.field))
      end) filter (where w.id is null), '[]'::json))
  from unnest(p_items) b
  cross join (select internal.api_iso(now()) as iso) n
  left join unnest(p_sent) w on w.idx = b.idx
$$;
revoke all on function internal.api_batch_answer(internal.api_batch_item[], internal.api_batch_sent[]) from public, anon, authenticated;

-- Every text is a body to a bare number, a contact id or an external id (or was refused by the
-- schema): one statement checks them all and fills the write's rows with the good ones, one
-- call writes them, one statement answers. Returns the batch's answer (the body of the 200).
create or replace function internal.api_send_batch_fast(p_org uuid, p_key_id uuid, p_items jsonb)
returns json
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_items internal.api_batch_item[];
  v_sent internal.api_batch_sent[];
  v_gone uuid[];
  v_new_contacts boolean;
  v_has_metadata boolean;
begin
  perform internal.sms_bulk_rows_ready();
  -- Checked before any contact is created, so a refused text leaves no new contact behind.
  with s as materialized (
    select x.idx, nullif(x.metadata, '{}'::jsonb) as metadata, x.problem, x.to_sealed, x.body, x.priority, x.send_at, x.type,
           r.contact_id, r.user_id, r.external_id, r.phone_hash, r.phone_enc, r.phone_last4, r.calling_code,
           v.code, v.message, v.field
    from (
      -- Each value taken out of the JSON once (offset 0: not again at every use below); the
      -- operators are cheaper here than jsonb_to_record.
      select (e ->> 'index')::integer as idx, e -> 'message' -> 'metadata' as metadata, e -> 'problem' as problem,
             e -> 'message' -> 'to' ? 'contactId' as has_contact, e -> 'message' -> 'to' ? 'externalId' as has_external,
             (e -> 'message' -> 'to' ->> 'contactId')::uuid as to_contact,
             e -> 'message' -> 'to' ->> 'externalId' as to_external,
             e -> 'message' -> 'to' -> 'phone_sealed' as to_sealed,
             e -> 'message' -> 'to' -> 'phone_sealed' ->> 'hash' as to_hash,
             e -> 'message' ->> 'body' as body, coalesce(e -> 'message' ->> 'priority', 'normal') as priority,
             (e -> 'message' ->> 'sendAt')::timestamptz as send_at,
             coalesce(e -> 'message' ->> 'type', 'custom') as type
      from jsonb_array_elements(p_items) e
      offset 0
    ) x
    left join public.contacts cid on cid.organization_id = p_org and cid.id = x.to_contact
    left join public.contacts cex on cex.organization_id = p_org and cex.external_id = x.to_external
    left join public.contacts cph on cph.organization_id = p_org and cph.phone_hash = x.to_hash
      and x.to_contact is null and x.to_external is null
    left join public.sms_notification_types nt on nt.key = x.type
    cross join lateral (
      -- The text copies its contact's number as stored; a new contact's is the one given.
      select coalesce(cid.id, cex.id, cph.id) as contact_id,
             coalesce(cid.user_id, cex.user_id, cph.user_id) as user_id,
             coalesce(cid.external_id, cex.external_id, cph.external_id, x.to_external) as external_id,
             coalesce(cid.phone_hash, cex.phone_hash, x.to_hash) as phone_hash,
             coalesce(cid.phone_enc, cex.phone_enc, cph.phone_enc, x.to_sealed ->> 'enc') as phone_enc,
             coalesce(cid.phone_last4, cex.phone_last4, cph.phone_last4, x.to_sealed ->> 'last4') as phone_last4,
             case when coalesce(cid.id, cex.id, cph.id) is not null then coalesce(cid.calling_code, cex.calling_code, cph.calling_code)
                  else x.to_sealed ->> 'calling_code' end as calling_code
    ) r
    cross join lateral internal.sms_queue_problem(
      x.body, x.priority, null, true, null, false, x.type, nt.key is not null,
        case when x.to_sealed is not null then internal.sealed_phone_from_json(x.to_sealed) end, r.phone_hash) pr
    cross join lateral (
      select
        case when x.problem is not null then null
             when x.has_contact and r.contact_id is null then 'AP002'
             when x.has_external and r.contact_id is null then 'AP003'
             else pr.code end as code,
        case when x.problem is not null then null
             when x.has_contact and r.contact_id is null then 'is not a contact of this workspace'
             when x.has_external and r.contact_id is null then 'has no contact in this workspace; include phone (and name) to create it'
             else pr.message end as message,
        case when x.problem is not null then null
             when x.has_contact and r.contact_id is null then 'to.contactId'
             when x.has_external and r.contact_id is null then 'to.externalId' end as field
    ) v
  ),
  -- The good texts, in input order (ord: the index + 1); a new contact's id is set below.
  good as (
    insert into pg_temp.sms_bulk_rows (ord, id, job_id, phone_enc, phone_hash, phone_last4, calling_code, message, priority,
                                       scheduled_for, notification_type, organization_id, contact_id)
    select s.idx + 1, gen_random_uuid(), gen_random_uuid(), s.phone_enc, s.phone_hash, s.phone_last4, s.calling_code, s.body, s.priority,
           s.send_at, s.type, p_org, s.contact_id
    from s
    where s.problem is null and s.code is null
  )
  select
    array_agg(row(s.idx, s.metadata, s.problem, s.contact_id, s.user_id, s.external_id, s.phone_hash, s.code, s.message, s.field, s.to_sealed)::internal.api_batch_item
              order by s.idx),
    coalesce(bool_or(s.problem is null and s.code is null and s.contact_id is null), false),
    coalesce(bool_or(s.metadata is not null), false)
  into v_items, v_new_contacts, v_has_metadata
  from s;
  -- A bare number is the workspace's contact with that number, created when new.
  if v_new_contacts then
    -- No name (not its number): a contact is named by whoever knows the person.
    insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, consent_source, consented_at)
    select distinct on (b.phone_hash) p_org, null, b.sealed ->> 'enc', b.phone_hash, b.sealed ->> 'last4', b.sealed ->> 'calling_code', 'api', now()
    from unnest(v_items) b
    where b.problem is null and b.code is null and b.contact_id is null
    on conflict (organization_id, phone_hash) do nothing;
    v_items := array(
      select row(b.idx, b.metadata, b.problem, coalesce(b.contact_id, c.id),
        case when b.contact_id is null then c.user_id else b.user_id end,
        case when b.contact_id is null then c.external_id else b.external_id end,
        b.phone_hash, b.code, b.message, b.field, b.sealed)::internal.api_batch_item
      from unnest(v_items) with ordinality b
      left join public.contacts c on b.problem is null and b.code is null and b.contact_id is null
        and c.organization_id = p_org and c.phone_hash = b.phone_hash
      order by b.ordinality);
    -- Their texts copy the contact's number as stored (one created concurrently has its own).
    update pg_temp.sms_bulk_rows r
    set contact_id = c.id, phone_enc = c.phone_enc, phone_last4 = c.phone_last4, calling_code = c.calling_code
    from public.contacts c
    where r.contact_id is null and c.organization_id = p_org and c.phone_hash = r.phone_hash;
  end if;

  loop
    begin
      v_sent := array(
        select row(w.ord - 1, w.id, w.status, w.status_reason, w.scheduled_for, w.created_at, w.phone_enc, w.phone_last4)::internal.api_batch_sent
        from internal.sms_bulk_write() w);
      exit;
    exception when foreign_key_violation then
      -- A contact deleted since the check above (a concurrent DELETE /contacts): its texts are
      -- refused as queue_sms_messages_bulk words it (WS018), the others written without them.
      v_gone := array(select distinct r.contact_id from pg_temp.sms_bulk_rows r
                      where not exists (select 1 from public.contacts c where c.id = r.contact_id));
      if cardinality(v_gone) = 0 then
        raise;
      end if;
      delete from pg_temp.sms_bulk_rows r where r.contact_id = any (v_gone);
      v_items := array(
        select case when b.problem is null and b.code is null and b.contact_id = any (v_gone)
            then row(b.idx, b.metadata, b.problem, b.contact_id, b.user_id, b.external_id, b.phone_hash,
                     'WS018', format('unknown_contact: no contact %s in this workspace', b.contact_id), b.field, b.sealed)::internal.api_batch_item
            else row(b.idx, b.metadata, b.problem, b.contact_id, b.user_id, b.external_id, b.phone_hash,
                     b.code, b.message, b.field, b.sealed)::internal.api_batch_item end
        from unnest(v_items) with ordinality b
        order by b.ordinality);
    end;
  end loop;
  if v_has_metadata then
    -- A text without metadata needs no row (reads take a missing one as {}).
    insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata)
    select w.id, p_org, p_key_id, b.metadata
    from unnest(v_items) b join unnest(v_sent) w on w.idx = b.idx
    where b.metadata is not null;
  end if;
  return internal.api_batch_answer(v_items, v_sent);
end;
$$;

-- Restated with only its answer's input changed: the texts read back, as api_batch_sent.
create or replace function internal.api_send_batch_general(p_org uuid, p_key_id uuid, p_items jsonb)
returns json
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_idx integer;
  v_msg jsonb;
  v_to record;
  v_text record;
  v_user_found boolean;
  v_verified text;
  v_problem record;
  v_state text;
  v_error text;
  v_column text;
  v_bad integer;
  v_rows jsonb;
  v_ids uuid[];
  v_items internal.api_batch_item[];
  v_sent internal.api_batch_sent[];
begin
  create temporary table if not exists pg_temp.api_batch (
    idx integer primary key,
    m jsonb,
    simple boolean not null,
    -- The recipient's keys, as columns so the lookups below are plain (hash) joins.
    to_contact uuid,
    to_external text,
    to_hash text,
    to_sealed jsonb,
    problem jsonb,
    code text,
    message text,
    field text,
    bulk_row jsonb,
    user_id uuid,
    contact_id uuid,
    external_id text,
    phone_hash text,
    ord integer,
    message_id uuid
  ) on commit drop;
  truncate pg_temp.api_batch;
  insert into pg_temp.api_batch (idx, m, problem, to_contact, to_external, to_hash, to_sealed, simple)
  select (e ->> 'index')::integer, e -> 'message', e -> 'problem',
         (e -> 'message' -> 'to' ->> 'contactId')::uuid, e -> 'message' -> 'to' ->> 'externalId',
         e -> 'message' -> 'to' -> 'phone_sealed' ->> 'hash', e -> 'message' -> 'to' -> 'phone_sealed',
         e ? 'message' and not (e -> 'message' ? 'template')
         and not (e -> 'message' -> 'to' ?| array['userId', 'name', 'attributes'])
         and not (e -> 'message' -> 'to' ? 'externalId' and e -> 'message' -> 'to' ? 'phone_sealed')
  from jsonb_array_elements(p_items) e;
  -- Fresh statistics, or the planner takes the thousand rows for one and scans contacts for each.
  analyze pg_temp.api_batch;

  -- One by one: templates, users, contact upserts.
  for v_idx, v_msg in select b.idx, b.m from pg_temp.api_batch b where b.problem is null and not b.simple order by b.idx loop
    begin
      select * into v_text from internal.api_render(p_org, v_msg);
      select * into v_to from internal.api_resolve_recipient(p_org, v_msg -> 'to');
      v_user_found := true;
      v_verified := v_to.r_phone_hash;
      if v_to.r_contact_id is null then
        select u.id is not null, p.phone_hash into v_user_found, v_verified
        from auth.users u left join public.user_sms_preferences p on p.user_id = u.id and p.phone_verified
        where u.id = v_to.r_user_id;
        v_user_found := coalesce(v_user_found, false);
      end if;
      select c.code, c.message into v_problem
      from internal.sms_queue_problem(
        v_text.r_body, coalesce(v_msg ->> 'priority', 'normal'), v_to.r_user_id, v_user_found,
        v_msg ->> 'template', v_text.r_template_found,
        coalesce(v_text.r_type, 'custom'),
        exists (select 1 from public.sms_notification_types t where t.key = coalesce(v_text.r_type, 'custom')),
        null, v_verified) c;
      if v_problem.code is not null then
        raise exception using errcode = v_problem.code, message = v_problem.message;
      end if;
      update pg_temp.api_batch set
        user_id = v_to.r_user_id, contact_id = v_to.r_contact_id, external_id = v_to.r_external_id,
        bulk_row = jsonb_build_object(
          'user_id', case when v_to.r_contact_id is null then v_to.r_user_id end,
          'contact_id', v_to.r_contact_id,
          'organization_id', p_org,
          'message', v_text.r_body,
          'priority', coalesce(v_msg ->> 'priority', 'normal'),
          'scheduled_for', v_msg ->> 'sendAt',
          'notification_type', v_msg ->> 'type',
          'template_key', v_msg ->> 'template',
          'template_vars', v_msg -> 'variables')
      where idx = v_idx;
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_error = message_text, v_column = column_name;
      if v_state !~ '^(AP|SM|TP|WS)' then
        raise;
      end if;
      update pg_temp.api_batch set code = v_state, message = v_error, field = nullif(v_column, '') where idx = v_idx;
    end;
  end loop;

  -- All at once: a body to a bare number, a contact id or an external id. Checked before any
  -- contact is created, so a refused text leaves no new contact behind.
  update pg_temp.api_batch b set
    contact_id = s.contact_id, user_id = s.user_id, external_id = s.external_id, phone_hash = s.phone_hash,
    code = s.code, message = s.message, field = s.field
  from (
    select b0.idx, r.contact_id, r.user_id, r.external_id, r.phone_hash,
      case when b0.m -> 'to' ? 'contactId' and r.contact_id is null then 'AP002'
           when b0.m -> 'to' ? 'externalId' and r.contact_id is null then 'AP003'
           else pr.code end as code,
      case when b0.m -> 'to' ? 'contactId' and r.contact_id is null then 'is not a contact of this workspace'
           when b0.m -> 'to' ? 'externalId' and r.contact_id is null then 'has no contact in this workspace; include phone (and name) to create it'
           else pr.message end as message,
      case when b0.m -> 'to' ? 'contactId' and r.contact_id is null then 'to.contactId'
           when b0.m -> 'to' ? 'externalId' and r.contact_id is null then 'to.externalId' end as field
    from pg_temp.api_batch b0
    left join public.contacts cid on cid.organization_id = p_org and cid.id = b0.to_contact
    left join public.contacts cex on cex.organization_id = p_org and cex.external_id = b0.to_external
    left join public.contacts cph on cph.organization_id = p_org and cph.phone_hash = b0.to_hash
      and b0.to_contact is null and b0.to_external is null
    cross join lateral (
      select coalesce(cid.id, cex.id, cph.id) as contact_id,
             coalesce(cid.user_id, cex.user_id, cph.user_id) as user_id,
             coalesce(cid.external_id, cex.external_id, cph.external_id, b0.to_external) as external_id,
             coalesce(cid.phone_hash, cex.phone_hash, b0.to_hash) as phone_hash
    ) r
    cross join lateral internal.sms_queue_problem(
      b0.m ->> 'body', coalesce(b0.m ->> 'priority', 'normal'), null, true, null, false,
      coalesce(b0.m ->> 'type', 'custom'),
      exists (select 1 from public.sms_notification_types t where t.key = coalesce(b0.m ->> 'type', 'custom')),
      case when b0.to_sealed is not null then internal.sealed_phone_from_json(b0.to_sealed) end, r.phone_hash) pr
    where b0.simple and b0.problem is null
  ) s
  where b.idx = s.idx;
  -- A bare number is the workspace's contact with that number, created when new.
  -- No name (not its number): a contact is named by whoever knows the person.
  insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, consent_source, consented_at)
  select distinct on (b.to_hash) p_org, null, b.to_sealed ->> 'enc', b.to_hash, b.to_sealed ->> 'last4', b.to_sealed ->> 'calling_code', 'api', now()
  from pg_temp.api_batch b
  where b.simple and b.problem is null and b.code is null and b.contact_id is null
  on conflict (organization_id, phone_hash) do nothing;
  if found or exists (select 1 from pg_temp.api_batch b
                      where b.simple and b.problem is null and b.code is null and b.contact_id is null) then
    update pg_temp.api_batch b set contact_id = c.id, user_id = c.user_id, external_id = c.external_id
    from public.contacts c
    where b.simple and b.problem is null and b.code is null and b.contact_id is null
      and c.organization_id = p_org and c.phone_hash = b.to_hash;
  end if;
  -- Then every good text's row for the bulk call, numbered in input order.
  update pg_temp.api_batch b set
    ord = g.n,
    bulk_row = coalesce(b.bulk_row, jsonb_build_object(
      'contact_id', b.contact_id,
      'organization_id', p_org,
      'message', b.m ->> 'body',
      'priority', coalesce(b.m ->> 'priority', 'normal'),
      'scheduled_for', b.m ->> 'sendAt',
      'notification_type', b.m ->> 'type'))
  from (
    select b1.idx, row_number() over (order by b1.idx)::integer as n
    from pg_temp.api_batch b1
    where b1.problem is null and b1.code is null and (b1.simple or b1.bulk_row is not null)
  ) g
  where b.idx = g.idx;

  -- The good texts in one call. Should it still refuse one (a rule checked only there), that
  -- text is answered as refused and the rest queued without it.
  loop
    select jsonb_agg(b.bulk_row order by b.ord) into v_rows from pg_temp.api_batch b where b.bulk_row is not null and b.code is null;
    exit when v_rows is null;
    begin
      select array_agg(q.id order by q.n) into v_ids
      from public.queue_sms_messages_bulk(v_rows) with ordinality as q (id, n);
      update pg_temp.api_batch b set message_id = v_ids[b.ord] where b.bulk_row is not null and b.code is null;
      exit;
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_error = message_text;
      v_bad := substring(v_error from '\(row (\d+)\)$')::integer;
      if v_state !~ '^(AP|SM|TP|WS)' or v_bad is null then
        raise;
      end if;
      update pg_temp.api_batch b set code = v_state, message = regexp_replace(v_error, ' \(row \d+\)$', ''), ord = null
      where b.ord = v_bad and b.bulk_row is not null and b.code is null;
      update pg_temp.api_batch b set ord = o.n
      from (select b1.idx, row_number() over (order by b1.idx)::integer as n
            from pg_temp.api_batch b1 where b1.bulk_row is not null and b1.code is null) o
      where b.idx = o.idx;
    end;
  end loop;

  -- A text without metadata needs no row (reads take a missing one as {}): three foreign-key
  -- checks and a GIN entry a text, a third of a batch's time.
  insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata)
  select b.message_id, p_org, p_key_id, b.m -> 'metadata'
  from pg_temp.api_batch b where b.message_id is not null and b.m -> 'metadata' <> '{}'::jsonb;

  select array_agg(row(b.idx, null, b.problem, b.contact_id, b.user_id, b.external_id, b.phone_hash, b.code, b.message, b.field, b.to_sealed)::internal.api_batch_item
                   order by b.idx)
    into v_items
  from pg_temp.api_batch b;
  v_sent := array(
    select row(b.idx, sm.id, sm.status, sm.status_reason, sm.scheduled_for, sm.created_at, sm.phone_enc, sm.phone_last4)::internal.api_batch_sent
    from pg_temp.api_batch b join public.sms_messages sm on sm.id = b.message_id);
  return internal.api_batch_answer(v_items, v_sent);
end;
$$;

-- POST /messages arriving together: answered from the fast path's answer, and two plain requests
-- are enough for it (restated from 20261205120000 with only those lines changed).
create or replace function public.api_send_messages(
  p_key_hashes text[],
  p_key_prefixes text[],
  p_ips inet[],
  p_messages jsonb[],
  p_idempotency_keys text[],
  p_fingerprints text[]
)
returns table (request integer, answer json)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_n integer := coalesce(cardinality(p_key_hashes), 0);
  v_key record;
  v_plain integer[] := '{}';
  v_body json;
  v_i integer;
begin
  if v_n > 1 then
    -- The key once for all the plain ones (api_key_authenticate: its last use, once a minute).
    select k.key_id, k.organization_id, k.scopes, k.rate_limit_per_second into v_key
    from public.api_key_authenticate(p_key_hashes[1]) k;
    if v_key.key_id is not null and 'messages:write' = any (v_key.scopes) then
      select coalesce(array_agg(u.n order by u.n), '{}') into v_plain
      from unnest(p_key_hashes, p_idempotency_keys, p_messages) with ordinality as u (key_hash, idempotency_key, m, n)
      where u.key_hash = p_key_hashes[1] and u.idempotency_key is null
        and u.m ? 'body' and not (u.m ? 'template')
        and not (u.m -> 'to' ?| array['userId', 'name', 'attributes'])
        and not (u.m -> 'to' ? 'externalId' and u.m -> 'to' ? 'phone_sealed');
    end if;
    -- With no JSON rebuilt and no read-back the set-based path is cheap from two texts on (it
    -- was from four): bench/api-v1, the route's Postgres CPU a text 1.70 → 1.38 ms with two.
    if cardinality(v_plain) < 2 then
      v_plain := '{}';
    end if;
  end if;

  for v_i in 1 .. v_n loop
    if not (v_i = any (v_plain)) then
      request := v_i;
      answer := public.api_send_message(p_key_hashes[v_i], p_key_prefixes[v_i], p_ips[v_i], p_messages[v_i],
                                        p_idempotency_keys[v_i], p_fingerprints[v_i]);
      return next;
    end if;
  end loop;
  if cardinality(v_plain) = 0 then
    return;
  end if;

  v_body := internal.api_send_batch_fast(v_key.organization_id, v_key.key_id,
    (select jsonb_agg(jsonb_build_object('index', p.n, 'message', p_messages[p.n]) order by p.n) from unnest(v_plain) as p (n)));
  if (v_body ->> 'rejected')::integer <> 0 then
    raise exception using errcode = 'AP010',
      message = 'a request sent together with others was refused: each runs again alone';
  end if;
  -- Each answer from the fast path's (what its write wrote), not read back: a join to
  -- sms_messages kept as a generic plan came to scan the whole table once it grew.
  return query
  select o.idx::integer,
         json_build_object('status', 202,
           'body', internal.api_accepted(o.id::uuid, o.status, o.status_reason, o.phone, o.phone_last4, o.send_at::timestamptz,
                                         o.created_at::timestamptz, o.user_id::uuid, o.contact_id::uuid, o.external_id),
           'rateLimitPerSecond', v_key.rate_limit_per_second)
  from rows from (
    json_array_elements_text(v_body -> 'ok' -> 'index'),
    json_array_elements_text(v_body -> 'ok' -> 'id'),
    json_array_elements_text(v_body -> 'ok' -> 'status'),
    json_array_elements_text(v_body -> 'ok' -> 'statusReason'),
    json_array_elements_text(v_body -> 'ok' -> 'sendAt'),
    json_array_elements_text(v_body -> 'ok' -> 'createdAt'),
    json_array_elements_text(v_body -> 'ok' -> 'userId'),
    json_array_elements_text(v_body -> 'ok' -> 'contactId'),
    json_array_elements_text(v_body -> 'ok' -> 'externalId'),
    json_array_elements_text(v_body -> 'ok' -> 'phone'),
    json_array_elements_text(v_body -> 'ok' -> 'phoneLast4')
  ) as o (idx, id, status, status_reason, send_at, created_at, user_id, contact_id, external_id, phone, phone_last4);
end;
$$;
