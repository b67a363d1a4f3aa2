-- The catalogue of kinds of texts a user can switch on or off.

create table public.sms_notification_types (
  key text primary key constraint sms_notification_types_key_check check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  label text not null,
  description text not null default '',
  default_enabled boolean not null default true,
  -- Urgent kinds are delivered even inside the user's quiet hours.
  bypasses_quiet_hours boolean not null default false,
  category text not null default 'transactional'
    constraint sms_notification_types_category_check check (category in ('transactional', 'marketing')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table public.sms_notification_types enable row level security;

create trigger sms_notification_types_set_updated_at
  before update on public.sms_notification_types
  for each row execute function public.set_updated_at();

create policy "Signed-in users can read notification types"
  on public.sms_notification_types for select to authenticated
  using (true);

create policy "Admins can create notification types"
  on public.sms_notification_types for insert to authenticated
  with check ((select public.is_admin()));

create policy "Admins can update notification types"
  on public.sms_notification_types for update to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

create policy "Admins can delete notification types"
  on public.sms_notification_types for delete to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_notification_types from anon, authenticated;
grant select, insert, update, delete on table public.sms_notification_types to authenticated;

insert into public.sms_notification_types (key, label, description, default_enabled, bypasses_quiet_hours, category)
values
  ('task_reminder', 'Task reminders', 'A reminder shortly before a task is due.', true, false, 'transactional'),
  ('daily_brief', 'Daily brief', 'One summary text a day with what is coming up.', false, false, 'transactional'),
  ('urgent_alert', 'Urgent alerts', 'Time-critical alerts; delivered even during quiet hours.', true, true, 'transactional'),
  ('custom', 'Other messages', 'Messages sent directly by the team.', true, false, 'transactional')
on conflict (key) do nothing;
