-- A person's right to be forgotten (issue 16). Deleting a contact used to cascade to its texts,
-- which also erased the workspace's counts, costs and delivery history. Now a contact is
-- forgotten by ONE function, public.forget_contact: the contact row (name, number, attributes,
-- external id, tags) is deleted, and every text to or from it is redacted in place — body,
-- template variables, recipient number (only the country calling code stays, so the rollups'
-- per-country counts do not move), the To/From/Body of its raw provider payloads and of our
-- outbound webhook payloads — while its status, times, price, segments, error and every
-- delivery event row stay. Texts not yet handed to a provider are canceled first (a redacted
-- number cannot be sent to). The audit trail records the forgetting with counts only, and the
-- contact's earlier audit rows lose its name, number, external id, attributes and tags.
--
-- Every column this touches is named in forget_contact below (for the phone encryption work:
-- sms_messages.phone_number, contacts.phone_number, sms_delivery_events.payload,
-- webhook_deliveries.payload, audit_log.before/after).

-- Texts keep existing when their contact goes: no cascade, and no plain delete of a contact
-- that has texts (NO ACTION: a workspace deletion still removes both in one statement).
alter table public.sms_messages drop constraint sms_messages_contact_id_fkey;
alter table public.sms_messages
  add constraint sms_messages_contact_id_fkey foreign key (contact_id) references public.contacts (id);

-- When the recipient of a text was forgotten; phone_number then holds only '+' and the
-- calling code ('+44'), which is all the statistics use.
alter table public.sms_messages add column recipient_redacted_at timestamptz;
alter table public.sms_messages drop constraint sms_messages_phone_number_check;
alter table public.sms_messages add constraint sms_messages_phone_number_check check (
  public.is_e164(phone_number)
  or (recipient_redacted_at is not null and phone_number operator(pg_catalog.~) '^\+[0-9]{0,3}$'));
-- A forgotten recipient is nobody: the text keeps neither a user nor a contact.
alter table public.sms_messages drop constraint sms_messages_outbound_recipient_check;
alter table public.sms_messages add constraint sms_messages_outbound_recipient_check check (
  direction = 'inbound' or (recipient_redacted_at is not null and contact_id is null)
  or ((user_id is null) <> (contact_id is null)));

-- Contacts are deleted only through forget_contact (admins and up, or the API's service role).
drop policy "Operators can delete contacts" on public.contacts;
revoke delete on table public.contacts from authenticated;

-- The audit log stays append-only, with one exception: while forget_contact runs (a
-- transaction-local setting only that SECURITY DEFINER function sets; nobody else may even
-- update the table), the audit rows of the contact being forgotten may have their before/after
-- rewritten, nothing else.
create or replace function internal.audit_log_immutable()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and old.target_type = 'contact'
     and old.target_id = nullif(current_setting('internal.forgetting_contact', true), '')
     and (to_jsonb(new) - 'before' - 'after') = (to_jsonb(old) - 'before' - 'after') then
    return new;
  end if;
  raise exception using errcode = 'WS022',
    message = 'immutable_audit: audit rows cannot be changed or deleted';
end;
$$;

-- The fields of a contact that identify the person, replaced by a marker in audit rows.
create function internal.forget_audit_fields(p_row jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_row is null or jsonb_typeof(p_row) <> 'object' then p_row
    else p_row || coalesce((
      select jsonb_object_agg(k, to_jsonb('[forgotten]'::text))
        from jsonb_object_keys(p_row) k
       where k = any (array['name', 'phone_number', 'external_id', 'attributes', 'tags'])), '{}'::jsonb) end
$$;

revoke execute on function internal.forget_audit_fields(jsonb) from public;

-- The provider payload keys that carry a phone number or a text (Twilio: To, From, Body;
-- other providers' callbacks: msisdn, destination, ...), removed from a payload.
create function internal.forget_payload(p_payload jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_payload is null or jsonb_typeof(p_payload) <> 'object' then p_payload
    else (select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(p_payload)
           where lower(key) <> all (array['to', 'from', 'body', 'msisdn', 'destination', 'recipient', 'sender',
                                          'phone', 'phone_number', 'number', 'mobile']))
         || '{"recipient_forgotten": true}'::jsonb end
$$;

revoke execute on function internal.forget_payload(jsonb) from public;

-- Forgets a contact. Admins and up of its workspace, or the service role (the API, whose key
-- scope the web server checked). Returns {"texts": n, "canceled": c, "events": e}.
-- WS018 unknown contact, WS001 too low a role, WS023 a text to it is being handed to the
-- provider right now (try again in a minute).
create function public.forget_contact(p_contact_id uuid)
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
          and m.phone_number = v_contact.phone_number);

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
     set phone_number = '+' || coalesce(m.calling_code, ''),
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

revoke execute on function public.forget_contact(uuid) from public, anon;
grant execute on function public.forget_contact(uuid) to authenticated, service_role;

-- The old delete_contact now forgets (admins and up), so no caller deletes a person's texts.
create or replace function public.delete_contact(p_contact_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform public.forget_contact(p_contact_id);
end;
$$;
