-- The workspace API (called as `authenticated`; each function checks the caller's role with
-- has_org_role and raises the named WS exceptions listed in 20261201030000). Every change is
-- audited by the tables' triggers, with the caller as actor.

-- Raises WS001 forbidden unless the caller holds at least p_min_role.
create function internal.require_org_role(p_organization_id uuid, p_min_role public.org_role)
returns public.org_role
language plpgsql
stable
set search_path = ''
as $$
declare
  v_role public.org_role;
begin
  select role into v_role from public.organization_members
  where organization_id = p_organization_id and user_id = (select auth.uid());
  if v_role is null or v_role < p_min_role then
    raise exception using errcode = 'WS001',
      message = format('forbidden: this needs the %s role in the workspace', p_min_role);
  end if;
  return v_role;
end;
$$;

create function internal.check_slug(p_slug text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_slug is null or p_slug !~ '^[a-z0-9](?:[a-z0-9-]{1,46})[a-z0-9]$'
     or p_slug in ('new', 'api', 'admin', 'settings', 'invite', 'invitations', 'auth', 'login', 'logout') then
    raise exception using errcode = 'WS002',
      message = format('invalid_slug: "%s" must be 3 to 48 lowercase letters, digits or dashes, not starting or ending with a dash, and not a reserved word', coalesce(p_slug, ''));
  end if;
end;
$$;

-- A new workspace; the caller becomes its owner. Returns its id.
create function public.create_organization(p_name text, p_slug text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if (select auth.uid()) is null then
    raise exception using errcode = 'WS001', message = 'forbidden: sign in to create a workspace';
  end if;
  if p_name is null or char_length(btrim(p_name)) not between 1 and 100 then
    raise exception using errcode = 'WS004', message = 'invalid_name: a workspace name has 1 to 100 characters';
  end if;
  perform internal.check_slug(p_slug);
  begin
    insert into public.organizations (name, slug) values (btrim(p_name), p_slug) returning id into v_id;
  exception when unique_violation then
    raise exception using errcode = 'WS003', message = format('slug_taken: another workspace already uses "%s"', p_slug);
  end;
  insert into public.organization_members (organization_id, user_id, role)
  values (v_id, (select auth.uid()), 'owner');
  return v_id;
end;
$$;

-- Changes the settings named in p_settings (a JSON object; a key present with null clears
-- it). Keys: name, slug, default_country, default_time_zone, quiet_hours_start,
-- quiet_hours_end, contact_daily_limit, messaging_service_sid, from_number (admins) and
-- monthly_spend_cap (owners only: it is about money). Returns the updated row.
create function public.update_organization_settings(p_organization_id uuid, p_settings jsonb)
returns public.organizations
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_role public.org_role := internal.require_org_role(p_organization_id, 'admin');
  v_old public.organizations;
  v_new public.organizations;
  v_key text;
  v_allowed text[] := array['name', 'slug', 'default_country', 'default_time_zone', 'quiet_hours_start',
                            'quiet_hours_end', 'contact_daily_limit', 'messaging_service_sid', 'from_number',
                            'monthly_spend_cap'];
begin
  if p_settings is null or jsonb_typeof(p_settings) <> 'object' then
    raise exception using errcode = 'WS005', message = 'invalid_setting: settings must be a JSON object';
  end if;
  for v_key in select jsonb_object_keys(p_settings) loop
    if not (v_key = any (v_allowed)) then
      raise exception using errcode = 'WS005', message = format('invalid_setting: %s is not a workspace setting', v_key);
    end if;
  end loop;
  if p_settings ? 'monthly_spend_cap' and v_role < 'owner' then
    raise exception using errcode = 'WS001', message = 'forbidden: only an owner can change the monthly spend cap';
  end if;

  select * into v_old from public.organizations where id = p_organization_id for update;
  begin
    v_new := jsonb_populate_record(v_old, p_settings);
  exception when data_exception then
    raise exception using errcode = 'WS005', message = format('invalid_setting: %s', sqlerrm);
  end;
  if p_settings ? 'slug' and v_new.slug is distinct from v_old.slug then
    perform internal.check_slug(v_new.slug);
  end if;
  if p_settings ? 'name' then
    if v_new.name is null or char_length(btrim(v_new.name)) not between 1 and 100 then
      raise exception using errcode = 'WS004', message = 'invalid_name: a workspace name has 1 to 100 characters';
    end if;
    v_new.name := btrim(v_new.name);
  end if;

  begin
    update public.organizations set
      name = v_new.name,
      slug = v_new.slug,
      default_country = upper(v_new.default_country),
      default_time_zone = v_new.default_time_zone,
      quiet_hours_start = v_new.quiet_hours_start,
      quiet_hours_end = v_new.quiet_hours_end,
      contact_daily_limit = v_new.contact_daily_limit,
      messaging_service_sid = v_new.messaging_service_sid,
      from_number = v_new.from_number,
      monthly_spend_cap = v_new.monthly_spend_cap
    where id = p_organization_id
    returning * into v_new;
  exception
    when unique_violation then
      raise exception using errcode = 'WS003', message = format('slug_taken: another workspace already uses "%s"', v_new.slug);
    when check_violation or not_null_violation then
      raise exception using errcode = 'WS005', message = format('invalid_setting: %s', sqlerrm);
  end;
  return v_new;
end;
$$;

-- Deletes the workspace with its members, invitations, contacts and texts (owners only).
-- The slug must be typed back. The audit log keeps the workspace's history.
create function public.delete_organization(p_organization_id uuid, p_confirm_slug text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_slug text;
begin
  perform internal.require_org_role(p_organization_id, 'owner');
  select slug into v_slug from public.organizations where id = p_organization_id for update;
  if p_confirm_slug is distinct from v_slug then
    raise exception using errcode = 'WS021',
      message = 'confirmation_mismatch: type the workspace''s slug to delete it';
  end if;
  delete from public.organizations where id = p_organization_id;
end;
$$;

-- Members with their e-mail (auth.users is not readable by users), owners first.
create function public.list_organization_members(p_organization_id uuid)
returns table (user_id uuid, email text, role public.org_role, created_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform internal.require_org_role(p_organization_id, 'viewer');
  return query
  select m.user_id, u.email::text, m.role, m.created_at
  from public.organization_members m
  join auth.users u on u.id = m.user_id
  where m.organization_id = p_organization_id
  order by m.role desc, u.email, m.user_id;
end;
$$;

-- Changes a member's role (admins and owners). Nobody changes their own role upwards or grants a
-- role above their own; only owners touch owners. The last owner cannot be demoted (trigger).
create function public.set_member_role(p_organization_id uuid, p_user_id uuid, p_role public.org_role)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_mine public.org_role := internal.require_org_role(p_organization_id, 'admin');
  v_theirs public.org_role;
begin
  if p_role is null then
    raise exception using errcode = 'WS005', message = 'invalid_setting: a role is required';
  end if;
  perform 1 from public.organizations where id = p_organization_id for update;
  select role into v_theirs from public.organization_members
  where organization_id = p_organization_id and user_id = p_user_id;
  if v_theirs is null then
    raise exception using errcode = 'WS007', message = 'not_a_member: this person is not a member of the workspace';
  end if;
  if p_role > v_mine or (p_user_id = (select auth.uid()) and p_role > v_theirs) then
    raise exception using errcode = 'WS008', message = format('role_too_high: you cannot grant the %s role', p_role);
  end if;
  if v_theirs > v_mine then
    raise exception using errcode = 'WS001', message = 'forbidden: only an owner can change an owner''s role';
  end if;
  update public.organization_members set role = p_role
  where organization_id = p_organization_id and user_id = p_user_id and role <> p_role;
end;
$$;

-- Removes a member (admins and owners; an admin cannot remove an owner). Anyone may remove
-- themselves (leave). The last owner cannot leave (trigger).
create function public.remove_member(p_organization_id uuid, p_user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_mine public.org_role;
  v_theirs public.org_role;
begin
  v_mine := internal.require_org_role(p_organization_id, 'viewer');
  perform 1 from public.organizations where id = p_organization_id for update;
  select role into v_theirs from public.organization_members
  where organization_id = p_organization_id and user_id = p_user_id;
  if v_theirs is null then
    raise exception using errcode = 'WS007', message = 'not_a_member: this person is not a member of the workspace';
  end if;
  if p_user_id <> (select auth.uid()) and (v_mine < 'admin' or v_theirs > v_mine) then
    raise exception using errcode = 'WS001', message = 'forbidden: you cannot remove this member';
  end if;
  delete from public.organization_members where organization_id = p_organization_id and user_id = p_user_id;
end;
$$;

-- Makes another member owner and the caller admin (owners only).
create function public.transfer_ownership(p_organization_id uuid, p_new_owner_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.require_org_role(p_organization_id, 'owner');
  perform 1 from public.organizations where id = p_organization_id for update;
  if p_new_owner_id = (select auth.uid()) then
    raise exception using errcode = 'WS005', message = 'invalid_setting: you are already an owner';
  end if;
  if not exists (select 1 from public.organization_members
                 where organization_id = p_organization_id and user_id = p_new_owner_id) then
    raise exception using errcode = 'WS007', message = 'not_a_member: the new owner must be a member of the workspace';
  end if;
  -- Promote first, so the workspace is never without an owner.
  update public.organization_members set role = 'owner'
  where organization_id = p_organization_id and user_id = p_new_owner_id and role <> 'owner';
  update public.organization_members set role = 'admin'
  where organization_id = p_organization_id and user_id = (select auth.uid());
end;
$$;

-- Bootstrapping (service role only): put a user into a workspace with a role, e.g. the first
-- owner of the migrated default workspace.
create function public.add_organization_member(p_organization_id uuid, p_user_id uuid, p_role public.org_role)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.organizations where id = p_organization_id) then
    raise exception using errcode = 'WS017', message = format('unknown_organization: no workspace %s', p_organization_id);
  end if;
  insert into public.organization_members (organization_id, user_id, role)
  values (p_organization_id, p_user_id, p_role)
  on conflict (organization_id, user_id) do update set role = excluded.role;
end;
$$;

revoke execute on function public.create_organization(text, text) from public, anon;
revoke execute on function public.update_organization_settings(uuid, jsonb) from public, anon;
revoke execute on function public.delete_organization(uuid, text) from public, anon;
revoke execute on function public.list_organization_members(uuid) from public, anon;
revoke execute on function public.set_member_role(uuid, uuid, public.org_role) from public, anon;
revoke execute on function public.remove_member(uuid, uuid) from public, anon;
revoke execute on function public.transfer_ownership(uuid, uuid) from public, anon;
revoke execute on function public.add_organization_member(uuid, uuid, public.org_role) from public, anon, authenticated;

grant execute on function public.create_organization(text, text) to authenticated;
grant execute on function public.update_organization_settings(uuid, jsonb) to authenticated;
grant execute on function public.delete_organization(uuid, text) to authenticated;
grant execute on function public.list_organization_members(uuid) to authenticated;
grant execute on function public.set_member_role(uuid, uuid, public.org_role) to authenticated;
grant execute on function public.remove_member(uuid, uuid) to authenticated;
grant execute on function public.transfer_ownership(uuid, uuid) to authenticated;
grant execute on function public.add_organization_member(uuid, uuid, public.org_role) to service_role;
