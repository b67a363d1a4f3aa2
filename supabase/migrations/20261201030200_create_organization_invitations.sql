-- Invitations by e-mail with a role. Only a SHA-256 hash of the token is stored; the token
-- itself is returned once by create_organization_invitation and travels in the invite link.
-- Open = not accepted, not revoked, not expired (7 days).

create table public.organization_invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null
    constraint organization_invitations_email_check check (email = lower(btrim(email)) and email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  role public.org_role not null,
  token_hash text not null
    constraint organization_invitations_token_hash_key unique
    constraint organization_invitations_token_hash_check check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  constraint organization_invitations_state_check check (accepted_at is null or revoked_at is null)
);

-- At most one invitation waiting per person per workspace (a new one supersedes the old).
create unique index organization_invitations_pending_idx
  on public.organization_invitations (organization_id, email)
  where accepted_at is null and revoked_at is null;
create index organization_invitations_org_created_idx
  on public.organization_invitations (organization_id, created_at desc);

alter table public.organization_invitations enable row level security;

create trigger organization_invitations_audit
  after insert or update or delete on public.organization_invitations
  for each row execute function internal.audit_row_change('invitation');

create policy "Owners and admins can read their workspace's invitations"
  on public.organization_invitations for select to authenticated
  using ((select public.has_org_role(organization_id, 'admin')));

-- The token hash is not readable by users (column privileges).
revoke all on table public.organization_invitations from anon, authenticated;
grant select (id, organization_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
  on table public.organization_invitations to authenticated;
