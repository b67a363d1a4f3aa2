-- Every Verify start / check, for rate limits (per number, per user, per IP) and audit.

create table public.phone_verifications (
  id bigint generated always as identity primary key,
  user_id uuid references auth.users (id) on delete cascade,
  phone_number text not null,
  ip inet,
  action text not null constraint phone_verifications_action_check check (action in ('start', 'check')),
  -- e.g. 'sent', 'approved', 'pending', 'rate_limited', 'error'
  outcome text,
  created_at timestamptz not null default now()
);

create index phone_verifications_phone_idx on public.phone_verifications (phone_number, created_at);
create index phone_verifications_user_idx on public.phone_verifications (user_id, created_at);
create index phone_verifications_ip_idx on public.phone_verifications (ip, created_at);

alter table public.phone_verifications enable row level security;

create policy "Admins can read phone verifications"
  on public.phone_verifications for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.phone_verifications from anon, authenticated;
grant select on table public.phone_verifications to authenticated;
