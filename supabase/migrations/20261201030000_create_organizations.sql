-- Workspaces (DESIGN §13): organizations and their members, with one SECURITY DEFINER helper,
-- has_org_role(), that every workspace policy uses (basejump's has_role_on_account pattern).
--
-- Named exceptions for the workspace API (SQLSTATE, and the message starts with the name):
--   WS001 forbidden                 the caller's role in the workspace is too low (or none)
--   WS002 invalid_slug              slug is not 3-48 of a-z 0-9 - (no leading/trailing -) or is reserved
--   WS003 slug_taken                another workspace has this slug
--   WS004 invalid_name              empty or longer than 100 characters
--   WS005 invalid_setting           unknown setting, or a value of the wrong form
--   WS006 last_owner                the change would leave the workspace without an owner
--   WS007 not_a_member              the user is not a member of the workspace
--   WS008 role_too_high             granting a role above one's own, or promoting oneself
--   WS009 invalid_email             not an e-mail address
--   WS010 already_member            the invited person is already a member
--   WS011 invitation_not_found      no invitation for this token
--   WS012 invitation_expired        older than 7 days
--   WS013 invitation_revoked        revoked (or superseded by a newer one)
--   WS014 invitation_used           already accepted
--   WS015 invitation_email_mismatch the signed-in account's e-mail is not the invited one
--   WS016 organization_required     no workspace given and there is not exactly one
--   WS017 unknown_organization      no such workspace
--   WS018 unknown_contact           no such contact (in that workspace)
--   WS019 recipient_conflict        both a user and a contact, or a phone that is not the contact's
--   WS020 invalid_contact           a contact field of the wrong form
--   WS021 confirmation_mismatch     deleting a workspace needs its slug typed back
--   WS022 immutable_audit           audit rows cannot be changed or deleted

-- Internal helpers: out of reach of anon/authenticated (no USAGE on the schema).
create schema if not exists internal;
revoke all on schema internal from public, anon, authenticated;
grant usage on schema internal to service_role;
alter default privileges in schema internal revoke execute on functions from public;

-- Declared lowest first so that enum comparison reads naturally: role >= 'admin'.
create type public.org_role as enum ('viewer', 'operator', 'admin', 'owner');

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  slug text not null
    constraint organizations_slug_key unique
    constraint organizations_slug_check check (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,46})[a-z0-9]$'),
  name text not null
    constraint organizations_name_check check (char_length(btrim(name)) between 1 and 100),
  -- Country assumed for numbers typed without +, ISO 3166-1 alpha-2.
  default_country text not null default 'US'
    constraint organizations_default_country_check check (default_country ~ '^[A-Z]{2}$'),
  -- For contacts without their own zone; validated by trigger (pg_timezone_names is not immutable).
  default_time_zone text not null default 'UTC',
  quiet_hours_start time,
  quiet_hours_end time,
  -- Texts per contact per local day.
  contact_daily_limit integer not null default 10,
  -- The sender; both null means the global TWILIO_MESSAGING_SERVICE_SID / TWILIO_FROM_NUMBER.
  messaging_service_sid text
    constraint organizations_messaging_service_sid_check check (messaging_service_sid ~ '^MG[0-9a-fA-F]{32}$'),
  from_number text
    constraint organizations_from_number_check check (public.is_e164(from_number)),
  -- Enforced by campaigns (issue 11); null = no cap.
  monthly_spend_cap numeric(12, 2)
    constraint organizations_monthly_spend_cap_check check (monthly_spend_cap >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organizations_quiet_hours_check
    check ((quiet_hours_start is null) = (quiet_hours_end is null)),
  constraint organizations_contact_daily_limit_check
    check (contact_daily_limit between 0 and public.sms_max_daily_limit())
);

alter table public.organizations enable row level security;

create function internal.organizations_before_write()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.default_time_zone is distinct from old.default_time_zone then
    if not public.is_valid_time_zone(new.default_time_zone) then
      raise exception using
        errcode = 'check_violation',
        message = format('invalid time zone: %s', new.default_time_zone),
        constraint = 'organizations_default_time_zone_check',
        table = 'organizations',
        schema = 'public';
    end if;
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
  end if;
  return new;
end;
$$;

create trigger organizations_before_write
  before insert or update on public.organizations
  for each row execute function internal.organizations_before_write();

create table public.organization_members (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.org_role not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);

-- "Which workspaces am I in?" (the header's switcher) and has_org_role().
create index organization_members_user_idx on public.organization_members (user_id, organization_id);

alter table public.organization_members enable row level security;

create trigger organization_members_set_updated_at
  before update on public.organization_members
  for each row execute function public.set_updated_at();

-- The one question every workspace policy asks: does the caller hold at least p_min_role in
-- the workspace? SECURITY DEFINER so policies need no read access to organization_members
-- (and do not recurse into its own policy).
create function public.has_org_role(p_organization_id uuid, p_min_role public.org_role)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.organization_members m
    where m.organization_id = p_organization_id
      and m.user_id = (select auth.uid())
      and m.role >= p_min_role
  )
$$;

revoke execute on function public.has_org_role(uuid, public.org_role) from public, anon;
grant execute on function public.has_org_role(uuid, public.org_role) to authenticated, service_role;

-- The caller's role in a workspace, or null when not a member (the web's requireWorkspace).
create function public.current_org_role(p_organization_id uuid)
returns public.org_role
language sql
stable
security definer
set search_path = ''
as $$
  select m.role from public.organization_members m
  where m.organization_id = p_organization_id and m.user_id = (select auth.uid())
$$;

revoke execute on function public.current_org_role(uuid) from public, anon;
grant execute on function public.current_org_role(uuid) to authenticated, service_role;

-- The last owner cannot leave or be demoted. Runs after the statement's rows changed, and
-- locks the workspace row so two owners demoting each other at once cannot both succeed.
-- A cascade (workspace or user account deleted) is allowed.
create function internal.organization_members_keep_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner') then
    return null;
  end if;
  perform 1 from public.organizations where id = old.organization_id for update;
  if not found then
    return null;
  end if;
  if tg_op = 'DELETE' and not exists (select 1 from auth.users where id = old.user_id) then
    return null;
  end if;
  if not exists (
    select 1 from public.organization_members
    where organization_id = old.organization_id and role = 'owner'
  ) then
    raise exception using errcode = 'WS006',
      message = 'last_owner: a workspace needs an owner; make someone else owner first';
  end if;
  return null;
end;
$$;

create trigger organization_members_keep_owner
  after update or delete on public.organization_members
  for each row execute function internal.organization_members_keep_owner();

create policy "Members can read their workspaces"
  on public.organizations for select to authenticated
  using ((select public.has_org_role(id, 'viewer')));

create policy "Members can read their workspace's members"
  on public.organization_members for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

-- Writes go through the SQL API (create_organization, update_organization_settings,
-- set_member_role, ...), which checks roles and writes the audit log.
revoke all on table public.organizations from anon, authenticated;
revoke all on table public.organization_members from anon, authenticated;
grant select on table public.organizations to authenticated;
grant select on table public.organization_members to authenticated;
