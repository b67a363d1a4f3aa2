-- Rollups at the worker's pace (issue 13, throttle accuracy): the two rollup helpers the
-- sms_messages statement trigger calls were SQL functions with a SET clause, so Postgres 17
-- planned their INSERT … SELECT afresh on every call — about 1–2 ms for a one-row UPDATE, paid
-- by every status change (a campaign text makes four or five). The same statements in PL/pgSQL
-- keep their plan for the session. Bodies unchanged (sms_rollup_row still inlines into them).
-- Redefined: internal.sms_rollup_apply (20261201060000), internal.sms_overview_rollup_apply
-- (20261202020000).

create or replace function internal.sms_rollup_apply(p_old public.sms_messages[], p_new public.sms_messages[])
returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.sms_message_rollups (
    organization_id, bucket, status, notification_type, provider, calling_code,
    messages, segments, price, priced, latency_count, latency_ms)
  select d.organization_id, d.bucket, d.status, d.notification_type, d.provider, d.calling_code,
    sum(d.sign), sum(d.sign * d.segments), sum(d.sign * d.price), sum(d.sign * d.priced),
    sum(d.sign * d.latency_count), sum(d.sign * d.latency_ms)
  from (
    select s.sign, x.*
    from (
      select -1::bigint as sign, m from unnest(coalesce(p_old, '{}')) m
      union all
      select 1::bigint, m from unnest(coalesce(p_new, '{}')) m
    ) s,
    lateral internal.sms_rollup_row(s.m) x
    where (s.m).direction = 'outbound' and (s.m).organization_id is not null
  ) d
  where exists (select 1 from public.organizations o where o.id = d.organization_id)
  group by 1, 2, 3, 4, 5, 6
  having sum(d.sign) <> 0 or sum(d.sign * d.segments) <> 0 or sum(d.sign * d.price) <> 0
    or sum(d.sign * d.priced) <> 0 or sum(d.sign * d.latency_count) <> 0 or sum(d.sign * d.latency_ms) <> 0;
end;
$$;

create or replace function internal.sms_overview_rollup_apply(p_old public.sms_messages[], p_new public.sms_messages[])
returns void
language plpgsql
set search_path = ''
as $$
begin
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
  having sum(sign) <> 0;
end;
$$;

revoke all on function internal.sms_rollup_apply(public.sms_messages[], public.sms_messages[]) from public, anon, authenticated;
revoke all on function internal.sms_overview_rollup_apply(public.sms_messages[], public.sms_messages[]) from public, anon, authenticated;
