-- Texts sent per user per local day, for an atomic daily limit (reserve_sms_daily_slot).

create table public.sms_daily_usage (
  user_id uuid not null references auth.users (id) on delete cascade,
  local_date date not null,
  count integer not null default 0 constraint sms_daily_usage_count_check check (count >= 0),
  updated_at timestamptz not null default now(),
  primary key (user_id, local_date)
);

alter table public.sms_daily_usage enable row level security;

create policy "Admins can read daily usage"
  on public.sms_daily_usage for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_daily_usage from anon, authenticated;
grant select on table public.sms_daily_usage to authenticated;
