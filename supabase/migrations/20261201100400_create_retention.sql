-- Retention (issue 16): per workspace, message bodies are kept N days (default: for ever) and
-- then replaced by a marker that says so, keeping every verdict, time, cost and event; raw
-- provider payloads are kept M days (default 90). A daily worker job applies it in batches.

alter table public.organizations
  add column body_retention_days integer
    constraint organizations_body_retention_check check (body_retention_days is null or body_retention_days between 1 and 36500),
  add column payload_retention_days integer not null default 90
    constraint organizations_payload_retention_check check (payload_retention_days between 1 and 36500);

alter table public.sms_messages add column body_redacted_at timestamptz;

create index sms_messages_org_unredacted_idx on public.sms_messages (organization_id, created_at)
  where body_redacted_at is null;

-- The marker a redacted text shows in the history and the log instead of nothing.
create function internal.redaction_marker(p_days integer)
returns text
language sql
immutable
set search_path = ''
as $$
  select format('[Text removed after %s days]', p_days)
$$;

revoke execute on function internal.redaction_marker(integer) from public;

-- One batch for every workspace: up to p_batch bodies and p_batch payloads each. Returns
-- {"bodies": n, "payloads": m}; the worker calls it until both are 0.
create function public.apply_retention(p_batch integer default 1000, p_now timestamptz default now())
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  o record;
  v_bodies integer := 0;
  v_payloads integer := 0;
  v_n integer;
begin
  for o in select id, body_retention_days, payload_retention_days from public.organizations loop
    if o.body_retention_days is not null then
      -- Only texts that are done: a body still to be sent is never removed.
      update public.sms_messages m
         set message_content = internal.redaction_marker(o.body_retention_days),
             template_vars = null,
             body_redacted_at = p_now
       where m.id in (
         select id from public.sms_messages
          where organization_id = o.id and body_redacted_at is null
            and created_at < p_now - make_interval(days => o.body_retention_days)
            and status in ('delivered', 'undelivered', 'failed', 'suppressed', 'canceled', 'sent', 'received')
          limit greatest(p_batch, 1)
       );
      get diagnostics v_n = row_count;
      v_bodies := v_bodies + v_n;
    end if;

    update public.sms_delivery_events e
       set payload = jsonb_build_object('redacted', true, 'after_days', o.payload_retention_days)
     where e.id in (
       select ev.id from public.sms_delivery_events ev
         join public.sms_messages m on m.id = ev.message_id
        where m.organization_id = o.id
          and ev.received_at < p_now - make_interval(days => o.payload_retention_days)
          and ev.payload is not null and not (ev.payload ? 'redacted')
        limit greatest(p_batch, 1)
     );
    get diagnostics v_n = row_count;
    v_payloads := v_payloads + v_n;
  end loop;
  return jsonb_build_object('bodies', v_bodies, 'payloads', v_payloads);
end;
$$;

revoke execute on function public.apply_retention(integer, timestamptz) from public, anon, authenticated;
grant execute on function public.apply_retention(integer, timestamptz) to service_role;

-- Owners set the workspace's retention (audited by the organizations trigger).
create function public.set_retention(p_organization_id uuid, p_body_days integer, p_payload_days integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not public.has_org_role(p_organization_id, 'owner') then
    raise exception using errcode = 'WS001', message = 'forbidden: only owners change how long texts are kept';
  end if;
  begin
    update public.organizations
       set body_retention_days = p_body_days, payload_retention_days = coalesce(p_payload_days, 90)
     where id = p_organization_id;
  exception when check_violation then
    raise exception using errcode = 'WS005', message = 'invalid_retention: keep texts and payloads 1 to 36500 days';
  end;
end;
$$;

revoke execute on function public.set_retention(uuid, integer, integer) from public, anon;
grant execute on function public.set_retention(uuid, integer, integer) to authenticated;
