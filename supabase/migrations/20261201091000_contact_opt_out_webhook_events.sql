-- contact.opted_out / contact.opted_in webhook events (issue 15): a STOP or START on a number
-- (sms_phone_opt_outs changes state) tells every workspace that has that number as a contact,
-- or as a member's phone, once per change, in the same transaction as the change.

create function internal.sms_phone_opt_outs_webhook_events()
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
      from public.contacts c where c.phone_number = new.phone_number
      union all
      select m.organization_id, null, null, p.user_id
      from public.user_sms_preferences p join public.organization_members m on m.user_id = p.user_id
      where p.phone_number = new.phone_number
    ) o
    where exists (select 1 from public.webhook_endpoints e where e.organization_id = o.organization_id and e.enabled)
    group by o.organization_id
  loop
    perform internal.enqueue_webhook_event(v_org.organization_id, v_type,
      'evt_' || md5(new.phone_number || ':' || new.opted_out::text || ':' || (extract(epoch from clock_timestamp()) * 1000000)::bigint::text),
      jsonb_build_object('phone', new.phone_number, 'optedOut', new.opted_out, 'source', new.source,
        'keyword', new.last_keyword, 'contacts', v_org.contacts, 'userIds', v_org.user_ids));
  end loop;
  return null;
end;
$$;

revoke execute on function internal.sms_phone_opt_outs_webhook_events() from public, anon, authenticated;

create trigger sms_phone_opt_outs_webhook_events
  after insert or update of opted_out on public.sms_phone_opt_outs
  for each row execute function internal.sms_phone_opt_outs_webhook_events();
