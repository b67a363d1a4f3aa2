-- Outbound webhooks (issue 15): a workspace's endpoints, one delivery per (event, endpoint) with
-- its own `deliver_webhook` job, and every attempt logged. Events are recorded in the same
-- transaction as the status change that causes them; the HTTP call happens later in the worker,
-- so a slow receiver never slows status ingestion. URLs are checked (SSRF) by the web server at
-- creation and by the worker, after DNS resolution, on every attempt.
--
-- Named exceptions:
--   WH001 invalid_webhook_url     not an http(s) URL (the web server checks the rest)
--   WH002 invalid_webhook_events  none, or one we do not send
--   WH003 unknown_webhook         no such endpoint / delivery in a workspace the caller administers

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  url text not null constraint webhook_endpoints_url_check check (url ~ '^https?://' and char_length(url) <= 2000),
  description text not null default '' constraint webhook_endpoints_description_check check (char_length(description) <= 200),
  events text[] not null constraint webhook_endpoints_events_check check (
    cardinality(events) >= 1 and events <@ array['message.sent', 'message.delivered', 'message.failed',
      'message.suppressed', 'contact.opted_out', 'contact.opted_in']),
  -- The signing secret (whsec_…): needed in clear to sign, so readable by no one but the service.
  secret text not null constraint webhook_endpoints_secret_check check (secret ~ '^whsec_'),
  enabled boolean not null default true,
  disabled_reason text,
  -- The first failed attempt since the last success: an endpoint failing for a day is disabled.
  failing_since timestamptz,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_endpoints_org_idx on public.webhook_endpoints (organization_id) where enabled;

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- webhook-id: the same on every attempt and on "send again", so receivers de-duplicate.
  event_id text not null,
  event_type text not null,
  payload jsonb not null,
  status text not null default 'pending'
    constraint webhook_deliveries_status_check check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  next_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  constraint webhook_deliveries_event_endpoint_key unique (event_id, endpoint_id)
);
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (endpoint_id, created_at desc);

create table public.webhook_delivery_attempts (
  id bigint generated always as identity primary key,
  delivery_id uuid not null references public.webhook_deliveries (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  attempt integer not null,
  started_at timestamptz not null default now(),
  status_code integer,
  latency_ms integer,
  response_excerpt text,
  error text,
  ok boolean not null
);
create index webhook_delivery_attempts_delivery_idx on public.webhook_delivery_attempts (delivery_id, id);

alter table public.webhook_endpoints enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.webhook_delivery_attempts enable row level security;

create policy "Admins can read their workspace's webhook endpoints"
  on public.webhook_endpoints for select to authenticated
  using ((select public.has_org_role(organization_id, 'admin')));
create policy "Admins can read their workspace's webhook deliveries"
  on public.webhook_deliveries for select to authenticated
  using ((select public.has_org_role(organization_id, 'admin')));
create policy "Admins can read their workspace's webhook attempts"
  on public.webhook_delivery_attempts for select to authenticated
  using ((select public.has_org_role(organization_id, 'admin')));

revoke all on table public.webhook_endpoints, public.webhook_deliveries, public.webhook_delivery_attempts
  from anon, authenticated, service_role;
-- Everything but the secret.
grant select (id, organization_id, url, description, events, enabled, disabled_reason, failing_since, created_by,
              created_at, updated_at) on table public.webhook_endpoints to authenticated;
grant select on table public.webhook_deliveries, public.webhook_delivery_attempts to authenticated;

-- Records one event for every enabled endpoint of the workspace that wants it, each with a job.
create function internal.enqueue_webhook_event(p_organization_id uuid, p_event_type text, p_event_id text, p_data jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_n integer;
begin
  with d as (
    insert into public.webhook_deliveries (endpoint_id, organization_id, event_id, event_type, payload, next_attempt_at)
    select e.id, e.organization_id, p_event_id, p_event_type,
           jsonb_build_object('type', p_event_type, 'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', p_data),
           now()
    from public.webhook_endpoints e
    where e.organization_id = p_organization_id and e.enabled and p_event_type = any (e.events)
    on conflict (event_id, endpoint_id) do nothing
    returning id
  ), j as (
    insert into public.queue_jobs (job_type, payload, priority, max_attempts, dedup_key)
    select 'deliver_webhook', jsonb_build_object('delivery_id', d.id), 2, 1000, 'deliver_webhook:' || d.id
    from d
    returning 1
  )
  select count(*)::integer into v_n from j;
  if v_n > 0 then
    perform pg_notify('webhook_jobs', p_event_type);
  end if;
  return v_n;
end;
$$;

-- Status changes become message.* events. Cheap when a workspace has no endpoint (one index probe).
create function internal.sms_messages_webhook_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type text := case new.status
    when 'sent' then 'message.sent'
    when 'delivered' then 'message.delivered'
    when 'failed' then 'message.failed'
    when 'undelivered' then 'message.failed'
    when 'suppressed' then 'message.suppressed'
  end;
begin
  if v_type is null or new.organization_id is null or new.direction <> 'outbound' then
    return null;
  end if;
  if not exists (select 1 from public.webhook_endpoints e where e.organization_id = new.organization_id and e.enabled) then
    return null;
  end if;
  perform internal.enqueue_webhook_event(new.organization_id, v_type, 'evt_' || new.id::text || '_' || new.status,
    jsonb_build_object('id', new.id, 'status', new.status, 'statusReason', new.status_reason,
      'userId', new.user_id, 'contactId', new.contact_id, 'phone', new.phone_number,
      'type', new.notification_type, 'errorCode', new.error_code, 'errorMessage', new.error_message,
      'metadata', coalesce((select md.metadata from public.api_message_metadata md where md.message_id = new.id), '{}'::jsonb)));
  return null;
end;
$$;

create trigger sms_messages_webhook_events
  after update of status on public.sms_messages
  for each row when (old.status is distinct from new.status)
  execute function internal.sms_messages_webhook_events();

-- The web server checks the URL (public https in production) before calling this.
create function public.create_webhook_endpoint(p_organization_id uuid, p_url text, p_events text[], p_secret text, p_description text default '')
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  perform internal.require_org_role(p_organization_id, 'admin');
  if p_url is null or p_url !~ '^https?://' or char_length(p_url) > 2000 then
    raise exception using errcode = 'WH001', message = 'invalid_webhook_url: give an https URL';
  end if;
  if p_events is null or cardinality(p_events) = 0 or not (p_events <@ array['message.sent', 'message.delivered',
      'message.failed', 'message.suppressed', 'contact.opted_out', 'contact.opted_in']) then
    raise exception using errcode = 'WH002', message = 'invalid_webhook_events: choose one or more events we send';
  end if;
  insert into public.webhook_endpoints (organization_id, url, events, secret, description, created_by)
  values (p_organization_id, p_url, p_events, p_secret, coalesce(p_description, ''), (select auth.uid()))
  returning id into v_id;
  perform internal.write_audit(p_organization_id, (select auth.uid()), 'webhook_endpoint.created', 'webhook_endpoint', v_id::text,
    null, jsonb_build_object('url', p_url, 'events', p_events), null);
  return v_id;
end;
$$;

create function public.delete_webhook_endpoint(p_endpoint_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.webhook_endpoints;
begin
  select * into v_row from public.webhook_endpoints where id = p_endpoint_id for update;
  if not found or not public.has_org_role(v_row.organization_id, 'admin') then
    raise exception using errcode = 'WH003', message = 'unknown_webhook: no such webhook endpoint';
  end if;
  delete from public.webhook_endpoints where id = p_endpoint_id;
  perform internal.write_audit(v_row.organization_id, (select auth.uid()), 'webhook_endpoint.deleted', 'webhook_endpoint',
    v_row.id::text, jsonb_build_object('url', v_row.url, 'events', v_row.events), null, null);
end;
$$;

-- "Send again": the same event (same webhook-id) once more, through a new job. Audited.
create function public.resend_webhook_delivery(p_delivery_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.webhook_deliveries;
begin
  select * into v_row from public.webhook_deliveries where id = p_delivery_id for update;
  if not found or not public.has_org_role(v_row.organization_id, 'admin') then
    raise exception using errcode = 'WH003', message = 'unknown_webhook: no such delivery';
  end if;
  update public.webhook_deliveries set status = 'pending', next_attempt_at = now() where id = p_delivery_id;
  insert into public.queue_jobs (job_type, payload, max_attempts, dedup_key)
  values ('deliver_webhook', jsonb_build_object('delivery_id', p_delivery_id, 'resend', true), 1000,
          'deliver_webhook:' || p_delivery_id || ':resend:' || gen_random_uuid());
  perform internal.write_audit(v_row.organization_id, (select auth.uid()), 'webhook_delivery.resent', 'webhook_delivery',
    v_row.id::text, null, jsonb_build_object('event_id', v_row.event_id), null);
  perform pg_notify('webhook_jobs', v_row.event_type);
end;
$$;

-- The worker: what to send for a delivery (null when the endpoint is gone or disabled).
create function public.webhook_delivery_for_job(p_delivery_id uuid)
returns table (delivery_id uuid, url text, secret text, event_id text, payload jsonb, attempts integer, status text)
language sql
stable
security definer
set search_path = ''
as $$
  select d.id, e.url, e.secret, d.event_id, d.payload, d.attempts, d.status
  from public.webhook_deliveries d join public.webhook_endpoints e on e.id = d.endpoint_id
  where d.id = p_delivery_id and e.enabled
$$;

-- The worker: logs one attempt and moves the delivery on. p_retry_at null = no more attempts.
-- An endpoint whose failures have lasted a day is disabled (audited; its admins see why).
create function public.record_webhook_attempt(
  p_delivery_id uuid, p_ok boolean, p_status_code integer, p_latency_ms integer,
  p_excerpt text, p_error text, p_retry_at timestamptz
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_d public.webhook_deliveries;
  v_e public.webhook_endpoints;
  v_status text;
begin
  update public.webhook_deliveries d set
    attempts = d.attempts + 1,
    status = case when p_ok then 'succeeded' when p_retry_at is null then 'failed' else 'pending' end,
    last_status_code = p_status_code, last_error = left(p_error, 500),
    next_attempt_at = case when p_ok then null else p_retry_at end,
    delivered_at = case when p_ok then now() else d.delivered_at end
  where d.id = p_delivery_id
  returning * into v_d;
  if not found then
    return null;
  end if;
  insert into public.webhook_delivery_attempts (delivery_id, organization_id, attempt, status_code, latency_ms, response_excerpt, error, ok)
  values (p_delivery_id, v_d.organization_id, v_d.attempts, p_status_code, p_latency_ms, left(p_excerpt, 1024), left(p_error, 500), p_ok);
  if p_ok then
    update public.webhook_endpoints set failing_since = null where id = v_d.endpoint_id and failing_since is not null;
  else
    update public.webhook_endpoints set failing_since = coalesce(failing_since, now())
    where id = v_d.endpoint_id returning * into v_e;
    if v_e.enabled and v_e.failing_since < now() - interval '24 hours' then
      update public.webhook_endpoints set enabled = false,
        disabled_reason = format('Disabled after failing since %s (last error: %s)', v_e.failing_since, coalesce(p_error, p_status_code::text))
      where id = v_e.id;
      perform internal.write_audit(v_e.organization_id, null, 'webhook_endpoint.disabled', 'webhook_endpoint', v_e.id::text,
        null, jsonb_build_object('url', v_e.url, 'failing_since', v_e.failing_since), null);
    end if;
  end if;
  return v_d.status;
end;
$$;

revoke execute on function internal.enqueue_webhook_event(uuid, text, text, jsonb) from public, anon, authenticated;
revoke execute on function public.create_webhook_endpoint(uuid, text, text[], text, text) from public, anon;
revoke execute on function public.delete_webhook_endpoint(uuid) from public, anon;
revoke execute on function public.resend_webhook_delivery(uuid) from public, anon;
revoke execute on function public.webhook_delivery_for_job(uuid) from public, anon, authenticated;
revoke execute on function public.record_webhook_attempt(uuid, boolean, integer, integer, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.create_webhook_endpoint(uuid, text, text[], text, text) to authenticated;
grant execute on function public.delete_webhook_endpoint(uuid) to authenticated;
grant execute on function public.resend_webhook_delivery(uuid) to authenticated;
grant execute on function public.webhook_delivery_for_job(uuid) to service_role;
grant execute on function public.record_webhook_attempt(uuid, boolean, integer, integer, text, text, timestamptz) to service_role;
