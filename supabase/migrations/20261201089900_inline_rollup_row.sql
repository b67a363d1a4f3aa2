-- Rollups at bulk speed: a text's rollup row reads its stored provider (issue 14) and calling
-- code (20261201060100) columns instead of to_jsonb() and a per-row lookup, and carries no
-- SET clause, so Postgres inlines it into the trigger's one INSERT … SELECT instead of calling
-- it once per row (as the immutable helpers in 20261122000100 do). Same results. Everything it
-- uses lives in pg_catalog, which is searched first whatever the search_path.
create or replace function internal.sms_rollup_row(p_message public.sms_messages)
returns table (
  organization_id uuid, bucket timestamptz, status text, notification_type text, provider text,
  calling_code text, segments bigint, price numeric, priced bigint, latency_count bigint, latency_ms bigint
)
language sql
stable
as $$
  select
    p_message.organization_id,
    date_trunc('hour', p_message.created_at),
    p_message.status,
    p_message.notification_type,
    coalesce(p_message.provider, case when p_message.twilio_sid is not null then 'twilio' end, ''),
    coalesce(p_message.calling_code, ''),
    coalesce(p_message.segments, 0)::bigint,
    coalesce(p_message.price, 0),
    (p_message.price is not null)::int::bigint,
    (p_message.status = 'delivered' and p_message.sent_at is not null and p_message.delivered_at is not null)::int::bigint,
    case when p_message.status = 'delivered' and p_message.sent_at is not null and p_message.delivered_at is not null
      then greatest(0, (extract(epoch from (p_message.delivered_at - p_message.sent_at)) * 1000)::bigint) else 0 end
$$;

revoke all on function internal.sms_rollup_row(public.sms_messages) from public, anon, authenticated;
