-- The overview for 30 days read every hourly rollup row of the month: sms_message_rollups
-- crosses hour × status × type × provider × calling code, so a month of a busy workspace is
-- ~100,000 rows (a third of the texts themselves) and the page was no faster than counting the
-- raw table. The hourly rollups stay (any zone's day is a run of whole hours), but the overview
-- now reads few rows:
--
-- * kind 'hour': hour × status only (texts, price, priced) — the daily chart, the cards and the
--   cost: 24 × ~6 rows a day;
-- * kind 'day': UTC day × status × type × calling code — the rates by type and by country;
-- * kind 'latency': UTC day × latency bucket (the sent → delivered histogram, p95 and average);
-- * kind 'failure': UTC day × error code (the top failure reasons).
--
-- A range in the viewer's zone is its whole UTC days (from the day kinds) plus at most a day's
-- worth of edge hours (from the hourly tables): whole local days at a whole-hour offset cut one
-- UTC day into two edges. Kept by a statement trigger in the same transaction, as insert-only
-- deltas folded by compact_sms_overview_rollups, like the others. Unused keys are
-- '' / -1 (not null, so a key compares with = when folding).

create table public.sms_overview_rollups (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null constraint sms_overview_rollups_kind_check check (kind in ('hour', 'day', 'latency', 'failure')),
  bucket timestamptz not null,
  status text not null default '',
  notification_type text not null default '',
  calling_code text not null default '',
  latency_bucket smallint not null default -1,
  error_code integer not null default -1,
  messages bigint not null default 0,
  price numeric not null default 0,
  priced bigint not null default 0,
  latency_ms bigint not null default 0,
  constraint sms_overview_rollups_bucket_check check (
    bucket = case when kind = 'hour' then date_trunc('hour', bucket) else date_trunc('day', bucket, 'UTC') end)
);

create index sms_overview_rollups_org_kind_bucket_idx on public.sms_overview_rollups (organization_id, kind, bucket);

alter table public.sms_overview_rollups enable row level security;

create policy "Members can read their workspace's overview rollups"
  on public.sms_overview_rollups for select to authenticated
  using (organization_id = any ((select public.org_ids_with_role('viewer'))::uuid[]));

revoke all on table public.sms_overview_rollups from anon, authenticated, service_role;
grant select on table public.sms_overview_rollups to authenticated, service_role;

-- Kept by a statement trigger of its own (not by redefining sms_overview_rollup_apply, which
-- the worker's drain work redefines after this migration): the deltas from the old rows to the
-- new ones, outbound texts of a live workspace only, as the other rollups count them. An
-- UPDATE that changes none of the columns counted here writes nothing.
create function internal.sms_overview_day_rollup()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old public.sms_messages[];
  v_new public.sms_messages[];
begin
  -- (Nested: an INSERT's statement has no old_rows to plan against.)
  if tg_op = 'UPDATE' then
    if not exists (
      select 1 from old_rows o join new_rows n on n.id = o.id
      where (o.organization_id, o.direction, o.created_at, o.status, o.notification_type, o.calling_code,
             o.price, o.sent_at, o.delivered_at, o.error_code)
            is distinct from
            (n.organization_id, n.direction, n.created_at, n.status, n.notification_type, n.calling_code,
             n.price, n.sent_at, n.delivered_at, n.error_code)
    ) then
      return null;
    end if;
  end if;
  -- Each branch names only the transition tables its event has.
  if tg_op in ('UPDATE', 'DELETE') then
    select array_agg(o::public.sms_messages) into v_old from old_rows o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    select array_agg(n::public.sms_messages) into v_new from new_rows n;
  end if;
  with signed as (
    select s.sign, (s.m).organization_id, s.m
    from (
      select -1::bigint as sign, m from unnest(coalesce(v_old, '{}')) m
      union all
      select 1::bigint, m from unnest(coalesce(v_new, '{}')) m
    ) s
    where (s.m).direction = 'outbound' and (s.m).organization_id is not null
      and exists (select 1 from public.organizations o where o.id = (s.m).organization_id)
  ),
  latency as (
    select sign, organization_id, (m).created_at,
      greatest(0, (extract(epoch from ((m).delivered_at - (m).sent_at)) * 1000)::bigint) as ms
    from signed where (m).status = 'delivered' and (m).sent_at is not null and (m).delivered_at is not null
  ),
  overview as (
    select sign, organization_id, 'hour' as kind, date_trunc('hour', (m).created_at) as bucket, (m).status,
      '' as notification_type, '' as calling_code, -1::smallint as latency_bucket, -1 as error_code,
      coalesce((m).price, 0) as price, ((m).price is not null)::int::bigint as priced, 0::bigint as ms
    from signed
    union all
    select sign, organization_id, 'day', date_trunc('day', (m).created_at, 'UTC'), (m).status,
      (m).notification_type, coalesce((m).calling_code, ''), -1, -1, 0, 0, 0
    from signed
    union all
    select sign, organization_id, 'latency', date_trunc('day', created_at, 'UTC'), '', '', '',
      internal.sms_latency_bucket(ms), -1, 0, 0, ms
    from latency
    union all
    select sign, organization_id, 'failure', date_trunc('day', (m).created_at, 'UTC'), '', '', '', -1,
      coalesce((m).error_code, 0), 0, 0, 0
    from signed where (m).status in ('failed', 'undelivered')
  )
  insert into public.sms_overview_rollups (organization_id, kind, bucket, status, notification_type, calling_code,
    latency_bucket, error_code, messages, price, priced, latency_ms)
  select organization_id, kind, bucket, status, notification_type, calling_code, latency_bucket, error_code,
    sum(sign), sum(sign * price), sum(sign * priced), sum(sign * ms)
  from overview
  group by 1, 2, 3, 4, 5, 6, 7, 8
  having sum(sign) <> 0 or sum(sign * price) <> 0 or sum(sign * priced) <> 0 or sum(sign * ms) <> 0;
  return null;
end;
$$;

revoke all on function internal.sms_overview_day_rollup() from public, anon, authenticated;

create trigger sms_messages_overview_rollup_insert
  after insert on public.sms_messages
  referencing new table as new_rows
  for each statement execute function internal.sms_overview_day_rollup();

create trigger sms_messages_overview_rollup_update
  after update on public.sms_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.sms_overview_day_rollup();

create trigger sms_messages_overview_rollup_delete
  after delete on public.sms_messages
  referencing old table as old_rows
  for each statement execute function internal.sms_overview_day_rollup();

-- Redefined (first in 20261202020000): also folds sms_overview_rollups.
create or replace function public.compact_sms_overview_rollups(p_organization_id uuid default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_latency bigint;
  v_failure bigint;
  v_overview bigint;
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

  with keys as (
    select organization_id, kind, bucket, status, notification_type, calling_code, latency_bucket, error_code
    from public.sms_overview_rollups
    where p_organization_id is null or organization_id = p_organization_id
    group by 1, 2, 3, 4, 5, 6, 7, 8
    having count(*) > 1 or (sum(messages) = 0 and sum(price) = 0 and sum(priced) = 0 and sum(latency_ms) = 0)
  ),
  moved as (
    delete from public.sms_overview_rollups r
    using keys k
    where r.organization_id = k.organization_id and r.kind = k.kind and r.bucket = k.bucket and r.status = k.status
      and r.notification_type = k.notification_type and r.calling_code = k.calling_code
      and r.latency_bucket = k.latency_bucket and r.error_code = k.error_code
    returning r.*
  ),
  folded as (
    insert into public.sms_overview_rollups (organization_id, kind, bucket, status, notification_type, calling_code,
      latency_bucket, error_code, messages, price, priced, latency_ms)
    select organization_id, kind, bucket, status, notification_type, calling_code, latency_bucket, error_code,
      sum(messages), sum(price), sum(priced), sum(latency_ms)
    from moved
    group by 1, 2, 3, 4, 5, 6, 7, 8
    having sum(messages) <> 0 or sum(price) <> 0 or sum(priced) <> 0 or sum(latency_ms) <> 0
    returning 1
  )
  select (select count(*) from moved) - (select count(*) from folded) into v_overview;
  return v_latency + v_failure + v_overview;
end;
$$;

revoke execute on function public.compact_sms_overview_rollups(uuid) from public, anon, authenticated;
grant execute on function public.compact_sms_overview_rollups(uuid) to service_role;

-- Redefined (first in 20261202020100): same answer, read from the kinds above for the range's
-- whole UTC days and from the hourly tables for the hours at its edges.
create or replace function public.workspace_overview(p_organization_id uuid, p_from timestamptz, p_to timestamptz, p_time_zone text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_zone text := case when public.is_valid_time_zone(p_time_zone) then p_time_zone else 'UTC' end;
  -- [v_d0, v_d1): the whole UTC days inside the range (empty when there are none).
  v_d0 timestamptz := date_trunc('day', p_from + interval '1 day' - interval '1 microsecond', 'UTC');
  v_d1 timestamptz := date_trunc('day', p_to, 'UTC');
begin
  perform internal.require_org_role(p_organization_id, 'viewer');
  if v_d0 >= v_d1 then
    v_d0 := p_to;
    v_d1 := p_to;
  end if;
  return jsonb_build_object(
    'grouped', coalesce((
      select jsonb_agg(jsonb_build_object('day', g.day, 'type', g.type, 'code', g.code, 'phase', g.phase,
        'messages', g.messages, 'price', g.price, 'priced', g.priced))
      from (
        -- The chart, the cards and the cost: local day × phase, from the hour × status rows.
        select to_char(h.bucket at time zone v_zone, 'YYYY-MM-DD') as day, null::text as type, null::text as code,
          public.sms_status_phase(h.status) as phase, sum(h.messages) as messages, sum(h.price) as price, sum(h.priced) as priced
        from (
          select x.bucket, x.status, sum(x.messages) as messages, sum(x.price) as price, sum(x.priced) as priced
          from public.sms_overview_rollups x
          where x.organization_id = p_organization_id and x.kind = 'hour' and x.bucket >= p_from and x.bucket < p_to
          group by 1, 2
        ) h
        group by 1, 4
        having sum(h.messages) <> 0 or sum(h.priced) <> 0
        union all
        -- The rates by type and by country: whole days plus the edge hours.
        select null, r.type, r.code, r.phase, sum(r.messages), 0, 0
        from (
          select x.notification_type as type, x.calling_code as code, public.sms_status_phase(x.status) as phase, x.messages
          from public.sms_overview_rollups x
          where x.organization_id = p_organization_id and x.kind = 'day' and x.bucket >= v_d0 and x.bucket < v_d1
          union all
          select x.notification_type, x.calling_code, public.sms_status_phase(x.status), x.messages
          from public.sms_message_rollups x
          where x.organization_id = p_organization_id
            and ((x.bucket >= p_from and x.bucket < v_d0) or (x.bucket >= v_d1 and x.bucket < p_to))
        ) r
        group by grouping sets ((r.type, r.phase), (r.code, r.phase))
        having sum(r.messages) <> 0
      ) g), '[]'::jsonb),
    'failures', coalesce((
      select jsonb_agg(jsonb_build_object('code', f.code, 'messages', f.messages) order by f.messages desc, f.code)
      from (
        select e.code, sum(e.messages) as messages
        from (
          select x.error_code as code, x.messages
          from public.sms_overview_rollups x
          where x.organization_id = p_organization_id and x.kind = 'failure' and x.bucket >= v_d0 and x.bucket < v_d1
          union all
          select x.error_code, x.messages
          from public.sms_failure_rollups x
          where x.organization_id = p_organization_id
            and ((x.bucket >= p_from and x.bucket < v_d0) or (x.bucket >= v_d1 and x.bucket < p_to))
        ) e
        group by 1 having sum(e.messages) > 0
        order by 2 desc, 1 limit 10
      ) f), '[]'::jsonb),
    'latency', coalesce((
      select jsonb_agg(jsonb_build_object('bucket', l.bucket, 'messages', l.messages, 'ms', l.ms))
      from (
        select e.bucket, sum(e.messages) as messages, sum(e.ms) as ms
        from (
          select x.latency_bucket as bucket, x.messages, x.latency_ms as ms
          from public.sms_overview_rollups x
          where x.organization_id = p_organization_id and x.kind = 'latency' and x.bucket >= v_d0 and x.bucket < v_d1
          union all
          select x.latency_bucket, x.messages, x.latency_ms
          from public.sms_latency_rollups x
          where x.organization_id = p_organization_id
            and ((x.bucket >= p_from and x.bucket < v_d0) or (x.bucket >= v_d1 and x.bucket < p_to))
        ) e
        group by 1
        having sum(e.messages) <> 0 or sum(e.ms) <> 0
      ) l), '[]'::jsonb)
  );
end;
$$;

revoke execute on function public.workspace_overview(uuid, timestamptz, timestamptz, text) from public, anon;
grant execute on function public.workspace_overview(uuid, timestamptz, timestamptz, text) to authenticated, service_role;

-- Texts counted before this migration, from the hourly rollups (writes wait until it commits).
lock table public.sms_messages in share mode;

insert into public.sms_overview_rollups (organization_id, kind, bucket, status, messages, price, priced)
select organization_id, 'hour', bucket, status, sum(messages), sum(price), sum(priced)
from public.sms_message_rollups group by 1, 2, 3, 4
having sum(messages) <> 0 or sum(price) <> 0 or sum(priced) <> 0;

insert into public.sms_overview_rollups (organization_id, kind, bucket, status, notification_type, calling_code, messages)
select organization_id, 'day', date_trunc('day', bucket, 'UTC'), status, notification_type, calling_code, sum(messages)
from public.sms_message_rollups group by 1, 2, 3, 4, 5, 6
having sum(messages) <> 0;

insert into public.sms_overview_rollups (organization_id, kind, bucket, latency_bucket, messages, latency_ms)
select organization_id, 'latency', date_trunc('day', bucket, 'UTC'), latency_bucket, sum(messages), sum(latency_ms)
from public.sms_latency_rollups group by 1, 2, 3, 4
having sum(messages) <> 0 or sum(latency_ms) <> 0;

insert into public.sms_overview_rollups (organization_id, kind, bucket, error_code, messages)
select organization_id, 'failure', date_trunc('day', bucket, 'UTC'), error_code, sum(messages)
from public.sms_failure_rollups group by 1, 2, 3, 4
having sum(messages) <> 0;
