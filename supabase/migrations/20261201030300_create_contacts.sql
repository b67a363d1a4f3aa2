-- Contacts: people a workspace texts who need no account. One per phone number and per
-- external id in a workspace (a CRM upserts by its own id: upsert_contact). Operators write
-- them (RLS, or the SQL API); every change is audited by trigger.
--
-- phone_number is E.164 (the web normalises "(415) 555-0123" with the workspace's default
-- country). phone_last4 is kept beside it, indexed, so "0123" finds the contact — and so the
-- search keeps working once the number itself is stored encrypted.

create table public.contacts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null
    constraint contacts_name_check check (char_length(btrim(name)) between 1 and 200),
  phone_number text not null
    constraint contacts_phone_number_check check (public.is_e164(phone_number)),
  phone_last4 text not null generated always as (right(phone_number, 4)) stored,
  -- Null: the workspace's default_time_zone. Validated by trigger.
  time_zone text,
  external_id text
    constraint contacts_external_id_check check (char_length(external_id) between 1 and 200),
  -- Free-form, used as template variables.
  attributes jsonb not null default '{}'::jsonb
    constraint contacts_attributes_check check (jsonb_typeof(attributes) = 'object' and pg_column_size(attributes) <= 16384),
  consent_source text
    constraint contacts_consent_source_check check (char_length(consent_source) between 1 and 200),
  consented_at timestamptz,
  tags text[] not null default '{}'
    constraint contacts_tags_check check (cardinality(tags) <= 50 and array_position(tags, null) is null),
  -- The signed-in user who verified this phone, if any (set by trigger, never by hand).
  user_id uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint contacts_org_phone_key unique (organization_id, phone_number),
  constraint contacts_org_external_id_key unique (organization_id, external_id)
);

create index contacts_org_last4_idx on public.contacts (organization_id, phone_last4);
create index contacts_org_name_idx on public.contacts (organization_id, lower(name), id);
create index contacts_org_tags_idx on public.contacts using gin (tags);
-- Inbound texts and STOP: which contacts hold this number?
create index contacts_phone_idx on public.contacts (phone_number);
create index contacts_user_idx on public.contacts (user_id) where user_id is not null;

alter table public.contacts enable row level security;

create function internal.contacts_before_write()
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
  if tg_op = 'INSERT' or new.phone_number is distinct from old.phone_number then
    new.user_id := (select p.user_id from public.user_sms_preferences p
                    where p.phone_number = new.phone_number and p.phone_verified);
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
  end if;
  return new;
end;
$$;

create trigger contacts_before_write
  before insert or update on public.contacts
  for each row execute function internal.contacts_before_write();

create trigger contacts_audit
  after insert or update or delete on public.contacts
  for each row execute function internal.audit_row_change('contact');

-- A user who verifies (or loses) a phone is linked to (or unlinked from) the contacts holding it.
create function internal.link_contacts_to_verified_phone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.phone_verified and old.phone_number is not null then
    update public.contacts set user_id = null
    where phone_number = old.phone_number and user_id = old.user_id;
  end if;
  if new.phone_verified and new.phone_number is not null then
    update public.contacts set user_id = new.user_id
    where phone_number = new.phone_number and user_id is distinct from new.user_id;
  end if;
  return null;
end;
$$;

create trigger user_sms_preferences_link_contacts
  after insert or update of phone_number, phone_verified on public.user_sms_preferences
  for each row execute function internal.link_contacts_to_verified_phone();

create policy "Members can read their workspace's contacts"
  on public.contacts for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

create policy "Operators can add contacts"
  on public.contacts for insert to authenticated
  with check ((select public.has_org_role(organization_id, 'operator')));

create policy "Operators can edit contacts"
  on public.contacts for update to authenticated
  using ((select public.has_org_role(organization_id, 'operator')))
  with check ((select public.has_org_role(organization_id, 'operator')));

create policy "Operators can delete contacts"
  on public.contacts for delete to authenticated
  using ((select public.has_org_role(organization_id, 'operator')));

-- Column privileges: the id, the link to a user and the timestamps are not the user's to write,
-- and a contact cannot move to another workspace.
revoke all on table public.contacts from anon, authenticated;
grant select, delete on table public.contacts to authenticated;
grant insert (organization_id, name, phone_number, time_zone, external_id, attributes, consent_source, consented_at, tags)
  on table public.contacts to authenticated;
grant update (name, phone_number, time_zone, external_id, attributes, consent_source, consented_at, tags)
  on table public.contacts to authenticated;
