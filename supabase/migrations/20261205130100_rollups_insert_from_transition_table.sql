-- The rollup triggers of an INSERT read the inserted rows once, from the transition table
-- (issue 13, scale: starting a 100,000-recipient campaign). Before, both insert triggers first
-- copied every new row into an array of sms_messages (array_agg, ~100 MB for 100,000 texts,
-- once per trigger) and then unnested it again. Measured on bench/campaign-start's list (50,000
-- recipients, backend CPU, 4 alternated rounds): the start took 5.89 s of CPU with the array
-- path and 5.24 s reading new_rows directly (-11 %). Same rollup rows as before: every
-- inserted row counts +1 (the HAVING of the signed sums is always true for an insert), the
-- workspace check moves after the GROUP BY (same rows kept), the final-status part is asked of
-- the final rows only (the others add nothing there).
-- - internal.sms_overview_day_rows: what one text adds to sms_overview_rollups, per kind (the
--   mapping the day rollup's CTE had inline); the UPDATE/DELETE function uses it too, so the
--   mapping has one home. SQL, no SET clause: it is inlined into each caller's query.
-- Restated: internal.sms_overview_day_rollup (20261203110000; same answers). New:
-- internal.sms_messages_rollup_insert, internal.sms_overview_day_rollup_insert, and the two
-- insert triggers point at them (UPDATE and DELETE keep the functions they had).

create function internal.sms_overview_day_rows(p_m public.sms_messages)
returns table (kind text, bucket timestamptz, status text, notification_type text, calling_code text,
               latency_bucket smallint, error_code integer, price numeric, priced bigint, ms bigint)
language sql
stable
as $$
  -- One SELECT (no UNION: an inlined set operation over a LATERAL whole-row argument fails to
  -- plan, "variable not found in subplan target list"): the four kinds, those that apply.
  select k.kind,
    case when k.kind = 'hour' then date_trunc('hour', p_m.created_at) else date_trunc('day', p_m.created_at, 'UTC') end,
    case when k.kind in ('hour', 'day') then p_m.status else '' end,
    case when k.kind = 'day' then p_m.notification_type else '' end,
    case when k.kind = 'day' then coalesce(p_m.calling_code, '') else '' end,
    (case when k.kind = 'latency' then internal.sms_latency_bucket(l.ms) else -1 end)::smallint,
    case when k.kind = 'failure' then coalesce(p_m.error_code, 0) else -1 end,
    (case when k.kind = 'hour' then coalesce(p_m.price, 0) else 0 end)::numeric,
    case when k.kind = 'hour' then (p_m.price is not null)::int::bigint else 0::bigint end,
    case when k.kind = 'latency' then l.ms else 0::bigint end
  from (values ('hour'::text), ('day'), ('latency'), ('failure')) k (kind),
       (select greatest(0, (extract(epoch from (p_m.delivered_at - p_m.sent_at)) * 1000)::bigint) as ms) l
  where k.kind in ('hour', 'day')
     or (k.kind = 'latency' and p_m.status = 'delivered' and p_m.sent_at is not null and p_m.delivered_at is not null)
     or (k.kind = 'failure' and p_m.status in ('failed', 'undelivered'))
$$;
revoke all on function internal.sms_overview_day_rows(public.sms_messages) from public, anon, authenticated;

create or replace function internal.sms_overview_day_rollup()
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
  insert into public.sms_overview_rollups (organization_id, kind, bucket, status, notification_type, calling_code,
    latency_bucket, error_code, messages, price, priced, latency_ms)
  select (s.m).organization_id, x.kind, x.bucket, x.status, x.notification_type, x.calling_code, x.latency_bucket, x.error_code,
    sum(s.sign), sum(s.sign * x.price), sum(s.sign * x.priced), sum(s.sign * x.ms)
  from (
    select -1::bigint as sign, m from unnest(coalesce(v_old, '{}')) m
    union all
    select 1::bigint, m from unnest(coalesce(v_new, '{}')) m
  ) s,
  lateral internal.sms_overview_day_rows(s.m) x
  where (s.m).direction = 'outbound' and (s.m).organization_id is not null
    and exists (select 1 from public.organizations o where o.id = (s.m).organization_id)
  group by 1, 2, 3, 4, 5, 6, 7, 8
  having sum(s.sign) <> 0 or sum(s.sign * x.price) <> 0 or sum(s.sign * x.priced) <> 0 or sum(s.sign * x.ms) <> 0;
  return null;
end;
$$;

create function internal.sms_overview_day_rollup_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.sms_overview_rollups (organization_id, kind, bucket, status, notification_type, calling_code,
    latency_bucket, error_code, messages, price, priced, latency_ms)
  select g.* from (
    select n.organization_id, x.kind, x.bucket, x.status, x.notification_type, x.calling_code, x.latency_bucket, x.error_code,
      count(*)::bigint, sum(x.price), sum(x.priced), sum(x.ms)
    from new_rows n, lateral internal.sms_overview_day_rows(n::public.sms_messages) x
    where n.direction = 'outbound' and n.organization_id is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8
  ) g
  where exists (select 1 from public.organizations o where o.id = g.organization_id);
  return null;
end;
$$;

create function internal.sms_messages_rollup_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_final public.sms_messages[];
begin
  insert into public.sms_message_rollups (
    organization_id, bucket, status, notification_type, provider, calling_code,
    messages, segments, price, priced, latency_count, latency_ms)
  select g.* from (
    select x.organization_id, x.bucket, x.status, x.notification_type, x.provider, x.calling_code,
      count(*)::bigint, sum(x.segments), sum(x.price), sum(x.priced), sum(x.latency_count), sum(x.latency_ms)
    from new_rows n, lateral internal.sms_rollup_row(n::public.sms_messages) x
    where n.direction = 'outbound' and n.organization_id is not null
    group by 1, 2, 3, 4, 5, 6
  ) g
  where exists (select 1 from public.organizations o where o.id = g.organization_id);
  -- The overview counts delivered and failed texts only (an inserted text rarely is one).
  select array_agg(n::public.sms_messages) into v_final
  from new_rows n where n.status in ('delivered', 'failed', 'undelivered');
  if v_final is not null then
    perform internal.sms_overview_rollup_apply(null, v_final);
  end if;
  perform pg_notify('sms_workspace', w.id::text)
  from (
    select distinct n.organization_id as id from new_rows n
    where n.organization_id is not null and n.direction = 'outbound'
  ) w;
  return null;
end;
$$;

revoke all on function internal.sms_overview_day_rollup_insert() from public, anon, authenticated;
revoke all on function internal.sms_messages_rollup_insert() from public, anon, authenticated;

drop trigger sms_messages_rollup_insert on public.sms_messages;
create trigger sms_messages_rollup_insert
  after insert on public.sms_messages
  referencing new table as new_rows
  for each statement execute function internal.sms_messages_rollup_insert();

drop trigger sms_messages_overview_rollup_insert on public.sms_messages;
create trigger sms_messages_overview_rollup_insert
  after insert on public.sms_messages
  referencing new table as new_rows
  for each statement execute function internal.sms_overview_day_rollup_insert();
