-- One row per text, outbound or inbound. Inbound texts are rows with direction 'inbound' and
-- status 'received' (user_id is null when the number belongs to nobody).
-- Rows are written only through the SQL API (queue_sms_message, apply_sms_status, ...).

create table public.sms_messages (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users (id) on delete cascade,
  direction text not null default 'outbound'
    constraint sms_messages_direction_check check (direction in ('outbound', 'inbound')),
  phone_number text not null constraint sms_messages_phone_number_check check (public.is_e164(phone_number)),
  message_content text not null,
  template_id uuid references public.sms_templates (id) on delete set null,
  template_key text,
  template_vars jsonb,
  notification_type text not null default 'custom'
    references public.sms_notification_types (key) on update cascade,
  priority text not null default 'normal'
    constraint sms_messages_priority_check check (priority in ('low', 'normal', 'high', 'urgent')),
  status text not null default 'pending'
    constraint sms_messages_status_check check (status in (
      'pending', 'scheduled', 'dispatching', 'queued', 'sending', 'sent',
      'delivered', 'undelivered', 'failed', 'suppressed', 'canceled', 'received'
    )),
  -- Twilio's own latest status word, verbatim.
  provider_status text,
  -- Why the message is scheduled / suppressed / failed, in words the UI can show.
  status_reason text,
  twilio_sid text unique,
  segments integer constraint sms_messages_segments_check check (segments is null or segments >= 0),
  encoding text,
  price numeric(10, 5),
  price_unit text,
  error_code integer,
  error_message text,
  attempt_count integer not null default 0,
  scheduled_for timestamptz,
  dispatched_at timestamptz,
  sent_at timestamptz,
  delivered_at timestamptz,
  failed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  campaign_id uuid,
  queue_job_id uuid,
  dedup_key text unique,
  constraint sms_messages_content_length_check
    check (direction = 'inbound' or char_length(message_content) between 1 and 1600),
  constraint sms_messages_outbound_user_check
    check (direction = 'inbound' or user_id is not null),
  constraint sms_messages_inbound_status_check
    check ((direction = 'inbound') = (status = 'received'))
);

-- A user's history, newest first, keyset-paginated.
create index sms_messages_user_created_idx on public.sms_messages (user_id, created_at desc, id desc);
-- The admin delivery log, newest first.
create index sms_messages_created_idx on public.sms_messages (created_at desc, id desc);
-- Reconciliation: messages stuck between dispatch and a final state.
create index sms_messages_reconcile_idx on public.sms_messages (status, updated_at)
  where status in ('dispatching', 'queued', 'sending', 'sent');
create index sms_messages_campaign_idx on public.sms_messages (campaign_id) where campaign_id is not null;
create index sms_messages_template_idx on public.sms_messages (template_id) where template_id is not null;

alter table public.sms_messages enable row level security;

create trigger sms_messages_set_updated_at
  before update on public.sms_messages
  for each row execute function public.set_updated_at();

create policy "Users can read their own messages"
  on public.sms_messages for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Admins can read all messages"
  on public.sms_messages for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_messages from anon, authenticated;
grant select on table public.sms_messages to authenticated;
