-- Numbers, contacts, forgetting and webhook events on sealed phone numbers (issue 11, send path).
-- Each function is restated from its latest definition with only its phone lines changed:
-- numbers reach SQL as public.sealed_phone (or the four contact columns), every comparison is
-- by phone_hash, audit rows and webhook payloads hold only sealed values (the dispatcher opens
-- phone_enc in Node just before signing). Errors never echo a value.

drop function public.set_verified_phone(uuid, text);
drop function public.set_unverified_phone(uuid, text);
drop function public.record_phone_opt_out(text, boolean, text, text);
drop function public.record_inbound_sms(text, text, text, jsonb);

-- [20261122001700]
create function public.set_verified_phone(p_user_id uuid, p_phone public.sealed_phone)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_problem text := internal.sealed_phone_problem(p_phone);
begin
  if v_problem is not null then
    raise exception using errcode = 'SM004', message = 'invalid_phone: ' || v_problem;
  end if;
  if p_user_id is null or not exists (select 1 from auth.users where id = p_user_id) then
    raise exception using errcode = 'SM006', message = format('unknown_user: no user %s', coalesce(p_user_id::text, 'null'));
  end if;
  if exists (
    select 1 from public.user_sms_preferences
    where phone_hash = (p_phone).hash and phone_verified and user_id <> p_user_id
  ) then
    raise exception using errcode = 'SM010',
      message = 'phone_taken: this phone number is verified by another account';
  end if;

  begin
    insert into public.user_sms_preferences (user_id, phone_enc, phone_hash, phone_last4, calling_code, phone_verified)
    values (p_user_id, (p_phone).enc, (p_phone).hash, (p_phone).last4, (p_phone).calling_code, true)
    on conflict (user_id) do update
      set phone_enc = excluded.phone_enc,
          phone_hash = excluded.phone_hash,
          phone_last4 = excluded.phone_last4,
          calling_code = excluded.calling_code,
          phone_verified = true,
          -- Re-verifying refreshes the time even when the flag was already set.
          phone_verified_at = now();
  exception when unique_violation then
    -- Another account verified the same number concurrently.
    raise exception using errcode = 'SM010',
      message = 'phone_taken: this phone number is verified by another account';
  end;
end;
$$;

-- [20261122001700] Null removes the phone. A different number (by hash) clears the verification.
create function public.set_unverified_phone(p_user_id uuid, p_phone public.sealed_phone)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_problem text := case when p_phone is distinct from null then internal.sealed_phone_problem(p_phone) end;
begin
  if v_problem is not null then
    raise exception using errcode = 'SM004', message = 'invalid_phone: ' || v_problem;
  end if;
  if p_user_id is null or not exists (select 1 from auth.users where id = p_user_id) then
    raise exception using errcode = 'SM006', message = format('unknown_user: no user %s', coalesce(p_user_id::text, 'null'));
  end if;

  insert into public.user_sms_preferences (user_id, phone_enc, phone_hash, phone_last4, calling_code, phone_verified)
  values (p_user_id, (p_phone).enc, (p_phone).hash, (p_phone).last4, (p_phone).calling_code, false)
  on conflict (user_id) do update
    set phone_enc = excluded.phone_enc,
        phone_hash = excluded.phone_hash,
        phone_last4 = excluded.phone_last4,
        calling_code = excluded.calling_code,
        phone_verified = public.user_sms_preferences.phone_verified
          and public.user_sms_preferences.phone_hash is not distinct from excluded.phone_hash;
end;
$$;

-- [20261122001700]
create or replace function public.clear_phone(p_user_id uuid)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.user_sms_preferences
  set phone_enc = null, phone_hash = null, phone_last4 = null, calling_code = null, phone_verified = false
  where user_id = p_user_id
$$;

-- [20261203140000] The opt-out belongs to the number (its hash). Returns {phone_last4, opted_out, user_ids}.
create function public.record_phone_opt_out(
  p_phone public.sealed_phone,
  p_opted_out boolean,
  p_source text,
  p_keyword text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_ids uuid[];
  v_problem text := internal.sealed_phone_problem(p_phone);
begin
  if v_problem is not null then
    raise exception using errcode = 'SM004', message = 'invalid_phone: ' || v_problem;
  end if;
  if p_opted_out is null or p_source is null
     or p_source not in ('keyword', 'api', 'admin', 'twilio_21610', 'provider_opt_out') then
    raise exception using errcode = 'SM013',
      message = 'invalid_argument: opted_out is required and source must be keyword, api, admin, twilio_21610 or provider_opt_out';
  end if;

  insert into public.sms_phone_opt_outs as o (phone_enc, phone_hash, phone_last4, opted_out, opted_out_at, opted_in_at, source, last_keyword)
  values ((p_phone).enc, (p_phone).hash, (p_phone).last4, p_opted_out,
          case when p_opted_out then now() end,
          case when not p_opted_out then now() end,
          p_source, p_keyword)
  on conflict (phone_hash) do update
    set opted_out = excluded.opted_out,
        opted_out_at = case when excluded.opted_out then now() else o.opted_out_at end,
        opted_in_at = case when excluded.opted_out then o.opted_in_at else now() end,
        source = excluded.source,
        last_keyword = coalesce(excluded.last_keyword, o.last_keyword);

  with changed as (
    update public.user_sms_preferences
    set opted_out = p_opted_out
    where phone_hash = (p_phone).hash
    returning user_id
  )
  select coalesce(array_agg(user_id), '{}') into v_user_ids from changed;

  perform pg_notify('sms_opt_out', json_build_object(
    'phone_last4', (p_phone).last4, 'opted_out', p_opted_out, 'user_ids', v_user_ids)::text);

  return jsonb_build_object('phone_last4', (p_phone).last4, 'opted_out', p_opted_out, 'user_ids', to_jsonb(v_user_ids));
end;
$$;

-- [20261201030900]
create function public.record_inbound_sms(
  p_sid text,
  p_from public.sealed_phone,
  p_body text,
  p_payload jsonb default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_user_id uuid;
  v_org uuid;
  v_contact_id uuid;
  v_problem text := internal.sealed_phone_problem(p_from);
begin
  if p_sid is null or btrim(p_sid) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a message SID is required';
  end if;
  if v_problem is not null then
    raise exception using errcode = 'SM004', message = 'invalid_phone: ' || v_problem;
  end if;

  select user_id into v_user_id from public.user_sms_preferences
  where phone_hash = (p_from).hash and phone_verified;

  -- The reply belongs to the conversation: the workspace that last texted this number, else
  -- the only workspace holding it as a contact, else the only workspace.
  select m.organization_id into v_org from public.sms_messages m
  where m.phone_hash = (p_from).hash and m.direction = 'outbound'
  order by m.created_at desc limit 1;
  if v_org is null then
    select case when count(*) = 1 then min(c.organization_id::text)::uuid end into v_org
    from public.contacts c where c.phone_hash = (p_from).hash;
  end if;
  v_org := coalesce(v_org, internal.single_organization());
  select c.id into v_contact_id from public.contacts c
  where c.organization_id = v_org and c.phone_hash = (p_from).hash;

  insert into public.sms_messages (user_id, contact_id, organization_id, direction, phone_enc, phone_hash, phone_last4, calling_code,
                                   message_content, status, provider_status, twilio_sid, template_vars)
  values (v_user_id, v_contact_id, v_org, 'inbound', (p_from).enc, (p_from).hash, (p_from).last4, (p_from).calling_code,
          coalesce(p_body, ''), 'received', 'received', p_sid, null)
  on conflict (twilio_sid) do nothing
  returning id into v_id;

  if v_id is null then
    select id into v_id from public.sms_messages where twilio_sid = p_sid;
    return v_id;
  end if;

  insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, payload, source, applied)
  values (v_id, p_sid, 'received', 'received', p_payload, 'webhook', true);

  perform pg_notify('sms_status', json_build_object(
    'message_id', v_id, 'user_id', v_user_id, 'status', 'received')::text);
  return v_id;
end;
$$;

revoke execute on function public.set_verified_phone(uuid, public.sealed_phone) from public, anon, authenticated;
revoke execute on function public.set_unverified_phone(uuid, public.sealed_phone) from public, anon, authenticated;
revoke execute on function public.clear_phone(uuid) from public, anon, authenticated;
revoke execute on function public.record_phone_opt_out(public.sealed_phone, boolean, text, text) from public, anon, authenticated;
revoke execute on function public.record_inbound_sms(text, public.sealed_phone, text, jsonb) from public, anon, authenticated;
grant execute on function public.set_verified_phone(uuid, public.sealed_phone) to service_role;
grant execute on function public.set_unverified_phone(uuid, public.sealed_phone) to service_role;
grant execute on function public.clear_phone(uuid) to service_role;
grant execute on function public.record_phone_opt_out(public.sealed_phone, boolean, text, text) to service_role;
grant execute on function public.record_inbound_sms(text, public.sealed_phone, text, jsonb) to service_role;

-- Contacts. A contact's number is given as the four columns phone_enc, phone_hash, phone_last4,
-- calling_code (JSON keys of upsert_contact / update_contact; enc, hash and last4 together).

-- [20261201030700]
create or replace function internal.check_contact_keys(p_contact jsonb)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_key text;
begin
  if p_contact is null or jsonb_typeof(p_contact) <> 'object' then
    raise exception using errcode = 'WS020', message = 'invalid_contact: a contact must be a JSON object';
  end if;
  for v_key in select jsonb_object_keys(p_contact) loop
    if not (v_key = any (array['name', 'phone_enc', 'phone_hash', 'phone_last4', 'calling_code', 'time_zone', 'external_id', 'attributes',
                               'consent_source', 'consented_at', 'tags'])) then
      raise exception using errcode = 'WS020', message = format('invalid_contact: %s is not a contact field', v_key);
    end if;
  end loop;
  if (p_contact ?| array['phone_enc', 'phone_hash', 'phone_last4', 'calling_code'])
     and not (p_contact ?& array['phone_enc', 'phone_hash', 'phone_last4']) then
    raise exception using errcode = 'WS020', message = 'invalid_contact: a phone number is given as phone_enc, phone_hash and phone_last4 together';
  end if;
end;
$$;

-- [20261201030700]
create or replace function internal.write_contact(p_organization_id uuid, p_id uuid, p_row public.contacts)
returns public.contacts
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_row public.contacts;
  v_problem text := internal.sealed_phone_problem(row(p_row.phone_enc, p_row.phone_hash, p_row.phone_last4, p_row.calling_code)::public.sealed_phone);
begin
  if v_problem is not null then
    raise exception using errcode = 'WS020', message = 'invalid_contact: the phone number is ' || v_problem;
  end if;
  if p_id is null then
    insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, time_zone, external_id, attributes,
                                 consent_source, consented_at, tags)
    values (p_organization_id, p_row.name, p_row.phone_enc, p_row.phone_hash, p_row.phone_last4, p_row.calling_code, p_row.time_zone, p_row.external_id,
            coalesce(p_row.attributes, '{}'), p_row.consent_source, p_row.consented_at, coalesce(p_row.tags, '{}'))
    returning * into v_row;
  else
    update public.contacts set
      name = p_row.name, phone_enc = p_row.phone_enc, phone_hash = p_row.phone_hash, phone_last4 = p_row.phone_last4,
      calling_code = p_row.calling_code, time_zone = p_row.time_zone,
      external_id = p_row.external_id, attributes = coalesce(p_row.attributes, '{}'),
      consent_source = p_row.consent_source, consented_at = p_row.consented_at, tags = coalesce(p_row.tags, '{}')
    where id = p_id
    returning * into v_row;
  end if;
  return v_row;
exception
  when unique_violation then
    raise exception using errcode = 'WS020', message = case
      when sqlerrm like '%contacts_org_phone_key%' then 'invalid_contact: another contact in this workspace has this phone number'
      else 'invalid_contact: another contact in this workspace has this external id' end;
  when check_violation or not_null_violation then
    raise exception using errcode = 'WS020', message = format('invalid_contact: %s', case
      when sqlerrm like '%phone%' or sqlerrm like '%calling_code%' then 'the phone number is not a sealed value'
      when sqlerrm like '%time zone%' or sqlerrm like '%time_zone%' then 'unknown time zone'
      when sqlerrm like '%name%' then 'a name of 1 to 200 characters is required'
      else sqlerrm end);
end;
$$;

-- [20261201030700] p_query matches the name or the last four digits; a full number is found by
-- its hash (p_phone_hash: Node normalises the query with the workspace's country and hashes it).
drop function public.search_contacts(uuid, text, text, text, uuid, integer);
create function public.search_contacts(
  p_organization_id uuid,
  p_query text default null,
  p_tag text default null,
  p_after_name text default null,
  p_after_id uuid default null,
  p_limit integer default 50,
  p_phone_hash text default null
)
returns setof public.contacts
language sql
stable
set search_path = ''
as $$
  with q as (
    select nullif(btrim(coalesce(p_query, '')), '') as text,
           nullif(regexp_replace(coalesce(p_query, ''), '[^0-9]', '', 'g'), '') as digits
  )
  select c.* from public.contacts c, q
  where c.organization_id = p_organization_id
    and (p_tag is null or c.tags @> array[p_tag])
    and (q.text is null
         or strpos(lower(c.name), lower(q.text)) > 0
         or (char_length(q.digits) = 4 and c.phone_last4 = q.digits)
         or (p_phone_hash is not null and c.phone_hash = p_phone_hash))
    and (p_after_id is null or (lower(c.name), c.id) > (lower(p_after_name), p_after_id))
  order by lower(c.name), c.id
  limit least(greatest(coalesce(p_limit, 50), 1), 500)
$$;
revoke execute on function public.search_contacts(uuid, text, text, text, uuid, integer, text) from public, anon;
grant execute on function public.search_contacts(uuid, text, text, text, uuid, integer, text) to authenticated, service_role;

-- [20261201030300]
create or replace function internal.contacts_before_write()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.time_zone is not null
     and (tg_op = 'INSERT' or new.time_zone is distinct from old.time_zone)
     and not public.is_valid_time_zone(new.time_zone) then
    raise exception using
      errcode = 'check_violation',
      message = format('invalid time zone: %s', new.time_zone),
      constraint = 'contacts_time_zone_check',
      table = 'contacts',
      schema = 'public';
  end if;
  new.name := btrim(new.name);
  if tg_op = 'INSERT' or new.phone_hash is distinct from old.phone_hash then
    new.user_id := (select p.user_id from public.user_sms_preferences p
                    where p.phone_hash = new.phone_hash and p.phone_verified);
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
  end if;
  return new;
end;
$$;

-- [20261201030300]
create or replace function internal.link_contacts_to_verified_phone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.phone_verified and old.phone_hash is not null then
    update public.contacts set user_id = null
    where phone_hash = old.phone_hash and user_id = old.user_id;
  end if;
  if new.phone_verified and new.phone_hash is not null then
    update public.contacts set user_id = new.user_id
    where phone_hash = new.phone_hash and user_id is distinct from new.user_id;
  end if;
  return null;
end;
$$;

-- [20261202070200] Forgotten texts keep only calling_code (enc, hash and last4 null).
create or replace function public.forget_contact(p_contact_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_contact public.contacts;
  v_service boolean := coalesce((select auth.role()), '') = 'service_role';
  v_ids uuid[];
  v_texts integer;
  v_canceled integer := 0;
  v_events integer;
  v_id uuid;
begin
  select * into v_contact from public.contacts where id = p_contact_id for update;
  if not found or not (v_service or public.has_org_role(v_contact.organization_id, 'viewer')) then
    raise exception using errcode = 'WS018', message = 'unknown_contact: no such contact';
  end if;
  if not v_service then
    perform internal.require_org_role(v_contact.organization_id, 'admin');
  end if;

  -- Inbound texts from the number count as the contact's too.
  select coalesce(array_agg(m.id), '{}') into v_ids from public.sms_messages m
   where m.contact_id = p_contact_id
      or (m.direction = 'inbound' and m.organization_id = v_contact.organization_id
          and m.phone_hash = v_contact.phone_hash);

  if exists (select 1 from public.sms_messages m where m.id = any (v_ids) and m.status = 'dispatching') then
    raise exception using errcode = 'WS023',
      message = 'contact_busy: a text to this contact is being handed to the provider right now; try again in a minute';
  end if;

  for v_id in select m.id from public.sms_messages m where m.id = any (v_ids) and m.status in ('pending', 'scheduled') loop
    if public.cancel_sms_message(v_id, 'canceled: the contact was forgotten') then
      v_canceled := v_canceled + 1;
    end if;
  end loop;

  update public.sms_messages m
     set phone_enc = null,
         phone_hash = null,
         phone_last4 = null,
         recipient_redacted_at = now(),
         message_content = '[Text removed: the contact was forgotten]',
         template_vars = null,
         body_redacted_at = coalesce(m.body_redacted_at, now()),
         contact_id = null
   where m.id = any (v_ids);
  get diagnostics v_texts = row_count;

  update public.sms_delivery_events e
     set payload = internal.forget_payload(e.payload)
   where e.message_id = any (v_ids) and e.payload is not null;
  get diagnostics v_events = row_count;

  update public.webhook_deliveries d
     set payload = jsonb_set(d.payload, '{data}', internal.forget_payload(d.payload -> 'data'))
   where d.organization_id = v_contact.organization_id
     and jsonb_typeof(d.payload -> 'data') = 'object'
     and (d.payload -> 'data' ->> 'contactId' = p_contact_id::text
          or d.payload -> 'data' ->> 'id' = any (select x::text from unnest(v_ids) x));

  -- Rows of uploaded campaign lists that hold the number (name, variables): the person is off
  -- every list of this workspace. The campaigns' own texts and counters are not touched.
  delete from public.sms_campaign_recipients r
   using public.sms_campaign_imports i
   where i.id = r.import_id and i.organization_id = v_contact.organization_id
     and r.phone_hash = v_contact.phone_hash;

  delete from public.contacts where id = p_contact_id;

  perform set_config('internal.forgetting_contact', p_contact_id::text, true);
  update public.audit_log a
     set before = internal.forget_audit_fields(a.before), after = internal.forget_audit_fields(a.after)
   where a.target_type = 'contact' and a.target_id = p_contact_id::text;
  perform set_config('internal.forgetting_contact', '', true);

  perform internal.write_audit(v_contact.organization_id, (select auth.uid()), 'contact.forgotten', 'contact',
    p_contact_id::text, null,
    jsonb_build_object('texts_redacted', v_texts, 'texts_canceled', v_canceled, 'events_redacted', v_events,
                       'by', case when v_service then 'api' else 'member' end),
    null);

  return jsonb_build_object('texts', v_texts, 'canceled', v_canceled, 'events', v_events);
end;
$$;

-- [20261202070000]
create or replace function internal.forget_audit_fields(p_row jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_row is null or jsonb_typeof(p_row) <> 'object' then p_row
    else p_row || coalesce((
      select jsonb_object_agg(k, to_jsonb('[forgotten]'::text))
        from jsonb_object_keys(p_row) k
       where k = any (array['name', 'phone_enc', 'phone_hash', 'phone_last4', 'external_id', 'attributes', 'tags'])), '{}'::jsonb) end
$$;

-- [20261202070000]
create or replace function internal.forget_payload(p_payload jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_payload is null or jsonb_typeof(p_payload) <> 'object' then p_payload
    else (select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(p_payload)
           where lower(key) <> all (array['to', 'from', 'body', 'msisdn', 'destination', 'recipient', 'sender',
                                          'phone', 'phone_number', 'number', 'mobile',
                                          'phone_enc', 'phoneenc', 'phone_hash', 'phone_last4', 'phonelast4']))
         || '{"recipient_forgotten": true}'::jsonb end
$$;

-- [20261201090300] The payload holds the sealed number (phoneEnc) and its last four; the
-- dispatcher opens phoneEnc into `phone` just before signing.
create or replace function internal.sms_messages_webhook_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type text := case new.status
    when 'sent' then 'message.sent'
    when 'delivered' then 'message.delivered'
    when 'failed' then 'message.failed'
    when 'undelivered' then 'message.failed'
    when 'suppressed' then 'message.suppressed'
  end;
begin
  if v_type is null or new.organization_id is null or new.direction <> 'outbound' then
    return null;
  end if;
  if not exists (select 1 from public.webhook_endpoints e where e.organization_id = new.organization_id and e.enabled) then
    return null;
  end if;
  perform internal.enqueue_webhook_event(new.organization_id, v_type, 'evt_' || new.id::text || '_' || new.status,
    jsonb_build_object('id', new.id, 'status', new.status, 'statusReason', new.status_reason,
      'userId', new.user_id, 'contactId', new.contact_id, 'phoneEnc', new.phone_enc, 'phoneLast4', new.phone_last4,
      'type', new.notification_type, 'errorCode', new.error_code, 'errorMessage', new.error_message,
      'metadata', coalesce((select md.metadata from public.api_message_metadata md where md.message_id = new.id), '{}'::jsonb)));
  return null;
end;
$$;

-- [20261201091000]
create or replace function internal.sms_phone_opt_outs_webhook_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type text := case when new.opted_out then 'contact.opted_out' else 'contact.opted_in' end;
  v_org record;
begin
  if tg_op = 'UPDATE' and old.opted_out is not distinct from new.opted_out then
    return null;
  end if;
  if tg_op = 'INSERT' and not new.opted_out then
    return null; -- a START from a number that never stopped changes nothing
  end if;
  for v_org in
    select o.organization_id,
      coalesce(jsonb_agg(jsonb_build_object('id', o.contact_id, 'externalId', o.external_id)) filter (where o.contact_id is not null), '[]'::jsonb) as contacts,
      coalesce(jsonb_agg(o.user_id) filter (where o.user_id is not null), '[]'::jsonb) as user_ids
    from (
      select c.organization_id, c.id as contact_id, c.external_id, null::uuid as user_id
      from public.contacts c where c.phone_hash = new.phone_hash
      union all
      select m.organization_id, null, null, p.user_id
      from public.user_sms_preferences p join public.organization_members m on m.user_id = p.user_id
      where p.phone_hash = new.phone_hash
    ) o
    where exists (select 1 from public.webhook_endpoints e where e.organization_id = o.organization_id and e.enabled)
    group by o.organization_id
  loop
    perform internal.enqueue_webhook_event(v_org.organization_id, v_type,
      'evt_' || md5(new.phone_hash || ':' || new.opted_out::text || ':' || (extract(epoch from clock_timestamp()) * 1000000)::bigint::text),
      jsonb_build_object('phoneEnc', new.phone_enc, 'phoneLast4', new.phone_last4, 'optedOut', new.opted_out, 'source', new.source,
        'keyword', new.last_keyword, 'contacts', v_org.contacts, 'userIds', v_org.user_ids));
  end loop;
  return null;
end;
$$;

-- Members write contacts through RLS (the console): the sealed columns replace phone_number in
-- the column privileges (the id, user link and timestamps stay theirs not to write).
grant insert (phone_enc, phone_hash, phone_last4, calling_code) on table public.contacts to authenticated;
grant update (phone_enc, phone_hash, phone_last4, calling_code) on table public.contacts to authenticated;
