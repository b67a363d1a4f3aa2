-- Application roles. Only 'admin' exists today; rows are written by the service or by SQL.

create table public.user_roles (
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null constraint user_roles_role_check check (role in ('admin')),
  created_at timestamptz not null default now(),
  primary key (user_id, role)
);

alter table public.user_roles enable row level security;

-- SECURITY DEFINER so policies on other tables can ask "is the caller an admin?" without the
-- caller needing to read user_roles (and without recursive policy evaluation).
create function public.is_admin()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.user_roles
    where user_id = (select auth.uid()) and role = 'admin'
  )
$$;

revoke execute on function public.is_admin() from public, anon;
grant execute on function public.is_admin() to authenticated, service_role;

create policy "Users can read their own roles"
  on public.user_roles for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Admins can read all roles"
  on public.user_roles for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.user_roles from anon, authenticated;
grant select on table public.user_roles to authenticated;
