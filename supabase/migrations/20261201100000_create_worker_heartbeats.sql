-- Operations (issue 16): each worker says it is alive, and each reconciliation run leaves a row,
-- so the readiness check and the console's health page can tell what is wrong.

create schema if not exists internal;

-- One row per worker process, upserted every few seconds. The previous sample is kept beside
-- the current one so "sent per minute" needs no history table.
create table public.worker_heartbeats (
  worker_id text primary key
    constraint worker_heartbeats_worker_id_check check (char_length(worker_id) between 1 and 200),
  version text not null default '',
  concurrency integer not null default 0,
  in_flight integer not null default 0,
  sent_count bigint not null default 0,
  started_at timestamptz not null default now(),
  last_seen timestamptz not null default now(),
  previous_sent_count bigint,
  previous_seen timestamptz,
  stopped_at timestamptz
);

create index worker_heartbeats_last_seen_idx on public.worker_heartbeats (last_seen desc);

alter table public.worker_heartbeats enable row level security;
-- No policies: read through workspace_health() (members) and written by the worker only.
revoke all on table public.worker_heartbeats from anon, authenticated;
grant select, insert, update, delete on table public.worker_heartbeats to service_role;

create function public.record_worker_heartbeat(
  p_worker_id text,
  p_version text,
  p_concurrency integer,
  p_in_flight integer,
  p_sent_count bigint,
  p_stopped boolean default false
)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.worker_heartbeats (worker_id, version, concurrency, in_flight, sent_count, stopped_at)
  values (p_worker_id, coalesce(p_version, ''), greatest(p_concurrency, 0), greatest(p_in_flight, 0),
          greatest(p_sent_count, 0), case when p_stopped then now() end)
  on conflict (worker_id) do update set
    version = excluded.version,
    concurrency = excluded.concurrency,
    in_flight = excluded.in_flight,
    previous_sent_count = public.worker_heartbeats.sent_count,
    previous_seen = public.worker_heartbeats.last_seen,
    sent_count = excluded.sent_count,
    last_seen = now(),
    stopped_at = excluded.stopped_at;
  -- Workers gone for a day are history, not news.
  delete from public.worker_heartbeats where last_seen < now() - interval '1 day';
$$;

revoke execute on function public.record_worker_heartbeat(text, text, integer, integer, bigint, boolean) from public, anon, authenticated;
grant execute on function public.record_worker_heartbeat(text, text, integer, integer, bigint, boolean) to service_role;

-- The readiness check's question: has any worker (not stopped) been seen within p_seconds?
create function public.worker_alive(p_seconds integer default 30)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.worker_heartbeats
    where stopped_at is null and last_seen > now() - make_interval(secs => greatest(p_seconds, 1))
  )
$$;

revoke execute on function public.worker_alive(integer) from public, anon, authenticated;
grant execute on function public.worker_alive(integer) to service_role;

-- One row per reconciliation run that held the lock: what it polled and what it changed.
create table public.reconciler_runs (
  id bigint generated always as identity primary key,
  worker_id text not null,
  started_at timestamptz not null,
  finished_at timestamptz not null default now(),
  polled integer not null default 0,
  changed integer not null default 0,
  errors integer not null default 0
);

create index reconciler_runs_finished_idx on public.reconciler_runs (finished_at desc);

alter table public.reconciler_runs enable row level security;
revoke all on table public.reconciler_runs from anon, authenticated;
grant select, insert, delete on table public.reconciler_runs to service_role;

create function public.record_reconciler_run(
  p_worker_id text,
  p_started_at timestamptz,
  p_polled integer,
  p_changed integer,
  p_errors integer
)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.reconciler_runs (worker_id, started_at, polled, changed, errors)
  values (p_worker_id, p_started_at, greatest(p_polled, 0), greatest(p_changed, 0), greatest(p_errors, 0));
  delete from public.reconciler_runs where finished_at < now() - interval '7 days';
$$;

revoke execute on function public.record_reconciler_run(text, timestamptz, integer, integer, integer) from public, anon, authenticated;
grant execute on function public.record_reconciler_run(text, timestamptz, integer, integer, integer) to service_role;

-- Where a queued text's job is: the workspace's due jobs are the send_sms jobs of its messages.
create index if not exists sms_messages_queue_job_idx on public.sms_messages (queue_job_id) where queue_job_id is not null;

-- The provider a text went through. issue 14 adds the `provider` column; until it has landed
-- every text went through Twilio. Read through to_jsonb so this works before and after.
create function internal.message_provider(p_message public.sms_messages)
returns text
language sql
immutable
set search_path = ''
as $$
  select coalesce(to_jsonb(p_message) ->> 'provider', 'twilio')
$$;

-- Everything the console's health page shows, for one workspace (members only). Parts that
-- come from other features (webhook rejections, the pricing cache) are read only when their
-- table exists, so this works whichever of them has landed.
create function public.workspace_health(p_organization_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_workers jsonb;
  v_queue jsonb;
  v_lag jsonb;
  v_rejected bigint;
  v_pricing jsonb;
  v_reconciler jsonb;
begin
  if not public.has_org_role(p_organization_id, 'viewer') then
    raise exception using errcode = 'WS001', message = 'forbidden: you are not a member of this workspace';
  end if;

  select coalesce(jsonb_agg(jsonb_build_object(
           'workerId', h.worker_id,
           'version', h.version,
           'concurrency', h.concurrency,
           'inFlight', h.in_flight,
           'sentCount', h.sent_count,
           'startedAt', h.started_at,
           'lastSeen', h.last_seen,
           'stopped', h.stopped_at is not null,
           'alive', h.stopped_at is null and h.last_seen > now() - interval '30 seconds',
           'sentPerMinute', case
             when h.previous_seen is not null and h.last_seen > h.previous_seen
               then round(((h.sent_count - h.previous_sent_count) * 60.0
                           / extract(epoch from h.last_seen - h.previous_seen))::numeric, 1)
           end
         ) order by h.last_seen desc), '[]'::jsonb)
    into v_workers
    from public.worker_heartbeats h;

  select jsonb_build_object(
           'depth', count(*),
           'oldestDueAt', min(j.run_at),
           'oldestDueSeconds', floor(extract(epoch from now() - min(j.run_at)))
         )
    into v_queue
    from public.sms_messages m
    join public.queue_jobs j on j.id = m.queue_job_id
   where m.organization_id = p_organization_id
     and m.status in ('pending', 'scheduled', 'dispatching')
     and j.status = 'pending' and j.run_at <= now();

  -- Callback lag: median seconds from our send to the provider's first callback, last hour.
  select coalesce(jsonb_agg(jsonb_build_object('provider', l.provider, 'medianSeconds', l.median_seconds, 'texts', l.texts)
                            order by l.provider), '[]'::jsonb)
    into v_lag
    from (
      select internal.message_provider(m) as provider,
             round((percentile_cont(0.5) within group (order by extract(epoch from f.first_at - m.sent_at)))::numeric, 1) as median_seconds,
             count(*) as texts
        from public.sms_messages m
        cross join lateral (
          select min(e.received_at) as first_at from public.sms_delivery_events e
           where e.message_id = m.id and e.source = 'webhook'
        ) f
       where m.organization_id = p_organization_id
         and m.sent_at > now() - interval '1 hour'
         and f.first_at is not null
       group by 1
    ) l;

  if to_regclass('public.sms_webhook_rejections') is not null then
    execute 'select count(*) from public.sms_webhook_rejections where received_at > now() - interval ''1 hour'''
      into v_rejected;
  end if;

  if to_regclass('public.sms_pricing') is not null then
    execute 'select jsonb_build_object(''countries'', count(*), ''newestFetchedAt'', max(fetched_at), ''oldestFetchedAt'', min(fetched_at),
                     ''ageSeconds'', floor(extract(epoch from now() - max(fetched_at)))) from public.sms_pricing'
      into v_pricing;
  end if;

  select jsonb_build_object('workerId', r.worker_id, 'startedAt', r.started_at, 'finishedAt', r.finished_at,
                            'polled', r.polled, 'changed', r.changed, 'errors', r.errors)
    into v_reconciler
    from public.reconciler_runs r
   order by r.finished_at desc
   limit 1;

  return jsonb_build_object(
    'now', now(),
    'workers', v_workers,
    'queue', v_queue,
    'callbackLag', v_lag,
    'rejectedCallbacksLastHour', v_rejected,
    'pricing', v_pricing,
    'reconciler', v_reconciler
  );
end;
$$;

revoke execute on function public.workspace_health(uuid) from public, anon;
grant execute on function public.workspace_health(uuid) to authenticated, service_role;
