-- The campaign wizard shows the throttle a campaign gets when none is given (the sender's pace:
-- 1 text/s for a long code, 3 for toll-free). The rule stays in internal.campaign_default_throttle;
-- this lets a member read it for their own workspace.
create function public.campaign_default_throttle(p_organization_id uuid)
returns numeric
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform internal.require_org_role(p_organization_id, 'viewer');
  return internal.campaign_default_throttle(p_organization_id);
end;
$$;
revoke execute on function public.campaign_default_throttle(uuid) from public, anon;
grant execute on function public.campaign_default_throttle(uuid) to authenticated, service_role;
