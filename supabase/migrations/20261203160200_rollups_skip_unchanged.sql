-- Drain speed, continued: the rollup trigger fires on every UPDATE of sms_messages, and most of
-- the worker's writes change nothing a rollup counts (the daily slot's date, the reason, the
-- scheduled time) or no final status (the overview counts only delivered and failed texts).
-- Those statements now skip the rollup work instead of computing deltas that sum to zero.
-- The workspace notification is unchanged (every statement that touched outbound texts).
-- Redefined: internal.sms_messages_rollup (first in 20261201060000, then 20261202020000).

create or replace function internal.sms_messages_rollup()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old public.sms_messages[];
  v_new public.sms_messages[];
  v_counted boolean := true;
begin
  -- Every column sms_rollup_row and sms_overview_rollup_apply read: when none changed on any
  -- row, both would write nothing.
  if tg_op = 'UPDATE' then
    select exists (
      select 1 from old_rows o join new_rows n on n.id = o.id
      where (o.organization_id, o.direction, o.created_at, o.status, o.notification_type, o.provider, o.twilio_sid,
             o.calling_code, o.segments, o.price, o.sent_at, o.delivered_at, o.error_code)
            is distinct from
            (n.organization_id, n.direction, n.created_at, n.status, n.notification_type, n.provider, n.twilio_sid,
             n.calling_code, n.segments, n.price, n.sent_at, n.delivered_at, n.error_code)
    ) into v_counted;
  end if;
  -- Each branch names only the transition tables its event has.
  if tg_op in ('UPDATE', 'DELETE') then
    select array_agg(o::public.sms_messages) into v_old from old_rows o;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    select array_agg(n::public.sms_messages) into v_new from new_rows n;
  end if;
  if v_counted then
    perform internal.sms_rollup_apply(v_old, v_new);
    -- The overview counts delivered and failed texts only.
    if exists (select 1 from unnest(coalesce(v_old, '{}') || coalesce(v_new, '{}')) m
               where m.status in ('delivered', 'failed', 'undelivered')) then
      perform internal.sms_overview_rollup_apply(v_old, v_new);
    end if;
  end if;
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
