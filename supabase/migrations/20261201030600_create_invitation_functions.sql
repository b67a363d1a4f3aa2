-- Invitations: create (owners/admins), revoke, preview (for the invite page) and accept
-- (the signed-in account's e-mail must be the invited one). Tokens: 64 hex characters from two
-- gen_random_uuid()s (cryptographically random), stored only as sha256.

create function internal.invitation_token_hash(p_token text)
returns text
language sql
immutable
set search_path = ''
as $$ select encode(sha256(convert_to(coalesce(p_token, ''), 'UTF8')), 'hex') $$;

-- Returns the token once (for the invite link); a new invitation to the same e-mail in the
-- same workspace supersedes (revokes) an open one. The role cannot be above the inviter's.
create function public.create_organization_invitation(p_organization_id uuid, p_email text, p_role public.org_role)
returns table (invitation_id uuid, token text, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_mine public.org_role := internal.require_org_role(p_organization_id, 'admin');
  v_email text := lower(btrim(coalesce(p_email, '')));
  v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
  v_id uuid;
  v_expires timestamptz;
begin
  if v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' or char_length(v_email) > 320 then
    raise exception using errcode = 'WS009', message = format('invalid_email: "%s" is not an e-mail address', p_email);
  end if;
  if p_role is null or p_role > v_mine then
    raise exception using errcode = 'WS008',
      message = format('role_too_high: you cannot invite someone as %s', coalesce(p_role::text, 'null'));
  end if;
  if exists (
    select 1 from public.organization_members m join auth.users u on u.id = m.user_id
    where m.organization_id = p_organization_id and lower(u.email) = v_email
  ) then
    raise exception using errcode = 'WS010', message = format('already_member: %s is already a member', v_email);
  end if;

  update public.organization_invitations i set revoked_at = now()
  where i.organization_id = p_organization_id and i.email = v_email
    and i.accepted_at is null and i.revoked_at is null;

  insert into public.organization_invitations (organization_id, email, role, token_hash, invited_by)
  values (p_organization_id, v_email, p_role, internal.invitation_token_hash(v_token), (select auth.uid()))
  returning id, organization_invitations.expires_at into v_id, v_expires;
  return query select v_id, v_token, v_expires;
end;
$$;

create function public.revoke_organization_invitation(p_invitation_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_inv public.organization_invitations;
begin
  select * into v_inv from public.organization_invitations where id = p_invitation_id for update;
  if not found then
    raise exception using errcode = 'WS011', message = 'invitation_not_found: no such invitation';
  end if;
  perform internal.require_org_role(v_inv.organization_id, 'admin');
  if v_inv.accepted_at is not null then
    raise exception using errcode = 'WS014', message = 'invitation_used: this invitation was already accepted';
  end if;
  if v_inv.revoked_at is not null then
    raise exception using errcode = 'WS013', message = 'invitation_revoked: this invitation was already revoked';
  end if;
  update public.organization_invitations set revoked_at = now() where id = p_invitation_id;
end;
$$;

-- What the invite page shows before accepting: which workspace, which role, for which
-- address, and whether it can still be accepted (state: open / expired / revoked / accepted).
-- Knowing the token is the permission, so signed-out visitors may call it too.
create function public.invitation_preview(p_token text)
returns table (organization_name text, organization_slug text, email text, role public.org_role,
               expires_at timestamptz, state text, email_matches boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select o.name, o.slug, i.email, i.role, i.expires_at,
         case when i.accepted_at is not null then 'accepted'
              when i.revoked_at is not null then 'revoked'
              when i.expires_at <= now() then 'expired'
              else 'open' end,
         coalesce((select lower(u.email) = i.email from auth.users u where u.id = (select auth.uid())), false)
  from public.organization_invitations i
  join public.organizations o on o.id = i.organization_id
  where i.token_hash = internal.invitation_token_hash(p_token)
$$;

-- Accepts an open invitation for the signed-in account (once). An existing member keeps the
-- higher of their role and the invited one. Returns the workspace and the role held now.
create function public.accept_organization_invitation(p_token text)
returns table (organization_id uuid, organization_slug text, role public.org_role)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_email text;
  v_inv public.organization_invitations;
  v_role public.org_role;
begin
  if v_uid is null then
    raise exception using errcode = 'WS001', message = 'forbidden: sign in to accept an invitation';
  end if;
  select lower(u.email) into v_email from auth.users u where u.id = v_uid;

  select * into v_inv from public.organization_invitations i
  where i.token_hash = internal.invitation_token_hash(p_token)
  for update;
  if not found then
    raise exception using errcode = 'WS011', message = 'invitation_not_found: this invitation link is not valid';
  end if;
  if v_inv.accepted_at is not null then
    raise exception using errcode = 'WS014', message = 'invitation_used: this invitation was already accepted';
  end if;
  if v_inv.revoked_at is not null then
    raise exception using errcode = 'WS013', message = 'invitation_revoked: this invitation was revoked; ask for a new one';
  end if;
  if v_inv.expires_at <= now() then
    raise exception using errcode = 'WS012', message = 'invitation_expired: this invitation has expired; ask for a new one';
  end if;
  if v_email is distinct from v_inv.email then
    raise exception using errcode = 'WS015',
      message = format('invitation_email_mismatch: this invitation is for %s; sign in with that address', v_inv.email);
  end if;

  update public.organization_invitations set accepted_at = now(), accepted_by = v_uid where id = v_inv.id;
  insert into public.organization_members as m (organization_id, user_id, role)
  values (v_inv.organization_id, v_uid, v_inv.role)
  on conflict on constraint organization_members_pkey do update
    set role = greatest(m.role, excluded.role)
  returning m.role into v_role;

  return query select o.id, o.slug, v_role from public.organizations o where o.id = v_inv.organization_id;
end;
$$;

revoke execute on function internal.invitation_token_hash(text) from public;
revoke execute on function public.create_organization_invitation(uuid, text, public.org_role) from public, anon;
revoke execute on function public.revoke_organization_invitation(uuid) from public, anon;
revoke execute on function public.invitation_preview(text) from public;
revoke execute on function public.accept_organization_invitation(text) from public, anon;

grant execute on function public.create_organization_invitation(uuid, text, public.org_role) to authenticated;
grant execute on function public.revoke_organization_invitation(uuid) to authenticated;
grant execute on function public.invitation_preview(text) to anon, authenticated;
grant execute on function public.accept_organization_invitation(text) to authenticated;
