-- "An endpoint failing for a day is disabled and its owners told" (issue 15): the disabling
-- already wrote an audit row; now it also opens an alert in the workspace's alert feed (kind
-- webhook_endpoint_disabled, one per endpoint), at once, and the alert stays open while the
-- endpoint stays disabled (a condition of its own beside the rules' conditions), resolving as
-- any alert does, 30 minutes after the endpoint is deleted.

-- Opens (once) the alert for a disabled endpoint, with its 'opened' event (which the alert
-- feed, on-call and alert.* webhooks read).
create function internal.open_webhook_disabled_alert(p_endpoint public.webhook_endpoints, p_reason text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_alert public.alerts;
begin
  insert into public.alerts (organization_id, kind, subject, severity, title, details)
  values (p_endpoint.organization_id, 'webhook_endpoint_disabled', p_endpoint.id::text, 'critical',
          format('Webhook endpoint %s was disabled after failing for a day', p_endpoint.url),
          jsonb_build_object('endpointId', p_endpoint.id, 'url', p_endpoint.url,
                             'failingSince', p_endpoint.failing_since, 'reason', p_reason))
  on conflict (organization_id, kind, subject) where status = 'open' do nothing
  returning * into v_alert;
  if v_alert.id is not null then
    insert into public.alert_events (alert_id, organization_id, event, severity, details)
    values (v_alert.id, v_alert.organization_id, 'opened', v_alert.severity, v_alert.details);
  end if;
end;
$$;
revoke all on function internal.open_webhook_disabled_alert(public.webhook_endpoints, text) from public, anon, authenticated;

-- As in 20261201090300, plus the alert when the endpoint is disabled.
create or replace function public.record_webhook_attempt(
  p_delivery_id uuid, p_ok boolean, p_status_code integer, p_latency_ms integer,
  p_excerpt text, p_error text, p_retry_at timestamptz
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_d public.webhook_deliveries;
  v_e public.webhook_endpoints;
  v_reason text;
begin
  update public.webhook_deliveries d set
    attempts = d.attempts + 1,
    status = case when p_ok then 'succeeded' when p_retry_at is null then 'failed' else 'pending' end,
    last_status_code = p_status_code, last_error = left(p_error, 500),
    next_attempt_at = case when p_ok then null else p_retry_at end,
    delivered_at = case when p_ok then now() else d.delivered_at end
  where d.id = p_delivery_id
  returning * into v_d;
  if not found then
    return null;
  end if;
  insert into public.webhook_delivery_attempts (delivery_id, organization_id, attempt, status_code, latency_ms, response_excerpt, error, ok)
  values (p_delivery_id, v_d.organization_id, v_d.attempts, p_status_code, p_latency_ms, left(p_excerpt, 1024), left(p_error, 500), p_ok);
  if p_ok then
    update public.webhook_endpoints set failing_since = null where id = v_d.endpoint_id and failing_since is not null;
  else
    update public.webhook_endpoints set failing_since = coalesce(failing_since, now())
    where id = v_d.endpoint_id returning * into v_e;
    if v_e.enabled and v_e.failing_since < now() - interval '24 hours' then
      v_reason := format('Disabled after failing since %s (last error: %s)', v_e.failing_since, coalesce(p_error, p_status_code::text));
      update public.webhook_endpoints set enabled = false, disabled_reason = v_reason where id = v_e.id;
      perform internal.write_audit(v_e.organization_id, null, 'webhook_endpoint.disabled', 'webhook_endpoint', v_e.id::text,
        null, jsonb_build_object('url', v_e.url, 'failing_since', v_e.failing_since), null);
      perform internal.open_webhook_disabled_alert(v_e, v_reason);
    end if;
  end if;
  return v_d.status;
end;
$$;
revoke execute on function public.record_webhook_attempt(uuid, boolean, integer, integer, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.record_webhook_attempt(uuid, boolean, integer, integer, text, text, timestamptz) to service_role;

-- The alert's condition, so evaluate_alerts keeps it open while the endpoint is disabled: the
-- rules' conditions (renamed, unchanged) and one row per disabled endpoint. Not a rule: an
-- endpoint the platform turned off is always worth telling.
alter function internal.alert_conditions(uuid, timestamptz) rename to alert_rule_conditions;

create function internal.alert_conditions(p_organization_id uuid, p_now timestamptz)
returns table (kind text, subject text, severity text, title text, details jsonb)
language sql
stable
set search_path = ''
as $$
  select * from internal.alert_rule_conditions(p_organization_id, p_now)
  union all
  select 'webhook_endpoint_disabled', e.id::text, 'critical',
         format('Webhook endpoint %s was disabled after failing for a day', e.url),
         jsonb_build_object('endpointId', e.id, 'url', e.url, 'failingSince', e.failing_since, 'reason', e.disabled_reason)
    from public.webhook_endpoints e
   where e.organization_id = p_organization_id and not e.enabled
$$;
revoke execute on function internal.alert_conditions(uuid, timestamptz) from public;
revoke execute on function internal.alert_rule_conditions(uuid, timestamptz) from public;
