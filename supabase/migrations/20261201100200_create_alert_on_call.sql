-- On-call texts for alerts (issue 16): members an admin marks on call get an urgent text (their
-- own verified phone, through queue_sms_message like every other text) when an alert whose rule
-- says so opens, escalates or reminds. Rate-limited per member and per workspace.

alter table public.organization_members add column on_call boolean not null default false;

-- Admins choose who is on call (audited by the members trigger, which records the change).
create function public.set_member_on_call(p_organization_id uuid, p_user_id uuid, p_on_call boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not public.has_org_role(p_organization_id, 'admin') then
    raise exception using errcode = 'WS001', message = 'forbidden: only admins choose who is on call';
  end if;
  update public.organization_members set on_call = coalesce(p_on_call, false)
   where organization_id = p_organization_id and user_id = p_user_id;
  if not found then
    raise exception using errcode = 'WS011', message = 'unknown_member: that person is not a member of this workspace';
  end if;
end;
$$;

revoke execute on function public.set_member_on_call(uuid, uuid, boolean) from public, anon;
grant execute on function public.set_member_on_call(uuid, uuid, boolean) to authenticated;

-- Texts the alerts sent, for the rate limits and the alert page.
create table public.alert_notifications (
  id bigint generated always as identity primary key,
  alert_id uuid not null references public.alerts (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null,
  message_id uuid,
  created_at timestamptz not null default now()
);

create index alert_notifications_org_created_idx on public.alert_notifications (organization_id, created_at desc);
create index alert_notifications_user_created_idx on public.alert_notifications (user_id, alert_id, created_at desc);

alter table public.alert_notifications enable row level security;

create policy "Members can read their workspace's alert texts"
  on public.alert_notifications for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.alert_notifications from anon, authenticated;
grant select on table public.alert_notifications to authenticated;
grant select, insert on table public.alert_notifications to service_role;

-- Queues the on-call texts for the events evaluate_alerts returned. Limits: one text per member
-- per alert per hour, and at most 10 alert texts per workspace per hour. A text about failing
-- texts goes through the same pipeline, so it says it may itself be late. Returns texts queued.
create function public.queue_alert_texts(p_events jsonb)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  e jsonb;
  m record;
  v_org uuid;
  v_alert uuid;
  v_body text;
  v_id uuid;
  v_count integer := 0;
begin
  for e in select * from jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) loop
    continue when e ->> 'event' not in ('opened', 'escalated', 'reminded');
    v_org := (e ->> 'organizationId')::uuid;
    v_alert := (e ->> 'alertId')::uuid;
    continue when not exists (
      select 1 from internal.alert_rules_for(v_org) r where r.kind = e ->> 'kind' and r.notify_on_call
    );
    v_body := left(format('[%s] %s: %s', upper(e ->> 'severity'),
                          (select o.name from public.organizations o where o.id = v_org), e ->> 'title'), 300)
      || case when e ->> 'kind' in ('failure_rate', 'error_code_spike', 'callbacks_silent', 'queue_stalled')
              then ' (This alert travels through the same sending pipeline, so it may itself be late.)' else '' end;
    for m in
      select om.user_id from public.organization_members om
        join public.user_sms_preferences p on p.user_id = om.user_id and p.phone_verified and not p.opted_out
       where om.organization_id = v_org and om.on_call
       order by om.user_id
    loop
      continue when exists (
        select 1 from public.alert_notifications n
         where n.user_id = m.user_id and n.alert_id = v_alert and n.created_at > now() - interval '1 hour'
      );
      exit when (select count(*) from public.alert_notifications n
                  where n.organization_id = v_org and n.created_at > now() - interval '1 hour') >= 10;
      v_id := public.queue_sms_message(
        p_user_id => m.user_id, p_phone_number => null, p_message => v_body, p_priority => 'urgent',
        p_notification_type => 'urgent_alert', p_organization_id => v_org,
        p_dedup_key => format('alert:%s:%s:%s:%s', v_alert, e ->> 'event', m.user_id, to_char(now(), 'YYYYMMDDHH24')));
      insert into public.alert_notifications (alert_id, organization_id, user_id, message_id)
      values (v_alert, v_org, m.user_id, v_id);
      v_count := v_count + 1;
    end loop;
  end loop;
  return v_count;
end;
$$;

revoke execute on function public.queue_alert_texts(jsonb) from public, anon, authenticated;
grant execute on function public.queue_alert_texts(jsonb) to service_role;
