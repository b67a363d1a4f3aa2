-- The overview reads its rollups through one function: the RLS policies on the rollup tables
-- call has_org_role() once per ROW (the policy depends on the row's workspace), which for a
-- month of hourly rows is most of the page's time. Here the role is checked once, then the
-- three aggregations run without RLS. Viewers and up; a non-member gets WS001.
--
-- Returns {"grouped": [{day, type, code, phase, messages, price, priced}] (grouping sets: day ×
-- phase, type × phase, calling code × phase; the keys a set does not group by are null),
-- "failures": [{code, messages}] (top 10), "latency": [{bucket, messages, ms}]}.
create function public.workspace_overview(p_organization_id uuid, p_from timestamptz, p_to timestamptz, p_time_zone text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_zone text := case when public.is_valid_time_zone(p_time_zone) then p_time_zone else 'UTC' end;
begin
  perform internal.require_org_role(p_organization_id, 'viewer');
  return jsonb_build_object(
    'grouped', coalesce((
      select jsonb_agg(jsonb_build_object('day', g.day, 'type', g.type, 'code', g.code, 'phase', g.phase,
        'messages', g.messages, 'price', g.price, 'priced', g.priced))
      from (
        select r.day, r.type, r.code, r.phase, sum(r.messages) as messages, sum(r.price) as price, sum(r.priced) as priced
        from (
          select to_char(x.bucket at time zone v_zone, 'YYYY-MM-DD') as day, x.notification_type as type,
            x.calling_code as code, public.sms_status_phase(x.status) as phase, x.messages, x.price, x.priced
          from public.sms_message_rollups x
          where x.organization_id = p_organization_id and x.bucket >= p_from and x.bucket < p_to
        ) r
        group by grouping sets ((r.day, r.phase), (r.type, r.phase), (r.code, r.phase))
        having sum(r.messages) <> 0 or sum(r.priced) <> 0
      ) g), '[]'::jsonb),
    'failures', coalesce((
      select jsonb_agg(jsonb_build_object('code', f.code, 'messages', f.messages) order by f.messages desc, f.code)
      from (
        select x.error_code as code, sum(x.messages) as messages
        from public.sms_failure_rollups x
        where x.organization_id = p_organization_id and x.bucket >= p_from and x.bucket < p_to
        group by 1 having sum(x.messages) > 0
        order by 2 desc, 1 limit 10
      ) f), '[]'::jsonb),
    'latency', coalesce((
      select jsonb_agg(jsonb_build_object('bucket', l.bucket, 'messages', l.messages, 'ms', l.ms))
      from (
        select x.latency_bucket as bucket, sum(x.messages) as messages, sum(x.latency_ms) as ms
        from public.sms_latency_rollups x
        where x.organization_id = p_organization_id and x.bucket >= p_from and x.bucket < p_to
        group by 1
      ) l), '[]'::jsonb)
  );
end;
$$;

revoke execute on function public.workspace_overview(uuid, timestamptz, timestamptz, text) from public, anon;
grant execute on function public.workspace_overview(uuid, timestamptz, timestamptz, text) to authenticated, service_role;

-- And the rollup tables' own policies become set-based, as 20261201031100 made the others:
-- one org_ids_with_role() per query (an initplan) instead of has_org_role() per row.
drop policy "Members can read their workspace's rollups" on public.sms_message_rollups;
create policy "Members can read their workspace's rollups"
  on public.sms_message_rollups for select to authenticated
  using (organization_id = any ((select public.org_ids_with_role('viewer'))::uuid[]));

drop policy "Members can read their workspace's latency rollups" on public.sms_latency_rollups;
create policy "Members can read their workspace's latency rollups"
  on public.sms_latency_rollups for select to authenticated
  using (organization_id = any ((select public.org_ids_with_role('viewer'))::uuid[]));

drop policy "Members can read their workspace's failure rollups" on public.sms_failure_rollups;
create policy "Members can read their workspace's failure rollups"
  on public.sms_failure_rollups for select to authenticated
  using (organization_id = any ((select public.org_ids_with_role('viewer'))::uuid[]));
