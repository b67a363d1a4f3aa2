-- Campaigns (issue 13): an import (the valid, deduplicated rows of an uploaded CSV), and a
-- campaign that sends one template or body to an import's recipients at a throttle. Members
-- read (viewer); every write goes through the SQL API (create_campaign, start_campaign, ...),
-- which checks the operator role itself, so authenticated has SELECT only.

create table public.sms_campaign_imports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  created_by uuid references auth.users (id) on delete set null,
  file_name text not null default 'upload.csv'
    constraint sms_campaign_imports_file_name_check check (char_length(file_name) between 1 and 255),
  -- The validation report the import answered with (rows, valid, duplicates, invalid, estimate).
  report jsonb not null default '{}'::jsonb
    constraint sms_campaign_imports_report_check check (jsonb_typeof(report) = 'object'),
  columns text[] not null default '{}',
  phone_column text,
  created_at timestamptz not null default now(),
  -- Uploaded lists hold personal data: they are kept for a week unless a campaign uses them.
  expires_at timestamptz not null default now() + interval '7 days'
);

create index sms_campaign_imports_org_created_idx on public.sms_campaign_imports (organization_id, created_at desc);

-- One row per valid, deduplicated CSV row. `variables` maps each column (as a template variable
-- name) to the cell's text. country and segments are what the import found (for the estimate).
create table public.sms_campaign_recipients (
  import_id uuid not null references public.sms_campaign_imports (id) on delete cascade,
  row_number integer not null constraint sms_campaign_recipients_row_check check (row_number >= 1),
  phone_number text not null constraint sms_campaign_recipients_phone_check check (public.is_e164(phone_number)),
  variables jsonb not null default '{}'::jsonb
    constraint sms_campaign_recipients_variables_check check (jsonb_typeof(variables) = 'object'),
  name text constraint sms_campaign_recipients_name_check check (char_length(name) <= 200),
  time_zone text,
  country text constraint sms_campaign_recipients_country_check check (country ~ '^[A-Z]{2}$'),
  segments integer not null default 1 constraint sms_campaign_recipients_segments_check check (segments between 1 and 30),
  primary key (import_id, row_number)
);

create table public.sms_campaigns (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null constraint sms_campaigns_name_check check (char_length(btrim(name)) between 1 and 200),
  status text not null default 'draft'
    constraint sms_campaigns_status_check check (status in ('draft', 'scheduled', 'sending', 'paused', 'completed', 'canceled')),
  template_id uuid references public.sms_templates (id) on delete set null,
  body text constraint sms_campaigns_body_check check (char_length(body) between 1 and 1600),
  notification_type text not null default 'custom'
    references public.sms_notification_types (key) on update cascade,
  import_id uuid references public.sms_campaign_imports (id) on delete set null,
  throttle_per_second numeric(8, 3) not null
    constraint sms_campaigns_throttle_check check (throttle_per_second > 0 and throttle_per_second <= 500),
  scheduled_at timestamptz,
  -- { texts, segments, byCountry: [{ country, texts, segments, unitPrice, currency, cost }] }
  estimate jsonb not null default '{}'::jsonb,
  estimated_cost numeric(14, 6),
  currency text,
  pause_reason text,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  canceled_at timestamptz,
  paused_at timestamptz,
  updated_at timestamptz not null default now(),
  -- Written by start_campaign (and retries): texts in the campaign, skipped at start, and
  -- queued to be handed to the provider. What has been handed over, finished and failed is
  -- counted in internal.sms_campaign_counters (sharded, so status updates never queue on this row).
  total_count integer not null default 0,
  skipped_count integer not null default 0,
  queued_count integer not null default 0,
  -- The breaker counts from here (set at resume, so a resumed campaign is judged afresh).
  breaker_final_base integer not null default 0,
  breaker_failed_base integer not null default 0,
  -- The workspace's spend this month when the campaign started (or resumed): the spend cap
  -- stops the campaign before spend_base + the cost dispatched since would pass the cap (read
  -- live, so a cap lowered mid-campaign counts). Not checked once an owner confirmed going over.
  spend_base numeric(14, 6) not null default 0,
  cost_base numeric(14, 6) not null default 0,
  over_cap_confirmed_by uuid references auth.users (id) on delete set null,
  start_result jsonb
);

create index sms_campaigns_org_created_idx on public.sms_campaigns (organization_id, created_at desc, id desc);
create index sms_campaigns_template_idx on public.sms_campaigns (template_id) where template_id is not null;

create trigger sms_campaigns_set_updated_at
  before update on public.sms_campaigns
  for each row execute function public.set_updated_at();

-- Per campaign and per shard (the writing backend's pid mod 64), cumulative: texts handed to
-- the provider (left waiting/dispatching), final (delivered or failed), failed, and the
-- estimated cost of texts that began dispatch. The totals are the sums over the shards.
create table internal.sms_campaign_counters (
  campaign_id uuid not null references public.sms_campaigns (id) on delete cascade,
  shard smallint not null,
  handed integer not null default 0,
  final integer not null default 0,
  failed integer not null default 0,
  dispatched_cost numeric(14, 6) not null default 0,
  primary key (campaign_id, shard)
);
revoke all on table internal.sms_campaign_counters from public, anon, authenticated;

create function internal.campaign_totals(p_campaign_id uuid)
returns table (handed integer, final integer, failed integer, dispatched_cost numeric)
language sql
stable
set search_path = ''
as $$
  select coalesce(sum(k.handed), 0)::integer, coalesce(sum(k.final), 0)::integer, coalesce(sum(k.failed), 0)::integer,
         coalesce(sum(k.dispatched_cost), 0)
  from internal.sms_campaign_counters k where k.campaign_id = p_campaign_id
$$;
revoke all on function internal.campaign_totals(uuid) from public, anon, authenticated;

-- The per-text estimate at queue time (campaign texts; cost reports show it beside the price).
alter table public.sms_messages add column estimated_cost numeric(12, 6);
alter table public.sms_messages
  add constraint sms_messages_campaign_id_fkey
  foreign key (campaign_id) references public.sms_campaigns (id) on delete set null;
-- The ETA counts a workspace's other waiting texts (the same sender).
create index sms_messages_org_waiting_idx on public.sms_messages (organization_id)
  where status in ('pending', 'scheduled') and direction = 'outbound';

alter table public.sms_campaign_imports enable row level security;
alter table public.sms_campaign_recipients enable row level security;
alter table public.sms_campaigns enable row level security;

create policy "Members can read their workspace's imports"
  on public.sms_campaign_imports for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

create policy "Members can read their workspace's import rows"
  on public.sms_campaign_recipients for select to authenticated
  using (exists (
    select 1 from public.sms_campaign_imports i
    where i.id = sms_campaign_recipients.import_id
      and (select public.has_org_role(i.organization_id, 'viewer'))
  ));

create policy "Members can read their workspace's campaigns"
  on public.sms_campaigns for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.sms_campaign_imports from anon, authenticated;
revoke all on table public.sms_campaign_recipients from anon, authenticated;
revoke all on table public.sms_campaigns from anon, authenticated;
grant select on table public.sms_campaign_imports to authenticated;
grant select on table public.sms_campaign_recipients to authenticated;
grant select on table public.sms_campaigns to authenticated;
grant select, insert, update, delete on table public.sms_campaign_imports to service_role;
grant select, insert, update, delete on table public.sms_campaign_recipients to service_role;
grant select, insert, update, delete on table public.sms_campaigns to service_role;

-- A template a live campaign (draft, scheduled, sending, paused) uses cannot be deleted.
create function internal.sms_templates_keep_campaign_templates()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_name text;
  v_status text;
begin
  select c.name, c.status into v_name, v_status from public.sms_campaigns c
  where c.template_id = old.id and c.status in ('draft', 'scheduled', 'sending', 'paused')
  order by c.created_at limit 1;
  if found then
    raise exception using errcode = 'CM020',
      message = format('template_in_use: the %s campaign "%s" uses this template; cancel it or pick another template first', v_status, v_name);
  end if;
  return old;
end;
$$;
revoke all on function internal.sms_templates_keep_campaign_templates() from public, anon, authenticated;

create trigger sms_templates_keep_campaign_templates
  before delete on public.sms_templates
  for each row execute function internal.sms_templates_keep_campaign_templates();
