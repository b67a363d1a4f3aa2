-- Rollups of a bulk insert without copying it (issue 13, campaign start). The sms_messages
-- rollup trigger gathered the statement's rows into arrays of whole messages and unnested them
-- three times (rollups, overview, notification): for a 100,000-text campaign start, ~85 MB of
-- copies, and the overview's pass found nothing (new texts are rarely final). An INSERT has no
-- old rows, so its branch now reads the transition table directly with the same keys, measures
-- and filters as internal.sms_rollup_apply / sms_overview_rollup_apply (every sign is +1, so
-- each group's count is its delta). UPDATE and DELETE keep the array path.
-- Redefined: internal.sms_messages_rollup (last in 20261202020000).

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

  -- Each branch names only the transition tables its event has.
  select array_agg(o::public.sms_messages) into v_old from old_rows o;
  if tg_op = 'UPDATE' then
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
