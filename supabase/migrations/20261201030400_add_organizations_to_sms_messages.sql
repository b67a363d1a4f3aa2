-- Texts belong to a workspace, and go to a user or to a contact.
--
-- The existing single-tenant install becomes one default workspace ("Default", slug
-- `default`): every existing text moves into it, and the global admins become its owners.
-- It is created even on an empty database, so that queue_sms_message's callers that name no
-- workspace keep working while there is exactly one (the local seed renames it "Demo").

alter table public.sms_messages
  add column organization_id uuid references public.organizations (id) on delete cascade,
  add column contact_id uuid references public.contacts (id) on delete cascade;

do $migrate$
declare
  v_org uuid;
begin
  if not exists (select 1 from public.organizations) then
    insert into public.organizations (slug, name) values ('default', 'Default') returning id into v_org;
  else
    select id into v_org from public.organizations order by created_at, id limit 1;
  end if;

  insert into public.organization_members (organization_id, user_id, role)
  select v_org, r.user_id, 'owner' from public.user_roles r where r.role = 'admin'
  on conflict do nothing;

  -- Outbound texts all move; inbound ones too (a reply belongs to the conversation).
  update public.sms_messages set organization_id = v_org where organization_id is null;
end
$migrate$;

alter table public.sms_messages drop constraint sms_messages_outbound_user_check;
alter table public.sms_messages
  add constraint sms_messages_outbound_organization_check
    check (direction = 'inbound' or organization_id is not null),
  -- To a user (their own preferences apply) or to a contact (the workspace's), never both.
  add constraint sms_messages_outbound_recipient_check
    check (direction = 'inbound' or ((user_id is null) <> (contact_id is null)));

-- The workspace's log, newest first; a contact's history.
create index sms_messages_org_created_idx on public.sms_messages (organization_id, created_at desc, id desc);
create index sms_messages_contact_created_idx on public.sms_messages (contact_id, created_at desc, id desc)
  where contact_id is not null;
-- Inbound linking: the workspace that last texted a number.
create index sms_messages_phone_created_idx on public.sms_messages (phone_number, created_at desc)
  where direction = 'outbound';

create policy "Members can read their workspace's messages"
  on public.sms_messages for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

create policy "Members can read their workspace's delivery events"
  on public.sms_delivery_events for select to authenticated
  using (exists (
    select 1 from public.sms_messages m
    where m.id = sms_delivery_events.message_id
      and (select public.has_org_role(m.organization_id, 'viewer'))
  ));
