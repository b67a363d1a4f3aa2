-- Contacts API (operators and up; viewers may search). Plain inserts/updates/deletes through
-- RLS work as well and are audited the same way; these functions add the CRM upsert by
-- external id, named errors, and search.
--
-- A contact is given as a JSON object with the keys name, phone_number (E.164), time_zone,
-- external_id, attributes, consent_source, consented_at, tags. Unknown keys are refused.

create function internal.check_contact_keys(p_contact jsonb)
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
    if not (v_key = any (array['name', 'phone_number', 'time_zone', 'external_id', 'attributes',
                               'consent_source', 'consented_at', 'tags'])) then
      raise exception using errcode = 'WS020', message = format('invalid_contact: %s is not a contact field', v_key);
    end if;
  end loop;
end;
$$;

-- Writes one contact; the constraint that failed becomes a WS020 message a person can read.
create function internal.write_contact(p_organization_id uuid, p_id uuid, p_row public.contacts)
returns public.contacts
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_row public.contacts;
begin
  if p_id is null then
    insert into public.contacts (organization_id, name, phone_number, time_zone, external_id, attributes,
                                 consent_source, consented_at, tags)
    values (p_organization_id, p_row.name, p_row.phone_number, p_row.time_zone, p_row.external_id,
            coalesce(p_row.attributes, '{}'), p_row.consent_source, p_row.consented_at, coalesce(p_row.tags, '{}'))
    returning * into v_row;
  else
    update public.contacts set
      name = p_row.name, phone_number = p_row.phone_number, time_zone = p_row.time_zone,
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
      when sqlerrm like '%phone_number%' then 'the phone number must be in E.164 form, e.g. +14155550123'
      when sqlerrm like '%time zone%' or sqlerrm like '%time_zone%' then 'unknown time zone'
      when sqlerrm like '%name%' then 'a name of 1 to 200 characters is required'
      else sqlerrm end);
end;
$$;

-- Inserts a contact, or — when external_id matches one in the workspace — updates that one
-- with the fields given. Returns the row.
create function public.upsert_contact(p_organization_id uuid, p_contact jsonb)
returns public.contacts
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_existing public.contacts;
  v_row public.contacts;
begin
  perform internal.require_org_role(p_organization_id, 'operator');
  perform internal.check_contact_keys(p_contact);
  if p_contact ? 'external_id' and p_contact ->> 'external_id' is not null then
    select * into v_existing from public.contacts
    where organization_id = p_organization_id and external_id = p_contact ->> 'external_id'
    for update;
  end if;
  begin
    v_row := jsonb_populate_record(coalesce(v_existing, null::public.contacts), p_contact);
  exception when data_exception then
    raise exception using errcode = 'WS020', message = format('invalid_contact: %s', sqlerrm);
  end;
  return internal.write_contact(p_organization_id, v_existing.id, v_row);
end;
$$;

-- Changes the fields given in p_patch (a key with null clears it). Returns the row.
create function public.update_contact(p_contact_id uuid, p_patch jsonb)
returns public.contacts
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_existing public.contacts;
  v_row public.contacts;
begin
  select * into v_existing from public.contacts where id = p_contact_id for update;
  if not found or not public.has_org_role(v_existing.organization_id, 'viewer') then
    raise exception using errcode = 'WS018', message = 'unknown_contact: no such contact';
  end if;
  perform internal.require_org_role(v_existing.organization_id, 'operator');
  perform internal.check_contact_keys(p_patch);
  begin
    v_row := jsonb_populate_record(v_existing, p_patch);
  exception when data_exception then
    raise exception using errcode = 'WS020', message = format('invalid_contact: %s', sqlerrm);
  end;
  return internal.write_contact(v_existing.organization_id, v_existing.id, v_row);
end;
$$;

create function public.delete_contact(p_contact_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_org uuid;
begin
  select organization_id into v_org from public.contacts where id = p_contact_id for update;
  if v_org is null or not public.has_org_role(v_org, 'viewer') then
    raise exception using errcode = 'WS018', message = 'unknown_contact: no such contact';
  end if;
  perform internal.require_org_role(v_org, 'operator');
  delete from public.contacts where id = p_contact_id;
end;
$$;

-- Search a workspace's contacts (runs with the caller's rights: RLS decides what is visible).
-- p_query matches the name (case-insensitive, anywhere) or the phone: digits only are
-- compared, so "(415) 555-0123", "+1 415 555 0123" and "0123" all find +14155550123; exactly
-- four digits match the last four. p_tag filters by tag. Keyset pagination by (lower(name), id):
-- pass the last row's values as p_after_name / p_after_id for the next page.
create function public.search_contacts(
  p_organization_id uuid,
  p_query text default null,
  p_tag text default null,
  p_after_name text default null,
  p_after_id uuid default null,
  p_limit integer default 50
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
         or (char_length(q.digits) > 4 and strpos(c.phone_number, q.digits) > 0))
    and (p_after_id is null or (lower(c.name), c.id) > (lower(p_after_name), p_after_id))
  order by lower(c.name), c.id
  limit least(greatest(coalesce(p_limit, 50), 1), 500)
$$;

revoke execute on function public.upsert_contact(uuid, jsonb) from public, anon;
revoke execute on function public.update_contact(uuid, jsonb) from public, anon;
revoke execute on function public.delete_contact(uuid) from public, anon;
revoke execute on function public.search_contacts(uuid, text, text, text, uuid, integer) from public, anon;
grant execute on function public.upsert_contact(uuid, jsonb) to authenticated, service_role;
grant execute on function public.update_contact(uuid, jsonb) to authenticated, service_role;
grant execute on function public.delete_contact(uuid) to authenticated, service_role;
grant execute on function public.search_contacts(uuid, text, text, text, uuid, integer) to authenticated, service_role;
