-- POST /api/v1/messages/batch in parts, and a cheaper answer (issue 15, scale: ≥ 0.8 × the bulk
-- function's rate). public.api_send_batch now reads in small parts: internal.api_begin (key,
-- Idempotency-Key), then internal.api_send_batch_fast (bodies to bare numbers, contact ids or
-- external ids, no temporary table) or internal.api_send_batch_general (templates, users,
-- contact details; one by one where it must), each ending in internal.api_batch_answer.
--
-- The answer (kept for the Idempotency-Key, and what the web server reads) is column by column
-- for the accepted texts — one array per field, "index" placing each — and one object per refused
-- text:
--   { accepted, rejected,
--     ok: { index[], id[], status[], statusReason[], sendAt[], createdAt[], userId[], contactId[], externalId[], phone[], phoneLast4[] },
--     refused: [ { index, problem } | { index, error: { code, message, field } } ] }
-- A thousand nested json_build_object calls (each looking up the type of each argument) were
-- most of the answer's cost in SQL, and a third of the bytes the web server read and parsed; the
-- web server builds the documented BatchResponse from it (src/lib/server/api/v1/messages/batch.ts),
-- as it still does from an answer kept in the former shape ({ accepted, rejected, results }).
--
-- Phone numbers at rest, the sending API (issue 11, with 20261204100000-100300): /api/v1 takes
-- `to.phone` sealed by the web server (`to.phone_sealed`: {enc, hash, last4, calling_code},
-- sealPhoneInput), finds and upserts contacts by phone_hash and copies the sealed columns as they
-- are; its answers, and so the answers kept for an Idempotency-Key, hold the number sealed
-- (`phone` = phone_enc, beside `phoneLast4`), which the web server opens on the way out. A
-- contact the API creates from a bare number has no name (it used to be named with its number).
-- The functions of 20261202060000 and 20261203180000 below are restated with only their phone
-- lines changed; those whose parameter or result types change are dropped first.

-- Without a name given, a contact's name is null (not its number).
alter table public.contacts alter column name drop not null;

-- A batch's text keeps its recipient's blind index (was: the number) and its sealed number
-- as given (JSON), for a contact the batch creates.
alter type internal.api_batch_item rename attribute phone to phone_hash;
alter type internal.api_batch_item add attribute sealed jsonb;

drop function public.api_put_contact(uuid, text, text, text, text, jsonb);
drop function internal.api_upsert_contact(uuid, text, text, text, text, jsonb, text);
drop function internal.api_resolve_recipient(uuid, jsonb);
drop function internal.api_accepted(uuid, text, text, text, timestamptz, timestamptz, uuid, uuid, text);

-- Creates or updates the workspace's contact with this external id (PUT /contacts and `to` with
-- details). No phone: update only, and no row when there is no such contact.
create function internal.api_upsert_contact(
  p_organization_id uuid,
  p_external_id text,
  p_name text,
  p_phone public.sealed_phone,
  p_time_zone text,
  p_attributes jsonb,
  p_field_prefix text default ''
)
returns setof public.contacts
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_constraint text;
begin
  if p_phone is not distinct from null then
    return query
    update public.contacts c set
      name = coalesce(p_name, c.name),
      time_zone = coalesce(p_time_zone, c.time_zone),
      attributes = coalesce(p_attributes, c.attributes),
      updated_at = now()
    where c.organization_id = p_organization_id and c.external_id = p_external_id
    returning c.*;
    return;
  end if;
  if internal.sealed_phone_problem(p_phone) is not null then
    raise exception using errcode = 'SM004', column = p_field_prefix || 'phone',
      message = 'invalid_phone: ' || internal.sealed_phone_problem(p_phone);
  end if;
  begin
    return query
    insert into public.contacts as c (organization_id, external_id, name, phone_enc, phone_hash, phone_last4, calling_code,
                                      time_zone, attributes, consent_source, consented_at)
    values (p_organization_id, p_external_id, coalesce(p_name, p_external_id), (p_phone).enc, (p_phone).hash, (p_phone).last4,
            (p_phone).calling_code, p_time_zone, coalesce(p_attributes, '{}'::jsonb), 'api', now())
    on conflict (organization_id, external_id) do update set
      name = coalesce(p_name, c.name),
      -- The same number sealed again has a new ciphertext: the stored one stays.
      phone_enc = case when c.phone_hash = excluded.phone_hash then c.phone_enc else excluded.phone_enc end,
      phone_hash = excluded.phone_hash,
      phone_last4 = excluded.phone_last4,
      calling_code = excluded.calling_code,
      time_zone = coalesce(p_time_zone, c.time_zone),
      attributes = coalesce(p_attributes, c.attributes),
      updated_at = now()
    returning c.*;
  exception when unique_violation then
    get stacked diagnostics v_constraint = constraint_name;
    if v_constraint = 'contacts_org_phone_key' then
      raise exception using errcode = 'AP005', column = p_field_prefix || 'phone',
        message = 'belongs to another contact of this workspace (with a different externalId)';
    end if;
    raise;
  end;
end;
$$;
revoke all on function internal.api_upsert_contact(uuid, text, text, public.sealed_phone, text, jsonb, text) from public, anon, authenticated;

-- `to` of a validated request → who queue_sms_message texts, inside the workspace only. A user
-- must belong to it (a member, or linked from one of its contacts); a bare number becomes (or
-- is) the workspace's contact with that number, so opt-outs and caps apply to it as to anyone.
-- r_phone_hash: the blind index of the number the text goes to (a user's: null, looked up later).
create function internal.api_resolve_recipient(
  p_organization_id uuid,
  p_to jsonb,
  out r_user_id uuid,
  out r_contact_id uuid,
  out r_external_id text,
  out r_phone_hash text
)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_contact public.contacts;
  v_phone public.sealed_phone := internal.sealed_phone_from_json(p_to -> 'phone_sealed');
begin
  if p_to ? 'userId' then
    r_user_id := (p_to ->> 'userId')::uuid;
    if not (exists (select 1 from public.organization_members m where m.organization_id = p_organization_id and m.user_id = r_user_id)
         or exists (select 1 from public.contacts c where c.organization_id = p_organization_id and c.user_id = r_user_id)) then
      raise exception using errcode = 'AP001', column = 'to.userId', message = 'is not a user of this workspace';
    end if;
    return;
  end if;
  if p_to ? 'contactId' then
    select c.id, c.user_id, c.external_id, c.phone_hash into r_contact_id, r_user_id, r_external_id, r_phone_hash
    from public.contacts c where c.organization_id = p_organization_id and c.id = (p_to ->> 'contactId')::uuid;
    if not found then
      raise exception using errcode = 'AP002', column = 'to.contactId', message = 'is not a contact of this workspace';
    end if;
    return;
  end if;
  if p_to ? 'externalId' then
    r_external_id := p_to ->> 'externalId';
    if p_to ? 'phone_sealed' or p_to ? 'name' or p_to ? 'attributes' then
      select * into v_contact from internal.api_upsert_contact(
        p_organization_id, r_external_id, p_to ->> 'name', v_phone, null, p_to -> 'attributes', 'to.');
      if v_contact.id is null then
        raise exception using errcode = 'AP004', column = 'to.phone', message = 'is required to create a new contact';
      end if;
    else
      select * into v_contact from public.contacts c where c.organization_id = p_organization_id and c.external_id = r_external_id;
      if not found then
        raise exception using errcode = 'AP003', column = 'to.externalId',
          message = 'has no contact in this workspace; include phone (and name) to create it';
      end if;
    end if;
    r_user_id := v_contact.user_id;
    r_contact_id := v_contact.id;
    r_phone_hash := v_contact.phone_hash;
    return;
  end if;
  if internal.sealed_phone_problem(v_phone) is not null then
    raise exception using errcode = 'SM004', column = 'to.phone', message = 'invalid_phone: ' || internal.sealed_phone_problem(v_phone);
  end if;
  r_phone_hash := (v_phone).hash;
  select c.id, c.user_id, c.external_id into r_contact_id, r_user_id, r_external_id
  from public.contacts c where c.organization_id = p_organization_id and c.phone_hash = (v_phone).hash
  order by c.created_at limit 1;
  if not found then
    -- No name (not its number): a contact is named by whoever knows the person.
    insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, consent_source, consented_at)
    values (p_organization_id, null, (v_phone).enc, (v_phone).hash, (v_phone).last4, (v_phone).calling_code, 'api', now())
    on conflict (organization_id, phone_hash) do nothing
    returning id into r_contact_id;
    if r_contact_id is null then
      -- A concurrent request created it; its row is committed now.
      select c.id, c.user_id, c.external_id into r_contact_id, r_user_id, r_external_id
      from public.contacts c where c.organization_id = p_organization_id and c.phone_hash = (v_phone).hash;
    end if;
  end if;
end;
$$;
revoke all on function internal.api_resolve_recipient(uuid, jsonb) from public, anon, authenticated;

-- What POST /messages answers for a queued text (MessageAccepted), from its row's columns; the
-- number sealed (`phone`: phone_enc, `phoneLast4`), opened by the web server on the way out.
create function internal.api_accepted(
  p_id uuid, p_status text, p_status_reason text, p_phone_enc text, p_phone_last4 text, p_scheduled_for timestamptz,
  p_created_at timestamptz, p_user_id uuid, p_contact_id uuid, p_external_id text
)
returns json
language sql
stable
-- No SET clause: it would stop the planner inlining this; every name in it is qualified.
as $$
  select json_build_object(
    'id', p_id, 'status', p_status, 'statusReason', p_status_reason,
    'to', json_build_object('userId', p_user_id, 'contactId', p_contact_id, 'externalId', p_external_id,
                            'phone', p_phone_enc, 'phoneLast4', p_phone_last4),
    'sendAt', internal.api_iso(p_scheduled_for), 'createdAt', internal.api_iso(p_created_at))
$$;
revoke all on function internal.api_accepted(uuid, text, text, text, text, timestamptz, timestamptz, uuid, uuid, text) from public, anon, authenticated;

-- POST /api/v1/messages: p_message is the request as the zod schema output it, `to.phone`
-- sealed (`to.phone_sealed`). Returns { status, body?, refusal?, replayed?, rateLimitPerSecond };
-- a text the database refuses raises (SQLSTATE + COLUMN, nothing written) for the web server to
-- answer 422 naming the field.
create or replace function public.api_send_message(
  p_secret_hash text,
  p_key_prefix text,
  p_ip inet,
  p_message jsonb,
  p_idempotency_key text default null,
  p_fingerprint text default null
)
returns json
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_begin record;
  v_to record;
  v_text record;
  v_id uuid;
  v_body json;
begin
  select * into v_begin from internal.api_begin(p_secret_hash, p_key_prefix, p_ip, p_idempotency_key, p_fingerprint);
  if v_begin.r_answer is not null then
    return v_begin.r_answer;
  end if;
  select * into v_text from internal.api_render(v_begin.r_organization_id, p_message);
  select * into v_to from internal.api_resolve_recipient(v_begin.r_organization_id, p_message -> 'to');
  v_id := public.queue_sms_message(
    p_user_id => case when v_to.r_contact_id is null then v_to.r_user_id end,
    p_phone_sealed => null,
    p_message => v_text.r_body,
    p_priority => coalesce(p_message ->> 'priority', 'normal'),
    p_scheduled_for => (p_message ->> 'sendAt')::timestamptz,
    p_notification_type => p_message ->> 'type',
    p_template_key => p_message ->> 'template',
    p_template_vars => p_message -> 'variables',
    p_organization_id => v_begin.r_organization_id,
    p_contact_id => v_to.r_contact_id);
  -- A text without metadata needs no row (reads take a missing one as {}).
  if p_message -> 'metadata' <> '{}'::jsonb then
    insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata)
    values (v_id, v_begin.r_organization_id, v_begin.r_key_id, p_message -> 'metadata');
  end if;
  select internal.api_accepted(m.id, m.status, m.status_reason, m.phone_enc, m.phone_last4, m.scheduled_for, m.created_at,
                               v_to.r_user_id, v_to.r_contact_id, v_to.r_external_id) into v_body
  from public.sms_messages m where m.id = v_id;
  if p_idempotency_key is not null then
    perform public.api_idempotency_save(v_begin.r_organization_id, v_begin.r_key_id, p_idempotency_key, p_fingerprint, 202, v_body::jsonb);
  end if;
  return json_build_object('status', 202, 'body', v_body,
    'rateLimitPerSecond', v_begin.r_rate_limit);
end;
$$;

-- The answer for a batch's texts: p_items in input order or any, p_ids[k] the id of the text
-- queued for p_items[k] (null when refused). Every array of "ok" is aggregated over the same rows
-- in the same pass, so they line up with one another.
create or replace function internal.api_batch_answer(p_items internal.api_batch_item[], p_ids uuid[])
returns json
language sql
stable
set search_path = ''
as $$
  select json_build_object(
    'accepted', count(sm.id),
    'rejected', count(*) - count(sm.id),
    'ok', json_build_object(
      'index', array_agg(b.idx) filter (where sm.id is not null),
      'id', array_agg(sm.id) filter (where sm.id is not null),
      'status', array_agg(sm.status) filter (where sm.id is not null),
      'statusReason', array_agg(sm.status_reason) filter (where sm.id is not null),
      'sendAt', array_agg(internal.api_iso(sm.scheduled_for)) filter (where sm.id is not null),
      -- Texts queued now were created now: that date written once, not once a text.
      'createdAt', array_agg(case when sm.created_at = now() then n.iso else internal.api_iso(sm.created_at) end) filter (where sm.id is not null),
      'userId', array_agg(b.user_id) filter (where sm.id is not null),
      'contactId', array_agg(b.contact_id) filter (where sm.id is not null),
      'externalId', array_agg(b.external_id) filter (where sm.id is not null),
      -- The number as stored (sealed): the web server opens it on the way out.
      'phone', array_agg(sm.phone_enc) filter (where sm.id is not null),
      'phoneLast4', array_agg(sm.phone_last4) filter (where sm.id is not null)),
    'refused', coalesce(json_agg(case
        when b.problem is not null then json_build_object('index', b.idx, 'problem', b.problem)
        else json_build_object('index', b.idx, 'error', json_build_object('code', b.code, 'message', b.message, 'field', b.field))
      end) filter (where sm.id is null), '[]'::json))
  from unnest(p_items) with ordinality b
  cross join (select internal.api_iso(now()) as iso) n
  left join public.sms_messages sm on sm.id = p_ids[b.ordinality]
$$;

-- Every text is a body to a bare number, a contact id or an external id (or was refused by the
-- schema): one statement checks them all and builds the bulk rows, one call queues them, one
-- statement answers. Returns the batch's answer (the body of the 200).
create or replace function internal.api_send_batch_fast(p_org uuid, p_key_id uuid, p_items jsonb)
returns json
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_state text;
  v_error text;
  v_bad integer;
  v_rows jsonb;
  v_ids uuid[];
  v_items internal.api_batch_item[];
  v_message_ids uuid[];
  v_new_contacts boolean;
  v_has_metadata boolean;
begin
  -- Checked before any contact is created, so a refused text leaves no new contact behind.
  select
    array_agg(row(x.idx, nullif(x.metadata, '{}'::jsonb), x.problem, r.contact_id, r.user_id, r.external_id, r.phone_hash, v.code, v.message, v.field, x.to_sealed)::internal.api_batch_item
              order by x.idx),
    -- Built as json and read as jsonb once (cheaper than jsonb_agg); a key left out is null
    -- (priority: normal) to queue_sms_messages_bulk, and most texts need only three.
    (json_agg(case when x.priority = 'normal' and x.send_at is null and x.type_given is null
        then json_build_object('contact_id', r.contact_id, 'organization_id', p_org, 'message', x.body)
        else json_build_object('contact_id', r.contact_id, 'organization_id', p_org, 'message', x.body,
          'priority', x.priority, 'scheduled_for', x.send_at, 'notification_type', x.type_given) end
      order by x.idx) filter (where x.problem is null and v.code is null and r.contact_id is not null))::jsonb,
    coalesce(bool_or(x.problem is null and v.code is null and r.contact_id is null), false),
    coalesce(bool_or(x.metadata <> '{}'::jsonb), false)
  into v_items, v_rows, v_new_contacts, v_has_metadata
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
           e -> 'message' ->> 'sendAt' as send_at,
           e -> 'message' ->> 'type' as type_given, coalesce(e -> 'message' ->> 'type', 'custom') as type
    from jsonb_array_elements(p_items) e
    offset 0
  ) x
  left join public.contacts cid on cid.organization_id = p_org and cid.id = x.to_contact
  left join public.contacts cex on cex.organization_id = p_org and cex.external_id = x.to_external
  left join public.contacts cph on cph.organization_id = p_org and cph.phone_hash = x.to_hash
    and x.to_contact is null and x.to_external is null
  left join public.sms_notification_types nt on nt.key = x.type
  cross join lateral (
    select coalesce(cid.id, cex.id, cph.id) as contact_id,
           coalesce(cid.user_id, cex.user_id, cph.user_id) as user_id,
           coalesce(cid.external_id, cex.external_id, cph.external_id, x.to_external) as external_id,
           coalesce(cid.phone_hash, cex.phone_hash, x.to_hash) as phone_hash
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
  ) v;
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
    v_rows := null;
  end if;

  -- The good texts in one call, in input order. Should it still refuse one (a rule checked
  -- only there), that text is answered as refused and the rest queued without it.
  loop
    if v_rows is null then
      select jsonb_agg(jsonb_build_object(
          'contact_id', b.contact_id,
          'organization_id', p_org,
          'message', e.m ->> 'body',
          'priority', coalesce(e.m ->> 'priority', 'normal'),
          'scheduled_for', e.m ->> 'sendAt',
          'notification_type', e.m ->> 'type') order by b.idx)
        into v_rows
      from unnest(v_items) b
      join (select (e0 ->> 'index')::integer as idx, e0 -> 'message' as m from jsonb_array_elements(p_items) e0) e on e.idx = b.idx
      where b.problem is null and b.code is null;
      exit when v_rows is null;
    end if;
    begin
      select array_agg(q.id order by q.n) into v_ids
      from public.queue_sms_messages_bulk(v_rows) with ordinality as q (id, n);
      exit;
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_error = message_text;
      v_bad := substring(v_error from '\(row (\d+)\)$')::integer;
      if v_state !~ '^(AP|SM|TP|WS)' or v_bad is null then
        raise;
      end if;
      v_items := array(
        select case when g.ord = v_bad
            then row(g.idx, g.metadata, g.problem, g.contact_id, g.user_id, g.external_id, g.phone_hash,
                     v_state, regexp_replace(v_error, ' \(row \d+\)$', ''), g.field, g.sealed)::internal.api_batch_item
            else row(g.idx, g.metadata, g.problem, g.contact_id, g.user_id, g.external_id, g.phone_hash, g.code, g.message, g.field, g.sealed)::internal.api_batch_item
          end
        from (select b.*,
                     case when b.problem is null and b.code is null
                       then count(*) filter (where b.problem is null and b.code is null) over (order by b.ordinality) end as ord
              from unnest(v_items) with ordinality b) g
        order by g.ordinality);
      v_rows := null;
    end;
  end loop;

  -- Each good text's id is the bulk call's answer at its rank among the good ones.
  v_message_ids := array(
    select case when b.problem is null and b.code is null
             then v_ids[count(*) filter (where b.problem is null and b.code is null) over (order by b.ordinality)] end
    from unnest(v_items) with ordinality b
    order by b.ordinality);
  if v_has_metadata then
    -- A text without metadata needs no row (reads take a missing one as {}).
    insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata)
    select v_message_ids[b.ordinality], p_org, p_key_id, b.metadata
    from unnest(v_items) with ordinality b
    where v_message_ids[b.ordinality] is not null and b.metadata is not null;
  end if;
  return internal.api_batch_answer(v_items, v_message_ids);
end;
$$;

-- Any batch: texts with templates, to users or with contact details to upsert go one by one,
-- each in its own subtransaction, before the others (so a contact one of those creates is there
-- for the rest), which are checked all at once. Returns the batch's answer.
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
  v_message_ids uuid[];
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
                   order by b.idx),
         array_agg(b.message_id order by b.idx)
    into v_items, v_message_ids
  from pg_temp.api_batch b;
  return internal.api_batch_answer(v_items, v_message_ids);
end;
$$;

-- POST /api/v1/messages/batch: p_items holds one entry per input text, in order — either
-- { index, message } (valid for the schema) or { index, problem } (refused by it, answered as
-- given); `to.phone` sealed (`to.phone_sealed`). Each text is checked on its own: recipient, template, and queue_sms_message's rules
-- (internal.sms_queue_problem, the same function); the good ones are queued in ONE
-- queue_sms_messages_bulk call. A text the database refuses is { index, error: { code, message,
-- field } } in the answer (the web server words it as a problem, the same way on a replay).
create or replace function public.api_send_batch(
  p_secret_hash text,
  p_key_prefix text,
  p_ip inet,
  p_items jsonb,
  p_idempotency_key text default null,
  p_fingerprint text default null
)
returns json
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_begin record;
  v_body json;
begin
  select * into v_begin from internal.api_begin(p_secret_hash, p_key_prefix, p_ip, p_idempotency_key, p_fingerprint);
  if v_begin.r_answer is not null then
    return v_begin.r_answer;
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_items) e
    where e ? 'message' and (e -> 'message' ? 'template'
      or e -> 'message' -> 'to' ?| array['userId', 'name', 'attributes']
      or (e -> 'message' -> 'to' ? 'externalId' and e -> 'message' -> 'to' ? 'phone_sealed'))
  ) then
    v_body := internal.api_send_batch_general(v_begin.r_organization_id, v_begin.r_key_id, p_items);
  else
    v_body := internal.api_send_batch_fast(v_begin.r_organization_id, v_begin.r_key_id, p_items);
  end if;
  if p_idempotency_key is not null then
    perform public.api_idempotency_save(v_begin.r_organization_id, v_begin.r_key_id, p_idempotency_key, p_fingerprint, 200, v_body::jsonb);
  end if;
  return json_build_object('status', 200, 'body', v_body, 'rateLimitPerSecond', v_begin.r_rate_limit);
end;
$$;

revoke all on function internal.api_batch_answer(internal.api_batch_item[], uuid[]) from public, anon, authenticated;
revoke all on function internal.api_send_batch_fast(uuid, uuid, jsonb) from public, anon, authenticated;
revoke all on function internal.api_send_batch_general(uuid, uuid, jsonb) from public, anon, authenticated;

-- PUT /api/v1/contacts/{externalId}: the same upsert the send path uses (one rule, one place);
-- the number sealed in, sealed out (phone_enc, phone_last4: the web server opens it).
-- `inserted`: the row was created by this transaction (created_at defaults to now(), the
-- transaction's start), which holds even when a concurrent PUT raced it.
create function public.api_put_contact(
  p_organization_id uuid,
  p_external_id text,
  p_name text,
  p_phone public.sealed_phone,
  p_time_zone text,
  p_attributes jsonb
)
returns table (id uuid, external_id text, name text, phone_enc text, phone_last4 text, time_zone text, attributes jsonb,
               user_id uuid, created_at timestamptz, updated_at timestamptz, inserted boolean)
language sql
volatile
security definer
set search_path = ''
as $$
  select c.id, c.external_id, c.name, c.phone_enc, c.phone_last4, c.time_zone, c.attributes, c.user_id, c.created_at, c.updated_at,
         c.created_at = now()
  from internal.api_upsert_contact(p_organization_id, p_external_id, p_name, p_phone, p_time_zone, p_attributes, '') c
$$;
revoke execute on function public.api_put_contact(uuid, text, text, public.sealed_phone, text, jsonb) from public, anon, authenticated;
grant execute on function public.api_put_contact(uuid, text, text, public.sealed_phone, text, jsonb) to service_role;

-- Answers kept before this migration hold numbers in clear, which nothing here can seal: each
-- keeps its last four digits only ('•••• 1234', as a viewer sees a number), so a replay within
-- its 24 hours still answers, without the number.
create function pg_temp.api_masked(p jsonb)
returns jsonb
language sql
immutable
as $$
  select case when jsonb_typeof(p) = 'string' and p #>> '{}' ~ '^\+[0-9]+$'
    then to_jsonb('•••• ' || right(p #>> '{}', 4)) else p end
$$;
update public.api_idempotency_keys k set response_body = case
    when k.response_body ? 'results' then jsonb_set(k.response_body, '{results}', (
      select coalesce(jsonb_agg(case when r ? 'message' then jsonb_set(r, '{message,to,phone}', pg_temp.api_masked(r #> '{message,to,phone}')) else r end
                                order by n), '[]'::jsonb)
      from jsonb_array_elements(k.response_body -> 'results') with ordinality x (r, n)))
    when jsonb_typeof(k.response_body #> '{ok,phone}') = 'array' then jsonb_set(k.response_body, '{ok,phone}', (
      select jsonb_agg(pg_temp.api_masked(p) order by n) from jsonb_array_elements(k.response_body #> '{ok,phone}') with ordinality x (p, n)))
    when k.response_body #> '{to,phone}' is not null then jsonb_set(k.response_body, '{to,phone}', pg_temp.api_masked(k.response_body #> '{to,phone}'))
    else k.response_body
  end
where k.response_body is not null;
