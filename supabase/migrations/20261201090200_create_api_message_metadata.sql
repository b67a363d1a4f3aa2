-- The `metadata` a caller attached to a text sent through /api/v1 (any JSON object, e.g. an
-- event id), kept beside the text so queue_sms_message stays as it is for every other caller.
-- Written in the same transaction as the text; filterable (GIN) on GET /api/v1/messages.

create table public.api_message_metadata (
  message_id uuid primary key references public.sms_messages (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  api_key_id uuid references public.api_keys (id) on delete set null,
  metadata jsonb not null default '{}'::jsonb
    constraint api_message_metadata_object_check check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 16384),
  created_at timestamptz not null default now()
);

create index api_message_metadata_org_idx on public.api_message_metadata (organization_id);
create index api_message_metadata_gin_idx on public.api_message_metadata using gin (metadata jsonb_path_ops);

alter table public.api_message_metadata enable row level security;

create policy "Members can read their workspace's message metadata"
  on public.api_message_metadata for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.api_message_metadata from anon, authenticated, service_role;
grant select on table public.api_message_metadata to authenticated;
grant select, insert on table public.api_message_metadata to service_role;
