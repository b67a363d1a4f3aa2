-- Rollups without copying the statement's rows (issue 13: campaign start, throttle). The
-- sms_messages rollup trigger gathered them into arrays of whole messages and unnested them
-- three times (rollups, overview, notification): for a 100,000-text campaign start ~85 MB of
-- copies, and for each of the worker's one-row updates a fixed cost paid four or five times a
-- text. INSERT and UPDATE now read the transition tables directly with the same keys, measures
-- and filters as internal.sms_rollup_apply / sms_overview_rollup_apply (an INSERT's signs are
-- all +1, so each group's count is its delta). DELETE keeps the array path.
-- Redefined: internal.sms_messages_rollup (last in 20261202020000).

create or replace function internal.sms_messages_rollup()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old public.sms_messages[];
begin
  if tg_op = 'INSERT' then
    insert into public.sms_message_rollups (
      organization_id, bucket, status, notification_type, provider, calling_code,
      messages, segments, price, priced, latency_count, latency_ms)
    select x.organization_id, x.bucket, x.status, x.notification_type, x.provider, x.calling_code,
      count(*), sum(x.segments), sum(x.price), sum(x.priced), sum(x.latency_count), sum(x.latency_ms)
    from new_rows n, lateral internal.sms_rollup_row(n::public.sms_messages) x
    where n.direction = 'outbound' and n.organization_id is not null
      and exists (select 1 from public.organizations o where o.id = n.organization_id)
    group by 1, 2, 3, 4, 5, 6;

    with changed as (
      select n.organization_id, date_trunc('hour', n.created_at) as bucket, n.status, n.error_code,
             n.sent_at, n.delivered_at
      from new_rows n
      where n.direction = 'outbound' and n.organization_id is not null
        and (n.status in ('failed', 'undelivered')
          or (n.status = 'delivered' and n.sent_at is not null and n.delivered_at is not null))
        and exists (select 1 from public.organizations o where o.id = n.organization_id)
    ),
    latency_rows as (
      insert into public.sms_latency_rollups (organization_id, bucket, latency_bucket, messages, latency_ms)
      select l.organization_id, l.bucket, internal.sms_latency_bucket(l.ms), count(*), sum(l.ms)
      from (
        select c.organization_id, c.bucket,
               greatest(0, (extract(epoch from (c.delivered_at - c.sent_at)) * 1000)::bigint) as ms
        from changed c where c.status = 'delivered'
      ) l
      group by 1, 2, 3
      returning 1
    )
    insert into public.sms_failure_rollups (organization_id, bucket, error_code, messages)
    select c.organization_id, c.bucket, coalesce(c.error_code, 0), count(*)
    from changed c where c.status in ('failed', 'undelivered')
    group by 1, 2, 3;

    perform pg_notify('sms_workspace', w.id::text)
    from (
      select distinct n.organization_id as id from new_rows n
      where n.organization_id is not null and n.direction = 'outbound'
    ) w;
    return null;
  end if;

  if tg_op = 'UPDATE' then
    insert into public.sms_message_rollups (
      organization_id, bucket, status, notification_type, provider, calling_code,
      messages, segments, price, priced, latency_count, latency_ms)
    select d.organization_id, d.bucket, d.status, d.notification_type, d.provider, d.calling_code,
      sum(d.sign), sum(d.sign * d.segments), sum(d.sign * d.price), sum(d.sign * d.priced),
      sum(d.sign * d.latency_count), sum(d.sign * d.latency_ms)
    from (
      select -1::bigint as sign, x.*
      from old_rows o, lateral internal.sms_rollup_row(o::public.sms_messages) x
      where o.direction = 'outbound' and o.organization_id is not null
      union all
      select 1::bigint, x.*
      from new_rows n, lateral internal.sms_rollup_row(n::public.sms_messages) x
      where n.direction = 'outbound' and n.organization_id is not null
    ) d
    where exists (select 1 from public.organizations o where o.id = d.organization_id)
    group by 1, 2, 3, 4, 5, 6
    having sum(d.sign) <> 0 or sum(d.sign * d.segments) <> 0 or sum(d.sign * d.price) <> 0
      or sum(d.sign * d.priced) <> 0 or sum(d.sign * d.latency_count) <> 0 or sum(d.sign * d.latency_ms) <> 0;

    with changed as (
      select s.sign, s.organization_id, date_trunc('hour', s.created_at) as bucket, s.status, s.error_code,
             s.sent_at, s.delivered_at
      from (
        select -1::bigint as sign, o.organization_id, o.created_at, o.status, o.error_code, o.sent_at, o.delivered_at, o.direction
        from old_rows o
        union all
        select 1::bigint, n.organization_id, n.created_at, n.status, n.error_code, n.sent_at, n.delivered_at, n.direction
        from new_rows n
      ) s
      where s.direction = 'outbound' and s.organization_id is not null
        and (s.status in ('failed', 'undelivered')
          or (s.status = 'delivered' and s.sent_at is not null and s.delivered_at is not null))
        and exists (select 1 from public.organizations o where o.id = s.organization_id)
    ),
    latency_rows as (
      insert into public.sms_latency_rollups (organization_id, bucket, latency_bucket, messages, latency_ms)
      select l.organization_id, l.bucket, internal.sms_latency_bucket(l.ms), sum(l.sign), sum(l.sign * l.ms)
      from (
        select c.sign, c.organization_id, c.bucket,
               greatest(0, (extract(epoch from (c.delivered_at - c.sent_at)) * 1000)::bigint) as ms
        from changed c where c.status = 'delivered'
      ) l
      group by 1, 2, 3
      having sum(l.sign) <> 0 or sum(l.sign * l.ms) <> 0
      returning 1
    )
    insert into public.sms_failure_rollups (organization_id, bucket, error_code, messages)
    select c.organization_id, c.bucket, coalesce(c.error_code, 0), sum(c.sign)
    from changed c where c.status in ('failed', 'undelivered')
    group by 1, 2, 3
    having sum(c.sign) <> 0;

    perform pg_notify('sms_workspace', w.id::text)
    from (
      select o.organization_id as id from old_rows o where o.organization_id is not null and o.direction = 'outbound'
      union
      select n.organization_id from new_rows n where n.organization_id is not null and n.direction = 'outbound'
    ) w;
    return null;
  end if;

  -- DELETE (rare: a workspace or a person forgotten) keeps the array path.
  select array_agg(o::public.sms_messages) into v_old from old_rows o;
  perform internal.sms_rollup_apply(v_old, null);
  perform internal.sms_overview_rollup_apply(v_old, null);
  perform pg_notify('sms_workspace', w.id::text)
  from (
    select distinct m.organization_id as id
    from unnest(coalesce(v_old, '{}')) m
    where m.organization_id is not null and m.direction = 'outbound'
  ) w;
  return null;
end;
$$;

revoke all on function internal.sms_messages_rollup() from public, anon, authenticated;
