-- Per-user on/off switch for each notification type. A missing row means the type's default.

create table public.user_sms_type_preferences (
  user_id uuid not null references auth.users (id) on delete cascade,
  type_key text not null references public.sms_notification_types (key) on update cascade on delete cascade,
  enabled boolean not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, type_key)
);

create index user_sms_type_preferences_type_key_idx on public.user_sms_type_preferences (type_key);

alter table public.user_sms_type_preferences enable row level security;

create trigger user_sms_type_preferences_set_updated_at
  before update on public.user_sms_type_preferences
  for each row execute function public.set_updated_at();

create policy "Users can read their own type preferences"
  on public.user_sms_type_preferences for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Admins can read all type preferences"
  on public.user_sms_type_preferences for select to authenticated
  using ((select public.is_admin()));

create policy "Users can add their own type preferences"
  on public.user_sms_type_preferences for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Users can change their own type preferences"
  on public.user_sms_type_preferences for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Users can remove their own type preferences"
  on public.user_sms_type_preferences for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.user_sms_type_preferences from anon, authenticated;
grant select, insert, delete on table public.user_sms_type_preferences to authenticated;
-- Only the switch itself may change; the key columns are fixed once written.
grant update (enabled) on table public.user_sms_type_preferences to authenticated;
