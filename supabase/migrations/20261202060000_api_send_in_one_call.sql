-- POST /api/v1/messages and /messages/batch in ONE database call each (issue 15, speed): the key
-- (hash, scope), the Idempotency-Key claim, the recipient, the text (through queue_sms_message,
-- or queue_sms_messages_bulk for a batch), its metadata and the kept answer, in one transaction.
-- The web server used to make six to nine round trips per text.
--
-- Named exceptions (SQLSTATE; COLUMN carries the request field at fault, relative to the text):
--   AP001 to.userId      is not a user of this workspace
--   AP002 to.contactId   is not a contact of this workspace
--   AP003 to.externalId  has no contact in this workspace
--   AP004 to.phone       is required to create a new contact
--   AP005 <prefix>phone  belongs to another contact of this workspace
--   AP006 template       no active template with this key in this workspace
-- queue_sms_message's own (SMxxx, TPxxx, WSxxx) pass through; the web server names their fields.

-- Dates as JavaScript's toISOString() writes them (what the rest of /api/v1 answers). Stable, as
-- to_char is, so the planner inlines it.
create function internal.api_iso(p_at timestamptz)
returns text
language sql
stable
parallel safe
-- No SET clause: it would stop the planner inlining this; every name in it is pg_catalog's.
as $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
revoke all on function internal.api_iso(timestamptz) from public, anon, authenticated;

-- The live key with this hash and the scope, else why not. A refusal is counted (the audited
-- failure spike) and the caller returns, so the count commits.
create function internal.api_key_check(p_secret_hash text, p_key_prefix text, p_scope text, p_ip inet)
returns table (key_id uuid, organization_id uuid, rate_limit_per_second integer, refusal text)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_key record;
begin
  select * into v_key from public.api_key_authenticate(p_secret_hash);
  if v_key.key_id is null then
    perform public.api_key_note_failure(p_key_prefix, 'unknown_key', p_ip);
    return query select null::uuid, null::uuid, null::integer, 'unknown_key'::text;
    return;
  end if;
  if not (p_scope = any (v_key.scopes)) then
    perform public.api_key_note_failure(p_key_prefix, 'missing_scope', p_ip);
    return query select v_key.key_id, v_key.organization_id, v_key.rate_limit_per_second, 'missing_scope'::text;
    return;
  end if;
  return query select v_key.key_id, v_key.organization_id, v_key.rate_limit_per_second, null::text;
end;
$$;
revoke all on function internal.api_key_check(text, text, text, inet) from public, anon, authenticated;

-- Creates or updates the workspace's contact with this external id (PUT /contacts and `to` with
-- details). No phone: update only, and no row when there is no such contact.
create function internal.api_upsert_contact(
  p_organization_id uuid,
  p_external_id text,
  p_name text,
  p_phone text,
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
  if p_phone is null then
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
  begin
    return query
    insert into public.contacts as c (organization_id, external_id, name, phone_number, time_zone, attributes, consent_source, consented_at)
    values (p_organization_id, p_external_id, coalesce(p_name, p_external_id), p_phone, p_time_zone,
            coalesce(p_attributes, '{}'::jsonb), 'api', now())
    on conflict (organization_id, external_id) do update set
      name = coalesce(p_name, c.name),
      phone_number = excluded.phone_number,
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
revoke all on function internal.api_upsert_contact(uuid, text, text, text, text, jsonb, text) from public, anon, authenticated;

-- `to` of a validated request → who queue_sms_message texts, inside the workspace only. A user
-- must belong to it (a member, or linked from one of its contacts); a bare number becomes (or
-- is) the workspace's contact with that number, so opt-outs and caps apply to it as to anyone.
create function internal.api_resolve_recipient(
  p_organization_id uuid,
  p_to jsonb,
  out r_user_id uuid,
  out r_contact_id uuid,
  out r_external_id text,
  out r_phone text
)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_contact public.contacts;
  v_phone text := p_to ->> 'phone';
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
    select c.id, c.user_id, c.external_id, c.phone_number into r_contact_id, r_user_id, r_external_id, r_phone
    from public.contacts c where c.organization_id = p_organization_id and c.id = (p_to ->> 'contactId')::uuid;
    if not found then
      raise exception using errcode = 'AP002', column = 'to.contactId', message = 'is not a contact of this workspace';
    end if;
    return;
  end if;
  if p_to ? 'externalId' then
    r_external_id := p_to ->> 'externalId';
    if p_to ? 'phone' or p_to ? 'name' or p_to ? 'attributes' then
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
    r_phone := v_contact.phone_number;
    return;
  end if;
  r_phone := v_phone;
  select c.id, c.user_id, c.external_id into r_contact_id, r_user_id, r_external_id
  from public.contacts c where c.organization_id = p_organization_id and c.phone_number = v_phone
  order by c.created_at limit 1;
  if not found then
    insert into public.contacts (organization_id, name, phone_number, consent_source, consented_at)
    values (p_organization_id, v_phone, v_phone, 'api', now())
    on conflict (organization_id, phone_number) do nothing
    returning id into r_contact_id;
    if r_contact_id is null then
      -- A concurrent request created it; its row is committed now.
      select c.id, c.user_id, c.external_id into r_contact_id, r_user_id, r_external_id
      from public.contacts c where c.organization_id = p_organization_id and c.phone_number = v_phone;
    end if;
  end if;
end;
$$;
revoke all on function internal.api_resolve_recipient(uuid, jsonb) from public, anon, authenticated;

-- The text's body: as given, or the workspace's (else a platform) template rendered with the
-- variables by internal.render_template, as queue_sms_message renders. AP006 for no template.
create function internal.api_render(p_organization_id uuid, p_msg jsonb, out r_body text, out r_type text, out r_template_found boolean)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_template record;
begin
  r_body := p_msg ->> 'body';
  r_type := p_msg ->> 'type';
  r_template_found := false;
  if not (p_msg ? 'template') then
    return;
  end if;
  select t.notification_type, t.message_template, t.template_vars into v_template
  from public.sms_templates t
  where t.template_key = p_msg ->> 'template' and t.is_active
    and (t.organization_id = p_organization_id or t.organization_id is null)
  order by t.organization_id nulls last
  limit 1;
  if not found then
    raise exception using errcode = 'AP006', column = 'template',
      message = format('no active template "%s" in this workspace', p_msg ->> 'template');
  end if;
  r_template_found := true;
  r_type := coalesce(r_type, v_template.notification_type);
  if r_body is null then
    r_body := internal.render_template(v_template.message_template, p_msg -> 'variables',
      array(select jsonb_array_elements_text(v_template.template_vars)));
  end if;
end;
$$;
revoke all on function internal.api_render(uuid, jsonb) from public, anon, authenticated;

-- What POST /messages answers for a queued text (MessageAccepted), from its row's columns (an
-- expression the planner inlines: a batch builds a thousand of them).
create function internal.api_accepted(
  p_id uuid, p_status text, p_status_reason text, p_phone text, p_scheduled_for timestamptz, p_created_at timestamptz,
  p_user_id uuid, p_contact_id uuid, p_external_id text
)
returns json
language sql
stable
-- No SET clause: it would stop the planner inlining this; every name in it is qualified.
as $$
  select json_build_object(
    'id', p_id, 'status', p_status, 'statusReason', p_status_reason,
    'to', json_build_object('userId', p_user_id, 'contactId', p_contact_id, 'externalId', p_external_id, 'phone', p_phone),
    'sendAt', internal.api_iso(p_scheduled_for), 'createdAt', internal.api_iso(p_created_at))
$$;
revoke all on function internal.api_accepted(uuid, text, text, text, timestamptz, timestamptz, uuid, uuid, text) from public, anon, authenticated;

-- The key check and the Idempotency-Key claim both /messages operations start with. Returns the
-- answer to give at once (a refusal, a conflict, a replay), or null to go on.
create function internal.api_begin(
  p_secret_hash text, p_key_prefix text, p_ip inet, p_idempotency_key text, p_fingerprint text,
  out r_key_id uuid, out r_organization_id uuid, out r_rate_limit integer, out r_answer json
)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_key record;
  v_prior record;
begin
  select * into v_key from internal.api_key_check(p_secret_hash, p_key_prefix, 'messages:write', p_ip);
  if v_key.refusal is not null then
    r_answer := json_build_object('status', case v_key.refusal when 'unknown_key' then 401 else 403 end,
      'refusal', v_key.refusal, 'rateLimitPerSecond', v_key.rate_limit_per_second);
    return;
  end if;
  r_key_id := v_key.key_id;
  r_organization_id := v_key.organization_id;
  -- Carried to the web server, which keeps the per-key rate limit (in memory, before the database).
  r_rate_limit := v_key.rate_limit_per_second;
  if p_idempotency_key is not null then
    -- Serialises twins until this transaction ends; a twin then finds the committed answer.
    select * into v_prior from public.api_idempotency_claim(v_key.organization_id, p_idempotency_key);
    if found then
      r_answer := case when v_prior.fingerprint is distinct from p_fingerprint
        then json_build_object('status', 409, 'refusal', 'idempotency_key_reused', 'rateLimitPerSecond', v_key.rate_limit_per_second)
        else json_build_object('status', v_prior.response_status, 'body', v_prior.response_body, 'replayed', true,
                               'rateLimitPerSecond', v_key.rate_limit_per_second)
      end;
      return;
    end if;
  end if;
  r_answer := null;
end;
$$;
revoke all on function internal.api_begin(text, text, inet, text, text) from public, anon, authenticated;

-- POST /api/v1/messages: p_message is the request as the zod schema output it. Returns
-- { status, body?, refusal?, replayed?, rateLimitPerSecond }; a text the database refuses raises
-- (SQLSTATE + COLUMN, nothing written) for the web server to answer 422 naming the field.
create function public.api_send_message(
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
    p_phone_number => null,
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
  select internal.api_accepted(m.id, m.status, m.status_reason, m.phone_number, m.scheduled_for, m.created_at,
                               v_to.r_user_id, v_to.r_contact_id, v_to.r_external_id) into v_body
  from public.sms_messages m where m.id = v_id;
  if p_idempotency_key is not null then
    perform public.api_idempotency_save(v_begin.r_organization_id, v_begin.r_key_id, p_idempotency_key, p_fingerprint, 202, v_body::jsonb);
  end if;
  return json_build_object('status', 202, 'body', v_body,
    'rateLimitPerSecond', v_begin.r_rate_limit);
end;
$$;

-- POST /api/v1/messages/batch: p_items holds one entry per input text, in order — either
-- { index, message } (valid for the schema) or { index, problem } (refused by it, answered as
-- given). Each text is checked on its own: recipient, template, and queue_sms_message's rules
-- (internal.sms_queue_problem, the same function); the good ones are queued in ONE
-- queue_sms_messages_bulk call. A text the database refuses is
-- { index, ok: false, error: { code, message, field } } in the answer (the web server words it
-- as a problem, the same way on a replay).
-- Texts to a bare number, a contact id or an external id with a body are checked set-based (one
-- statement for all of them); those with a template, to a user, or with contact details to
-- upsert go one by one, each in its own subtransaction, before them (so a contact one of those
-- creates is there for the others).
create function public.api_send_batch(
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
  v_org uuid;
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
  v_body json;
begin
  select * into v_begin from internal.api_begin(p_secret_hash, p_key_prefix, p_ip, p_idempotency_key, p_fingerprint);
  if v_begin.r_answer is not null then
    return v_begin.r_answer;
  end if;
  v_org := v_begin.r_organization_id;

  create temporary table if not exists pg_temp.api_batch (
    idx integer primary key,
    m jsonb,
    simple boolean not null,
    -- The recipient's keys, as columns so the lookups below are plain (hash) joins.
    to_contact uuid,
    to_external text,
    to_phone text,
    problem jsonb,
    code text,
    message text,
    field text,
    bulk_row jsonb,
    user_id uuid,
    contact_id uuid,
    external_id text,
    phone text,
    ord integer,
    message_id uuid
  ) on commit drop;
  truncate pg_temp.api_batch;
  insert into pg_temp.api_batch (idx, m, problem, to_contact, to_external, to_phone, simple)
  select (e ->> 'index')::integer, e -> 'message', e -> 'problem',
         (e -> 'message' -> 'to' ->> 'contactId')::uuid, e -> 'message' -> 'to' ->> 'externalId', e -> 'message' -> 'to' ->> 'phone',
         e ? 'message' and not (e -> 'message' ? 'template')
         and not (e -> 'message' -> 'to' ?| array['userId', 'name', 'attributes'])
         and not (e -> 'message' -> 'to' ? 'externalId' and e -> 'message' -> 'to' ? 'phone')
  from jsonb_array_elements(p_items) e;
  -- Fresh statistics, or the planner takes the thousand rows for one and scans contacts for each.
  analyze pg_temp.api_batch;

  -- One by one: templates, users, contact upserts.
  for v_idx, v_msg in select b.idx, b.m from pg_temp.api_batch b where b.problem is null and not b.simple order by b.idx loop
    begin
      select * into v_text from internal.api_render(v_org, v_msg);
      select * into v_to from internal.api_resolve_recipient(v_org, v_msg -> 'to');
      v_user_found := true;
      v_verified := v_to.r_phone;
      if v_to.r_contact_id is null then
        select u.id is not null, p.phone_number into v_user_found, v_verified
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
          'organization_id', v_org,
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
    contact_id = s.contact_id, user_id = s.user_id, external_id = s.external_id, phone = s.phone,
    code = s.code, message = s.message, field = s.field
  from (
    select b0.idx, r.contact_id, r.user_id, r.external_id, r.phone,
      case when b0.m -> 'to' ? 'contactId' and r.contact_id is null then 'AP002'
           when b0.m -> 'to' ? 'externalId' and r.contact_id is null then 'AP003'
           else pr.code end as code,
      case when b0.m -> 'to' ? 'contactId' and r.contact_id is null then 'is not a contact of this workspace'
           when b0.m -> 'to' ? 'externalId' and r.contact_id is null then 'has no contact in this workspace; include phone (and name) to create it'
           else pr.message end as message,
      case when b0.m -> 'to' ? 'contactId' and r.contact_id is null then 'to.contactId'
           when b0.m -> 'to' ? 'externalId' and r.contact_id is null then 'to.externalId' end as field
    from pg_temp.api_batch b0
    left join public.contacts cid on cid.organization_id = v_org and cid.id = b0.to_contact
    left join public.contacts cex on cex.organization_id = v_org and cex.external_id = b0.to_external
    left join public.contacts cph on cph.organization_id = v_org and cph.phone_number = b0.to_phone
      and b0.to_contact is null and b0.to_external is null
    cross join lateral (
      select coalesce(cid.id, cex.id, cph.id) as contact_id,
             coalesce(cid.user_id, cex.user_id, cph.user_id) as user_id,
             coalesce(cid.external_id, cex.external_id, cph.external_id, b0.to_external) as external_id,
             coalesce(cid.phone_number, cex.phone_number, b0.to_phone) as phone
    ) r
    cross join lateral internal.sms_queue_problem(
      b0.m ->> 'body', coalesce(b0.m ->> 'priority', 'normal'), null, true, null, false,
      coalesce(b0.m ->> 'type', 'custom'),
      exists (select 1 from public.sms_notification_types t where t.key = coalesce(b0.m ->> 'type', 'custom')),
      null, r.phone) pr
    where b0.simple and b0.problem is null
  ) s
  where b.idx = s.idx;
  -- A bare number is the workspace's contact with that number, created when new.
  insert into public.contacts (organization_id, name, phone_number, consent_source, consented_at)
  select distinct v_org, b.phone, b.phone, 'api', now()
  from pg_temp.api_batch b
  where b.simple and b.problem is null and b.code is null and b.contact_id is null
  on conflict (organization_id, phone_number) do nothing;
  if found or exists (select 1 from pg_temp.api_batch b
                      where b.simple and b.problem is null and b.code is null and b.contact_id is null) then
    update pg_temp.api_batch b set contact_id = c.id, user_id = c.user_id, external_id = c.external_id
    from public.contacts c
    where b.simple and b.problem is null and b.code is null and b.contact_id is null
      and c.organization_id = v_org and c.phone_number = b.to_phone;
  end if;
  -- Then every good text's row for the bulk call, numbered in input order.
  update pg_temp.api_batch b set
    ord = g.n,
    bulk_row = coalesce(b.bulk_row, jsonb_build_object(
      'contact_id', b.contact_id,
      'organization_id', v_org,
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
  select b.message_id, v_org, v_begin.r_key_id, b.m -> 'metadata'
  from pg_temp.api_batch b where b.message_id is not null and b.m -> 'metadata' <> '{}'::jsonb;

  select json_build_object(
    'accepted', count(b.message_id),
    'rejected', count(*) - count(b.message_id),
    'results', coalesce(json_agg(case
      when b.message_id is not null then
        json_build_object('index', b.idx, 'ok', true, 'message', internal.api_accepted(sm.id, sm.status, sm.status_reason, sm.phone_number, sm.scheduled_for, sm.created_at,
                                                                       b.user_id, b.contact_id, b.external_id))
      when b.problem is not null then json_build_object('index', b.idx, 'ok', false, 'problem', b.problem)
      else json_build_object('index', b.idx, 'ok', false, 'error', json_build_object('code', b.code, 'message', b.message, 'field', b.field))
    end order by b.idx), '[]'::json))
  into v_body
  from pg_temp.api_batch b
  left join public.sms_messages sm on sm.id = b.message_id;
  if p_idempotency_key is not null then
    perform public.api_idempotency_save(v_org, v_begin.r_key_id, p_idempotency_key, p_fingerprint, 200, v_body::jsonb);
  end if;
  return json_build_object('status', 200, 'body', v_body, 'rateLimitPerSecond', v_begin.r_rate_limit);
end;
$$;

revoke execute on function public.api_send_message(text, text, inet, jsonb, text, text) from public, anon, authenticated;
grant execute on function public.api_send_message(text, text, inet, jsonb, text, text) to service_role;
revoke execute on function public.api_send_batch(text, text, inet, jsonb, text, text) from public, anon, authenticated;
grant execute on function public.api_send_batch(text, text, inet, jsonb, text, text) to service_role;

-- PUT /api/v1/contacts/{externalId}: the same upsert the send path uses (one rule, one place).
-- `inserted`: the row was created by this transaction (created_at defaults to now(), the
-- transaction's start), which holds even when a concurrent PUT raced it.
create function public.api_put_contact(
  p_organization_id uuid,
  p_external_id text,
  p_name text,
  p_phone text,
  p_time_zone text,
  p_attributes jsonb
)
returns table (id uuid, external_id text, name text, phone_number text, time_zone text, attributes jsonb,
               user_id uuid, created_at timestamptz, updated_at timestamptz, inserted boolean)
language sql
volatile
security definer
set search_path = ''
as $$
  select c.id, c.external_id, c.name, c.phone_number, c.time_zone, c.attributes, c.user_id, c.created_at, c.updated_at,
         c.created_at = now()
  from internal.api_upsert_contact(p_organization_id, p_external_id, p_name, p_phone, p_time_zone, p_attributes, '') c
$$;
revoke execute on function public.api_put_contact(uuid, text, text, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.api_put_contact(uuid, text, text, text, text, jsonb) to service_role;
