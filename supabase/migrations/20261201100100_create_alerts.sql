-- Alerts (issue 16): per-workspace rules with defaults on from the start, evaluated by the
-- worker on a schedule. An alert opens once, stays open while its condition holds, resolves
-- after 30 minutes clear, and reminds at most every 24 hours. alert_events is the feed the
-- console, on-call texts and (when the sending API lands) outbound webhooks read.

create schema if not exists internal;

-- The rules a workspace can tune. A missing row means "the default" (alert_rule_defaults), so
-- every workspace, old or new, is watched from the start.
create table public.alert_rules (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null constraint alert_rules_kind_check check (kind in (
    'failure_rate', 'error_code_spike', 'callbacks_silent', 'queue_stalled', 'verification_caps', 'spend_cap'
  )),
  enabled boolean not null default true,
  warning_threshold numeric constraint alert_rules_warning_check check (warning_threshold is null or warning_threshold >= 0),
  critical_threshold numeric constraint alert_rules_critical_check check (critical_threshold is null or critical_threshold >= 0),
  min_volume integer constraint alert_rules_min_volume_check check (min_volume is null or min_volume >= 0),
  window_minutes integer constraint alert_rules_window_check check (window_minutes is null or window_minutes between 1 and 1440),
  -- Known benign error codes this rule ignores (e.g. 30007 carrier filtering for a test list).
  excluded_codes integer[] not null default '{}',
  notify_on_call boolean not null default false,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (organization_id, kind)
);

alter table public.alert_rules enable row level security;

create policy "Members can read their workspace's alert rules"
  on public.alert_rules for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.alert_rules from anon, authenticated;
grant select on table public.alert_rules to authenticated;
grant select, insert, update, delete on table public.alert_rules to service_role;

create table public.alerts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null,
  -- What it is about within the kind: an error code, a provider; '' when the kind has one subject.
  subject text not null default '',
  severity text not null constraint alerts_severity_check check (severity in ('warning', 'critical')),
  status text not null default 'open' constraint alerts_status_check check (status in ('open', 'resolved')),
  title text not null,
  -- The numbers behind it, as of the last evaluation that found the condition true.
  details jsonb not null default '{}'::jsonb,
  opened_at timestamptz not null default now(),
  -- When the condition last held; the alert resolves 30 minutes after this.
  last_true_at timestamptz not null default now(),
  last_notified_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint alerts_resolved_check check ((status = 'resolved') = (resolved_at is not null))
);

-- One open alert per (workspace, kind, subject): an alert opens once.
create unique index alerts_one_open_idx on public.alerts (organization_id, kind, subject) where status = 'open';
create index alerts_org_opened_idx on public.alerts (organization_id, opened_at desc, id);

alter table public.alerts enable row level security;

create policy "Members can read their workspace's alerts"
  on public.alerts for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.alerts from anon, authenticated;
grant select on table public.alerts to authenticated;
grant select, insert, update on table public.alerts to service_role;

-- What happened to each alert, in order. `webhook_delivered_at` is the outbound-webhook hook:
-- the sending-API feature delivers rows where it is null as alert.opened / alert.resolved.
create table public.alert_events (
  id bigint generated always as identity primary key,
  alert_id uuid not null references public.alerts (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  event text not null constraint alert_events_event_check check (event in ('opened', 'escalated', 'reminded', 'resolved')),
  severity text not null,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  webhook_delivered_at timestamptz
);

create index alert_events_alert_idx on public.alert_events (alert_id, id);
create index alert_events_pending_webhook_idx on public.alert_events (id) where webhook_delivered_at is null;

alter table public.alert_events enable row level security;

create policy "Members can read their workspace's alert events"
  on public.alert_events for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.alert_events from anon, authenticated;
grant select on table public.alert_events to authenticated;
grant select, insert, update on table public.alert_events to service_role;

-- Finding final texts by when they became final, per workspace.
create index if not exists sms_messages_org_final_idx
  on public.sms_messages (organization_id, (coalesce(delivered_at, failed_at)))
  where status in ('delivered', 'failed', 'undelivered');
create index if not exists sms_messages_org_sent_idx
  on public.sms_messages (organization_id, sent_at) where sent_at is not null;

-- The default of every rule: on, with these thresholds.
create function internal.alert_rule_defaults()
returns table (kind text, warning_threshold numeric, critical_threshold numeric, min_volume integer, window_minutes integer)
language sql
immutable
set search_path = ''
as $$
  values
    -- (failed + undelivered) ÷ final texts over 15 min, only with ≥ 20 final texts.
    ('failure_rate', 0.10, 0.25, 20, 15),
    -- One code's count in 15 min at 3 × its 7-day average per 15 min (and at least 5 texts).
    ('error_code_spike', 3, null, 5, 15),
    -- No status callback for 10 min from a provider while texts are sent through it.
    ('callbacks_silent', null, null, 1, 10),
    -- The workspace's oldest due job has waited longer than 5 min.
    ('queue_stalled', null, null, null, 5),
    -- Verification sends hit a cap (raised by the verification hardening) within 15 min.
    ('verification_caps', null, null, 1, 15),
    -- This month's spend at 80 % / 100 % of the monthly cap.
    ('spend_cap', 0.80, 1.00, null, null)
$$;

-- A workspace's rules as they apply: its own settings over the defaults.
create function internal.alert_rules_for(p_organization_id uuid)
returns table (
  kind text, enabled boolean, warning_threshold numeric, critical_threshold numeric,
  min_volume integer, window_minutes integer, excluded_codes integer[], notify_on_call boolean, customised boolean
)
language sql
stable
set search_path = ''
as $$
  select d.kind,
         coalesce(r.enabled, true),
         coalesce(r.warning_threshold, d.warning_threshold),
         coalesce(r.critical_threshold, d.critical_threshold),
         coalesce(r.min_volume, d.min_volume),
         coalesce(r.window_minutes, d.window_minutes),
         coalesce(r.excluded_codes, '{}'),
         coalesce(r.notify_on_call, false),
         r.kind is not null
    from internal.alert_rule_defaults() d
    left join public.alert_rules r on r.organization_id = p_organization_id and r.kind = d.kind
$$;

-- The same, for the console (members only).
create function public.workspace_alert_rules(p_organization_id uuid)
returns table (
  kind text, enabled boolean, warning_threshold numeric, critical_threshold numeric,
  min_volume integer, window_minutes integer, excluded_codes integer[], notify_on_call boolean, customised boolean
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not public.has_org_role(p_organization_id, 'viewer') then
    raise exception using errcode = 'WS001', message = 'forbidden: you are not a member of this workspace';
  end if;
  return query select * from internal.alert_rules_for(p_organization_id);
end;
$$;

revoke execute on function public.workspace_alert_rules(uuid) from public, anon;
grant execute on function public.workspace_alert_rules(uuid) to authenticated;

-- Admins change a rule (audited). Null thresholds fall back to the defaults.
create function public.set_alert_rule(
  p_organization_id uuid,
  p_kind text,
  p_enabled boolean,
  p_warning_threshold numeric default null,
  p_critical_threshold numeric default null,
  p_min_volume integer default null,
  p_window_minutes integer default null,
  p_excluded_codes integer[] default '{}',
  p_notify_on_call boolean default false
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_before jsonb;
  v_after jsonb;
begin
  if not public.has_org_role(p_organization_id, 'admin') then
    raise exception using errcode = 'WS001', message = 'forbidden: only admins change alert rules';
  end if;
  if not exists (select 1 from internal.alert_rule_defaults() d where d.kind = p_kind) then
    raise exception using errcode = 'AL001', message = format('invalid_alert_rule: unknown kind "%s"', p_kind);
  end if;
  if p_warning_threshold is not null and p_critical_threshold is not null and p_critical_threshold < p_warning_threshold then
    raise exception using errcode = 'AL001', message = 'invalid_alert_rule: the critical threshold must not be below the warning threshold';
  end if;
  if cardinality(coalesce(p_excluded_codes, '{}')) > 50 then
    raise exception using errcode = 'AL001', message = 'invalid_alert_rule: at most 50 excluded codes';
  end if;
  select to_jsonb(r) - 'updated_at' - 'updated_by' into v_before
    from public.alert_rules r where r.organization_id = p_organization_id and r.kind = p_kind;
  begin
    insert into public.alert_rules (organization_id, kind, enabled, warning_threshold, critical_threshold, min_volume,
                                    window_minutes, excluded_codes, notify_on_call, updated_by)
    values (p_organization_id, p_kind, coalesce(p_enabled, true), p_warning_threshold, p_critical_threshold, p_min_volume,
            p_window_minutes, coalesce(p_excluded_codes, '{}'), coalesce(p_notify_on_call, false), auth.uid())
    on conflict (organization_id, kind) do update set
      enabled = excluded.enabled, warning_threshold = excluded.warning_threshold,
      critical_threshold = excluded.critical_threshold, min_volume = excluded.min_volume,
      window_minutes = excluded.window_minutes, excluded_codes = excluded.excluded_codes,
      notify_on_call = excluded.notify_on_call, updated_at = now(), updated_by = excluded.updated_by
    returning to_jsonb(alert_rules) - 'updated_at' - 'updated_by' into v_after;
  exception when check_violation then
    raise exception using errcode = 'AL001', message = format('invalid_alert_rule: %s', sqlerrm);
  end;
  perform internal.write_audit(p_organization_id, (select auth.uid()), 'alert_rule.update', 'alert_rule', p_kind, v_before, v_after, null);
end;
$$;

revoke execute on function public.set_alert_rule(uuid, text, boolean, numeric, numeric, integer, integer, integer[], boolean) from public, anon;
grant execute on function public.set_alert_rule(uuid, text, boolean, numeric, numeric, integer, integer, integer[], boolean) to authenticated;

-- THE ONE PLACE the alerts read delivery outcomes: final texts of a workspace that became final
-- in [p_since, p_until), by provider and error code. When the per-day rollups can answer this
-- at the needed grain, only this function changes.
create function internal.alert_final_counts(p_organization_id uuid, p_since timestamptz, p_until timestamptz)
returns table (provider text, error_code integer, failed boolean, texts bigint)
language sql
stable
set search_path = ''
as $$
  select internal.message_provider(m), m.error_code, m.status in ('failed', 'undelivered'), count(*)
    from public.sms_messages m
   where m.organization_id = p_organization_id
     and m.status in ('delivered', 'failed', 'undelivered')
     and coalesce(m.delivered_at, m.failed_at) >= p_since
     and coalesce(m.delivered_at, m.failed_at) < p_until
   group by 1, 2, 3
$$;

-- Per provider: texts handed to it in the window (old enough to have had a callback) and the
-- status callbacks received in the window for this workspace's texts.
create function internal.alert_callback_activity(p_organization_id uuid, p_now timestamptz, p_window interval)
returns table (provider text, texts_sent bigint, callbacks bigint, last_callback_at timestamptz)
language sql
stable
set search_path = ''
as $$
  select internal.message_provider(m),
         count(*) filter (where m.sent_at < p_now - interval '1 minute'),
         sum(c.n),
         max(c.last_at)
    from public.sms_messages m
    cross join lateral (
      select count(*) as n, max(e.received_at) as last_at from public.sms_delivery_events e
       where e.message_id = m.id and e.source = 'webhook' and e.received_at > p_now - p_window
    ) c
   where m.organization_id = p_organization_id
     and m.sent_at > p_now - p_window - interval '1 hour'
   group by 1
  having count(*) filter (where m.sent_at > p_now - p_window and m.sent_at < p_now - interval '1 minute') > 0
$$;

-- This month's spend (UTC month): Twilio's reported price, as a positive amount.
create function internal.alert_month_spend(p_organization_id uuid, p_now timestamptz)
returns numeric
language sql
stable
set search_path = ''
as $$
  select coalesce(sum(abs(m.price)), 0)
    from public.sms_messages m
   where m.organization_id = p_organization_id
     and m.direction = 'outbound'
     and m.created_at >= date_trunc('month', p_now at time zone 'UTC') at time zone 'UTC'
     and m.price is not null
$$;

-- Every condition that holds now for one workspace: (kind, subject, severity, title, details).
create function internal.alert_conditions(p_organization_id uuid, p_now timestamptz)
returns table (kind text, subject text, severity text, title text, details jsonb)
language plpgsql
stable
set search_path = ''
as $$
declare
  r record;
  v_total bigint;
  v_failed bigint;
  v_rate numeric;
  v_codes jsonb;
  v_cap numeric;
  v_spend numeric;
  v_oldest timestamptz;
  v_depth bigint;
  v_hits bigint;
begin
  for r in select * from internal.alert_rules_for(p_organization_id) w where w.enabled loop
    if r.kind = 'failure_rate' then
      select coalesce(sum(c.texts), 0), coalesce(sum(c.texts) filter (where c.failed), 0)
        into v_total, v_failed
        from internal.alert_final_counts(p_organization_id, p_now - make_interval(mins => r.window_minutes), p_now) c
       where c.error_code is null or not (c.error_code = any (r.excluded_codes));
      if v_total >= r.min_volume and v_total > 0 then
        v_rate := v_failed::numeric / v_total;
        if v_rate > r.warning_threshold then
          select coalesce(jsonb_agg(jsonb_build_object('code', x.error_code, 'texts', x.n) order by x.n desc), '[]'::jsonb)
            into v_codes
            from (select c.error_code, sum(c.texts) as n
                    from internal.alert_final_counts(p_organization_id, p_now - make_interval(mins => r.window_minutes), p_now) c
                   where c.failed and (c.error_code is null or not (c.error_code = any (r.excluded_codes)))
                   group by 1 order by 2 desc limit 5) x;
          kind := r.kind; subject := '';
          severity := case when v_rate > r.critical_threshold then 'critical' else 'warning' end;
          title := format('%s%% of texts failed in the last %s minutes', round(v_rate * 100), r.window_minutes);
          details := jsonb_build_object('final', v_total, 'failed', v_failed, 'rate', round(v_rate, 4),
                                        'windowMinutes', r.window_minutes, 'warningAbove', r.warning_threshold,
                                        'criticalAbove', r.critical_threshold, 'topCodes', v_codes,
                                        'excludedCodes', to_jsonb(r.excluded_codes));
          return next;
        end if;
      end if;

    elsif r.kind = 'error_code_spike' then
      for kind, subject, severity, title, details in
        select r.kind, recent.error_code::text, 'warning',
               format('Error %s rose to %s texts in %s minutes (usually %s)', recent.error_code, recent.n, r.window_minutes,
                      round(coalesce(base.n, 0) / (7 * 24 * 60.0 / r.window_minutes), 2)),
               jsonb_build_object('code', recent.error_code, 'texts', recent.n, 'windowMinutes', r.window_minutes,
                                  'baselinePerWindow', round(coalesce(base.n, 0) / (7 * 24 * 60.0 / r.window_minutes), 3),
                                  'factor', r.warning_threshold)
          from (select c.error_code, sum(c.texts) as n
                  from internal.alert_final_counts(p_organization_id, p_now - make_interval(mins => r.window_minutes), p_now) c
                 where c.failed and c.error_code is not null and not (c.error_code = any (r.excluded_codes))
                 group by 1) recent
          left join (select c.error_code, sum(c.texts) as n
                       from internal.alert_final_counts(p_organization_id, p_now - interval '7 days', p_now - make_interval(mins => r.window_minutes)) c
                      where c.failed and c.error_code is not null
                      group by 1) base on base.error_code = recent.error_code
         where recent.n >= r.min_volume
           and recent.n >= r.warning_threshold * (coalesce(base.n, 0) / (7 * 24 * 60.0 / r.window_minutes))
      loop
        return next;
      end loop;

    elsif r.kind = 'callbacks_silent' then
      for kind, subject, severity, title, details in
        select r.kind, a.provider, 'critical',
               format('No status callbacks from %s for %s minutes while texts are being sent', a.provider, r.window_minutes),
               jsonb_build_object('provider', a.provider, 'textsSent', a.texts_sent, 'windowMinutes', r.window_minutes,
                                  'lastCallbackAt', a.last_callback_at)
          from internal.alert_callback_activity(p_organization_id, p_now, make_interval(mins => r.window_minutes)) a
         where coalesce(a.callbacks, 0) = 0 and a.texts_sent >= greatest(r.min_volume, 1)
      loop
        return next;
      end loop;

    elsif r.kind = 'queue_stalled' then
      select min(j.run_at), count(*) into v_oldest, v_depth
        from public.sms_messages m
        join public.queue_jobs j on j.id = m.queue_job_id
       where m.organization_id = p_organization_id
         and m.status in ('pending', 'scheduled', 'dispatching')
         and j.status = 'pending' and j.run_at <= p_now;
      if v_oldest is not null and v_oldest < p_now - make_interval(mins => r.window_minutes) then
        kind := r.kind; subject := ''; severity := 'critical';
        title := format('Texts are waiting: the oldest due job has waited %s minutes', floor(extract(epoch from p_now - v_oldest) / 60));
        details := jsonb_build_object('oldestDueAt', v_oldest, 'depth', v_depth, 'thresholdMinutes', r.window_minutes);
        return next;
      end if;

    elsif r.kind = 'verification_caps' then
      -- Verification is the platform's own (signed-in users), so its caps alert the default workspace.
      if to_regclass('public.security_alerts') is not null and p_organization_id = internal.single_organization() then
        execute 'select count(*) from public.security_alerts where kind like ''verification%'' and created_at > $1'
          into v_hits using p_now - make_interval(mins => r.window_minutes);
        if v_hits >= greatest(r.min_volume, 1) then
          kind := r.kind; subject := ''; severity := 'warning';
          title := 'Phone verification texts are hitting their caps';
          execute 'select jsonb_build_object(''hits'', count(*), ''windowMinutes'', $2, ''caps'', coalesce(jsonb_agg(distinct kind || '':'' || subject), ''[]''))
                     from public.security_alerts where kind like ''verification%'' and created_at > $1'
            into details using p_now - make_interval(mins => r.window_minutes), r.window_minutes;
          return next;
        end if;
      end if;

    elsif r.kind = 'spend_cap' then
      select o.monthly_spend_cap into v_cap from public.organizations o where o.id = p_organization_id;
      if v_cap is not null and v_cap > 0 then
        v_spend := internal.alert_month_spend(p_organization_id, p_now);
        if v_spend >= v_cap * r.warning_threshold then
          kind := r.kind; subject := '';
          severity := case when v_spend >= v_cap * r.critical_threshold then 'critical' else 'warning' end;
          title := format('This month''s spend is %s%% of the monthly cap', floor(v_spend / v_cap * 100));
          details := jsonb_build_object('spend', v_spend, 'cap', v_cap, 'share', round(v_spend / v_cap, 4));
          return next;
        end if;
      end if;
    end if;
  end loop;
end;
$$;

-- One evaluation round over every workspace (the worker calls it under an advisory lock).
-- Returns the events it produced: [{event, alertId, organizationId, kind, subject, severity, title}].
create function public.evaluate_alerts(p_now timestamptz default now())
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org uuid;
  c record;
  a public.alerts;
  v_events jsonb := '[]'::jsonb;
  v_seen uuid[];
  v_event text;
begin
  for v_org in select id from public.organizations order by id loop
    v_seen := '{}';
    for c in select * from internal.alert_conditions(v_org, p_now) loop
      select * into a from public.alerts
       where organization_id = v_org and kind = c.kind and subject = c.subject and status = 'open'
       for update;
      v_event := null;
      if not found then
        insert into public.alerts (organization_id, kind, subject, severity, title, details, opened_at, last_true_at, last_notified_at)
        values (v_org, c.kind, c.subject, c.severity, c.title, c.details, p_now, p_now, p_now)
        returning * into a;
        v_event := 'opened';
      else
        v_event := case
          when c.severity = 'critical' and a.severity = 'warning' then 'escalated'
          when a.last_notified_at <= p_now - interval '24 hours' then 'reminded'
        end;
        update public.alerts set
          severity = c.severity, title = c.title, details = c.details, last_true_at = p_now,
          last_notified_at = case when v_event is not null then p_now else last_notified_at end
         where id = a.id
         returning * into a;
      end if;
      v_seen := v_seen || a.id;
      if v_event is not null then
        insert into public.alert_events (alert_id, organization_id, event, severity, details, created_at)
        values (a.id, v_org, v_event, a.severity, a.details, p_now);
        v_events := v_events || jsonb_build_object('event', v_event, 'alertId', a.id, 'organizationId', v_org,
          'kind', a.kind, 'subject', a.subject, 'severity', a.severity, 'title', a.title);
      end if;
    end loop;

    -- Clear for 30 minutes: resolved. A condition that comes and goes within 30 minutes keeps
    -- the same alert open instead of flapping.
    for a in
      update public.alerts set status = 'resolved', resolved_at = p_now
       where organization_id = v_org and status = 'open' and not (id = any (v_seen))
         and last_true_at <= p_now - interval '30 minutes'
      returning *
    loop
      insert into public.alert_events (alert_id, organization_id, event, severity, details, created_at)
      values (a.id, v_org, 'resolved', a.severity, a.details, p_now);
      v_events := v_events || jsonb_build_object('event', 'resolved', 'alertId', a.id, 'organizationId', v_org,
        'kind', a.kind, 'subject', a.subject, 'severity', a.severity, 'title', a.title);
    end loop;
  end loop;
  return v_events;
end;
$$;

revoke execute on function public.evaluate_alerts(timestamptz) from public, anon, authenticated;
grant execute on function public.evaluate_alerts(timestamptz) to service_role;

revoke execute on function internal.alert_rule_defaults() from public;
revoke execute on function internal.alert_rules_for(uuid) from public;
revoke execute on function internal.alert_final_counts(uuid, timestamptz, timestamptz) from public;
revoke execute on function internal.alert_callback_activity(uuid, timestamptz, interval) from public;
revoke execute on function internal.alert_month_spend(uuid, timestamptz) from public;
revoke execute on function internal.alert_conditions(uuid, timestamptz) from public;
