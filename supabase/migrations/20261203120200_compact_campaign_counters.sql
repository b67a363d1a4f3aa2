-- A campaign counter row belongs to one backend (20261203120000), so a campaign gathers one
-- row per connection that ever wrote for it. This folds the rows of backends that are gone
-- into the campaign's shard 0 (no backend has pid 0, so only this function writes it). A
-- backend that reuses a pid between the check and the delete is safe: the delete waits for its
-- write and moves the row's values as they then are. The totals are exact without it; the
-- worker runs it after each reconcile round, with the console's rollup compaction.
create function public.compact_sms_campaign_counters()
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_removed bigint;
begin
  with gone as (
    delete from internal.sms_campaign_counters k
    where k.shard <> 0
      and not exists (select 1 from pg_catalog.pg_stat_activity a where a.pid = k.shard)
    returning k.campaign_id, k.handed, k.final, k.failed, k.dispatched_cost
  ),
  folded as (
    insert into internal.sms_campaign_counters as k (campaign_id, shard, handed, final, failed, dispatched_cost)
    select g.campaign_id, 0, sum(g.handed), sum(g.final), sum(g.failed), sum(g.dispatched_cost)
    from gone g group by g.campaign_id
    order by g.campaign_id
    on conflict (campaign_id, shard) do update
    set handed = k.handed + excluded.handed, final = k.final + excluded.final,
        failed = k.failed + excluded.failed, dispatched_cost = k.dispatched_cost + excluded.dispatched_cost
    returning 1
  )
  -- The insert runs to completion whether or not it is read.
  select count(*) into v_removed from gone;
  return v_removed;
end;
$$;
revoke execute on function public.compact_sms_campaign_counters() from public, anon, authenticated;
grant execute on function public.compact_sms_campaign_counters() to service_role;
