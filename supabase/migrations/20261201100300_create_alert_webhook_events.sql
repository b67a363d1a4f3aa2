-- Alerts reach the workspace's outbound webhooks (issue 15) as alert.opened / alert.resolved:
-- endpoints may subscribe to them, and each such alert event is queued for delivery in the
-- same transaction that records it.

alter table public.webhook_endpoints drop constraint webhook_endpoints_events_check;
alter table public.webhook_endpoints add constraint webhook_endpoints_events_check check (
  cardinality(events) >= 1 and events <@ array['message.sent', 'message.delivered', 'message.failed',
    'message.suppressed', 'contact.opted_out', 'contact.opted_in', 'alert.opened', 'alert.resolved']);

comment on column public.alert_events.webhook_delivered_at is
  'When the event was queued for the workspace''s outbound webhooks (alert.opened / alert.resolved); null for the other events.';

create function internal.alert_events_webhook()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_alert public.alerts;
begin
  if new.event not in ('opened', 'resolved') then
    return new;
  end if;
  select * into v_alert from public.alerts where id = new.alert_id;
  perform internal.enqueue_webhook_event(new.organization_id, 'alert.' || new.event, 'alert_event_' || new.id,
    jsonb_build_object('id', v_alert.id, 'kind', v_alert.kind, 'subject', v_alert.subject, 'severity', new.severity,
                       'title', v_alert.title, 'status', case when new.event = 'resolved' then 'resolved' else 'open' end,
                       'openedAt', v_alert.opened_at, 'resolvedAt', v_alert.resolved_at, 'details', new.details));
  new.webhook_delivered_at := now();
  return new;
end;
$$;

revoke execute on function internal.alert_events_webhook() from public;

create trigger alert_events_webhook
  before insert on public.alert_events
  for each row execute function internal.alert_events_webhook();
