-- Message templates with {{variables}}. Rendering happens in twilio-service; the table keeps
-- the body, the variables it requires, and how often it was used.

create table public.sms_templates (
  id uuid primary key default gen_random_uuid(),
  template_key text not null unique
    constraint sms_templates_template_key_check check (template_key ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
  name text not null constraint sms_templates_name_check check (char_length(btrim(name)) > 0),
  description text not null default '',
  message_template text not null
    constraint sms_templates_message_template_check check (char_length(message_template) between 1 and 1600),
  -- The names of the variables the body requires, e.g. ["task", "due"].
  template_vars jsonb not null default '[]'::jsonb
    constraint sms_templates_template_vars_check check (jsonb_typeof(template_vars) = 'array'),
  notification_type text not null default 'custom'
    references public.sms_notification_types (key) on update cascade,
  is_active boolean not null default true,
  usage_count integer not null default 0 constraint sms_templates_usage_count_check check (usage_count >= 0),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index sms_templates_notification_type_idx on public.sms_templates (notification_type);

alter table public.sms_templates enable row level security;

create trigger sms_templates_set_updated_at
  before update on public.sms_templates
  for each row execute function public.set_updated_at();

create policy "Signed-in users can read active templates"
  on public.sms_templates for select to authenticated
  using (is_active);

create policy "Admins can read all templates"
  on public.sms_templates for select to authenticated
  using ((select public.is_admin()));

create policy "Admins can create templates"
  on public.sms_templates for insert to authenticated
  with check ((select public.is_admin()));

create policy "Admins can update templates"
  on public.sms_templates for update to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

create policy "Admins can delete templates"
  on public.sms_templates for delete to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_templates from anon, authenticated;
grant select, insert, update, delete on table public.sms_templates to authenticated;
