-- Forgetting a contact (20261202070000) also takes the person off the workspace's uploaded
-- campaign lists (sms_campaign_recipients: number, name, variables), which landed meanwhile.
-- Same function, one more statement; everything else as before.

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

  -- Rows of uploaded campaign lists that hold the number (name, variables): the person is off
  -- every list of this workspace. The campaigns' own texts and counters are not touched.
  delete from public.sms_campaign_recipients r
   using public.sms_campaign_imports i
   where i.id = r.import_id and i.organization_id = v_contact.organization_id
     and r.phone_number = v_contact.phone_number;

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
