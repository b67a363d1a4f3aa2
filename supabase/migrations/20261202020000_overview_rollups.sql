-- The console overview (issue 12) needs two figures sms_message_rollups cannot give: the p95
-- of sent → delivered (a sum and a count make an average, not a percentile) and the top
-- failure reasons (the rollup has no error code). Two more rollups, kept by the same statement
-- triggers in the same transaction, the same way (insert-only deltas, folded later):
--
-- * sms_latency_rollups: workspace × hour × latency bucket. Buckets are logarithmic, eight per
--   doubling (bucket b holds 2^(b/8) ≤ ms < 2^((b+1)/8), 0 ms counted as 1 ms), so any
--   percentile read from them is within ±4.5 % and a month is a few thousand rows at most.
-- * sms_failure_rollups: workspace × hour × error code (0 = none given) over failed texts.
--
-- The bucket is the text's created_at hour, like sms_message_rollups, so the overview's cards,
-- chart and reasons count the same texts for a range.
--
-- The trigger also NOTIFYs 'sms_workspace' with each touched workspace's id, so open overview
-- pages refresh (identical notifications in one transaction are sent once, on commit).

create table public.sms_latency_rollups (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  bucket timestamptz not null constraint sms_latency_rollups_bucket_check check (bucket = date_trunc('hour', bucket)),
  latency_bucket smallint not null,
  messages bigint not null default 0,
  latency_ms bigint not null default 0
);

create index sms_latency_rollups_org_bucket_idx on public.sms_latency_rollups (organization_id, bucket);

alter table public.sms_latency_rollups enable row level security;

create policy "Members can read their workspace's latency rollups"
  on public.sms_latency_rollups for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.sms_latency_rollups from anon, authenticated, service_role;
grant select on table public.sms_latency_rollups to authenticated, service_role;

create table public.sms_failure_rollups (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  bucket timestamptz not null constraint sms_failure_rollups_bucket_check check (bucket = date_trunc('hour', bucket)),
  error_code integer not null,
  messages bigint not null default 0
);

create index sms_failure_rollups_org_bucket_idx on public.sms_failure_rollups (organization_id, bucket);

alter table public.sms_failure_rollups enable row level security;

create policy "Members can read their workspace's failure rollups"
  on public.sms_failure_rollups for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.sms_failure_rollups from anon, authenticated, service_role;
grant select on table public.sms_failure_rollups to authenticated, service_role;

-- The latency bucket of a sent → delivered time in milliseconds (the overview turns buckets
-- back into bounds in src/lib/server/console/latency.ts; a db test checks they agree). numeric
-- log is exact at powers of two, where a float ln() ratio may land a hair under the boundary.
-- No SET clause, so it inlines into the trigger's INSERT … SELECT.
create function internal.sms_latency_bucket(p_ms bigint)
returns smallint
language sql
immutable
parallel safe
as $$
  select floor(log(2::numeric, greatest(p_ms, 1)::numeric) * 8)::smallint
$$;

revoke all on function internal.sms_latency_bucket(bigint) from public, anon, authenticated;

-- The overview's deltas from the old rows to the new ones, as sms_rollup_apply does for
-- sms_message_rollups (outbound texts of a live workspace only).
create function internal.sms_overview_rollup_apply(p_old public.sms_messages[], p_new public.sms_messages[])
returns void
language sql
set search_path = ''
as $$
  with changed as (
    select s.sign, (s.m).organization_id, date_trunc('hour', (s.m).created_at) as bucket, s.m
    from (
      select -1::bigint as sign, m from unnest(coalesce(p_old, '{}')) m
      union all
      select 1::bigint, m from unnest(coalesce(p_new, '{}')) m
    ) s
    where (s.m).direction = 'outbound' and (s.m).organization_id is not null
      and ((s.m).status in ('failed', 'undelivered')
        or ((s.m).status = 'delivered' and (s.m).sent_at is not null and (s.m).delivered_at is not null))
      and exists (select 1 from public.organizations o where o.id = (s.m).organization_id)
  ),
  latency as (
    select sign, organization_id, bucket,
      greatest(0, (extract(epoch from ((m).delivered_at - (m).sent_at)) * 1000)::bigint) as ms
    from changed where (m).status = 'delivered'
  ),
  latency_rows as (
    insert into public.sms_latency_rollups (organization_id, bucket, latency_bucket, messages, latency_ms)
    select organization_id, bucket, internal.sms_latency_bucket(ms), sum(sign), sum(sign * ms)
    from latency
    group by 1, 2, 3
    having sum(sign) <> 0 or sum(sign * ms) <> 0
    returning 1
  )
  insert into public.sms_failure_rollups (organization_id, bucket, error_code, messages)
  select organization_id, bucket, coalesce((m).error_code, 0), sum(sign)
  from changed where (m).status in ('failed', 'undelivered')
  group by 1, 2, 3
  having sum(sign) <> 0
$$;

revoke all on function internal.sms_overview_rollup_apply(public.sms_messages[], public.sms_messages[]) from public, anon, authenticated;

-- Redefined (first in 20261201060000): the same rollup, plus the overview's and the
-- workspace notification.
create or replace function internal.sms_messages_rollup()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old public.sms_messages[];
  v_new public.sms_messages[];
begin
  -- Each branch names only the transition tables its event has.
  if tg_op in ('UPDATE', 'DELETE') then
    select array_agg(o::public.sms_messages) into v_old from old_rows o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    select array_agg(n::public.sms_messages) into v_new from new_rows n;
  end if;
  perform internal.sms_rollup_apply(v_old, v_new);
  perform internal.sms_overview_rollup_apply(v_old, v_new);
  perform pg_notify('sms_workspace', w.id::text)
  from (
    select distinct m.organization_id as id
    from unnest(coalesce(v_old, '{}') || coalesce(v_new, '{}')) m
    where m.organization_id is not null and m.direction = 'outbound'
  ) w;
  return null;
end;
$$;

revoke all on function internal.sms_messages_rollup() from public, anon, authenticated;

-- Folds each key's deltas into one row, as compact_sms_message_rollups does. The worker's
-- sweep calls both. Returns how many rows it removed.
create function public.compact_sms_overview_rollups(p_organization_id uuid default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_latency bigint;
  v_failure bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended('sms_overview_rollups:compact', 0));
  with keys as (
    select organization_id, bucket, latency_bucket
    from public.sms_latency_rollups
    where p_organization_id is null or organization_id = p_organization_id
    group by 1, 2, 3
    having count(*) > 1 or (sum(messages) = 0 and sum(latency_ms) = 0)
  ),
  moved as (
    delete from public.sms_latency_rollups r
    using keys k
    where r.organization_id = k.organization_id and r.bucket = k.bucket and r.latency_bucket = k.latency_bucket
    returning r.*
  ),
  folded as (
    insert into public.sms_latency_rollups (organization_id, bucket, latency_bucket, messages, latency_ms)
    select organization_id, bucket, latency_bucket, sum(messages), sum(latency_ms)
    from moved
    group by 1, 2, 3
    having sum(messages) <> 0 or sum(latency_ms) <> 0
    returning 1
  )
  select (select count(*) from moved) - (select count(*) from folded) into v_latency;

  with keys as (
    select organization_id, bucket, error_code
    from public.sms_failure_rollups
    where p_organization_id is null or organization_id = p_organization_id
    group by 1, 2, 3
    having count(*) > 1 or sum(messages) = 0
  ),
  moved as (
    delete from public.sms_failure_rollups r
    using keys k
    where r.organization_id = k.organization_id and r.bucket = k.bucket and r.error_code = k.error_code
    returning r.*
  ),
  folded as (
    insert into public.sms_failure_rollups (organization_id, bucket, error_code, messages)
    select organization_id, bucket, error_code, sum(messages)
    from moved
    group by 1, 2, 3
    having sum(messages) <> 0
    returning 1
  )
  select (select count(*) from moved) - (select count(*) from folded) into v_failure;
  return v_latency + v_failure;
end;
$$;

revoke execute on function public.compact_sms_overview_rollups(uuid) from public, anon, authenticated;
grant execute on function public.compact_sms_overview_rollups(uuid) to service_role;

-- Texts sent before this migration.
select internal.sms_overview_rollup_apply(null::public.sms_messages[], (select array_agg(m) from public.sms_messages m));
