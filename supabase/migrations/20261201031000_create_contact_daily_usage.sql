-- Texts sent per contact per local day (the contact's zone, else the workspace's), for the
-- workspace's per-recipient daily cap (organizations.contact_daily_limit). The same atomic
-- reserve / release as sms_daily_usage has for users (service role only).

create table public.contact_daily_usage (
  contact_id uuid not null references public.contacts (id) on delete cascade,
  local_date date not null,
  count integer not null default 0 constraint contact_daily_usage_count_check check (count >= 0),
  updated_at timestamptz not null default now(),
  primary key (contact_id, local_date)
);

alter table public.contact_daily_usage enable row level security;

create policy "Members can read their workspace's contact usage"
  on public.contact_daily_usage for select to authenticated
  using (exists (
    select 1 from public.contacts c
    where c.id = contact_daily_usage.contact_id and (select public.has_org_role(c.organization_id, 'viewer'))
  ));

revoke all on table public.contact_daily_usage from anon, authenticated;
grant select on table public.contact_daily_usage to authenticated;

-- True (and counted) when the contact has had fewer than p_limit texts on p_local_date.
create function public.reserve_contact_daily_slot(p_contact_id uuid, p_local_date date, p_limit integer)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reserved boolean;
begin
  if p_limit is null or p_limit < 1 then
    return false;
  end if;
  insert into public.contact_daily_usage as u (contact_id, local_date, count)
  values (p_contact_id, p_local_date, 1)
  on conflict (contact_id, local_date) do update
    set count = u.count + 1, updated_at = now()
    where u.count < p_limit
  returning true into v_reserved;
  return coalesce(v_reserved, false);
end;
$$;

create function public.release_contact_daily_slot(p_contact_id uuid, p_local_date date)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with released as (
    update public.contact_daily_usage
    set count = count - 1, updated_at = now()
    where contact_id = p_contact_id and local_date = p_local_date and count > 0
    returning 1
  )
  select exists (select 1 from released)
$$;

revoke execute on function public.reserve_contact_daily_slot(uuid, date, integer) from public, anon, authenticated;
revoke execute on function public.release_contact_daily_slot(uuid, date) from public, anon, authenticated;
grant execute on function public.reserve_contact_daily_slot(uuid, date, integer) to service_role;
grant execute on function public.release_contact_daily_slot(uuid, date) to service_role;
