-- Drain speed (the worker bench fell from 1,156 to 139 texts/s): most of the database's time per
-- text went into PLANNING, not running, the statements the rollup triggers run. Every UPDATE of
-- sms_messages fires the rollup trigger once, and its two helpers were SQL-language functions
-- with a SET clause, which Postgres 17 parses and plans again on every call (they cannot be
-- inlined and have no plan cache); the stored calling_code column re-ran e164_calling_code, a
-- query over a 206-element array, as a fresh plan per row written. Same bodies, same results:
-- - the two rollup helpers become PL/pgSQL (their plans are cached per connection);
-- - e164_calling_code becomes one expression without SET (Postgres inlines it; everything it
--   uses lives in pg_catalog, which is searched first whatever the search_path). The set is
--   prefix-free, so testing one, two and three digits in turn finds the same code as before.
-- Redefined: public.e164_calling_code, internal.sms_rollup_apply, internal.sms_overview_rollup_apply.

create or replace function public.e164_calling_code(p_phone text)
returns text
language sql
immutable
parallel safe
as $$
  select case when p_phone like '+%' then
    case
      when substr(p_phone, 2, 1) = any ('{1, 7}'::text[]) then substr(p_phone, 2, 1)
      when substr(p_phone, 2, 2) = any ('{
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47,
    48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65,
    66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98
      }'::text[]) then substr(p_phone, 2, 2)
      when substr(p_phone, 2, 3) = any ('{
    211, 212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227,
    228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
    241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
    254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267,
    268, 269, 290, 291, 297, 298, 299, 350, 351, 352, 353, 354, 355,
    356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501,
    502, 503, 504, 505, 506, 507, 508, 509, 590, 591, 592, 593, 594,
    595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676, 677, 678,
    679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692,
    850, 852, 853, 855, 856, 880, 886, 960, 961, 962, 963, 964, 965,
    966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 992, 993,
    994, 995, 996, 998
      }'::text[]) then substr(p_phone, 2, 3)
    end
  end
$$;

-- Body as in 20261201060000 (with 20261201089900's inlined row), now with a cached plan.
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

-- Body as in 20261202020000, now with a cached plan.
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
