-- The campaign SQL API, part 1: helpers, create_campaign and start_campaign.
-- Errors (SQLSTATE, message prefix):
--   CM001 unknown_campaign · CM002 unknown_import (or expired) · CM003 content_required ·
--   CM004 unknown_template · CM005 invalid_name · CM006 unknown_notification_type ·
--   CM007 invalid_throttle · CM008 invalid_schedule · CM009 not_startable (canceled/empty) ·
--   CM010 over_cap (the estimate exceeds the remaining monthly cap: an owner must confirm) ·
--   CM011 owner_required (only an owner can confirm going over the cap) ·
--   CM012 not_pausable / CM013 not_resumable / CM014 not_cancelable / CM015 not_retryable ·
--   CM016 body_too_long (a row renders over 1,600 characters) · CM020 template_in_use ·
--   TP005 / TP006 from the template renderer, with the row number · WS001 forbidden (role).

-- The sender's pace: Twilio queues a US/CA long code at 1 text/s and a toll-free number at 3/s.
create function internal.campaign_default_throttle(p_organization_id uuid)
returns numeric
language sql
stable
set search_path = ''
as $$
  select case when o.from_number ~ '^\+1(800|833|844|855|866|877|888)[0-9]{7}$' then 3 else 1 end::numeric
  from public.organizations o where o.id = p_organization_id
$$;
revoke all on function internal.campaign_default_throttle(uuid) from public, anon, authenticated;

-- What the workspace has spent this calendar month (its own time zone): Twilio's price where
-- it is known, else the estimate made at queue time, for every text handed to the provider.
create function internal.workspace_month_spend(p_organization_id uuid)
returns numeric
language sql
stable
set search_path = ''
as $$
  select coalesce(sum(coalesce(abs(m.price), m.estimated_cost, 0)), 0)
  from public.organizations o
  join public.sms_messages m on m.organization_id = o.id
  where o.id = p_organization_id
    and m.direction = 'outbound'
    and m.created_at >= (date_trunc('month', now() at time zone o.default_time_zone) at time zone o.default_time_zone)
    and public.sms_status_phase(m.status) in ('dispatching', 'with_provider', 'delivered', 'failed')
$$;
revoke all on function internal.workspace_month_spend(uuid) from public, anon, authenticated;

-- The estimate of an import's texts from the pricing cache (sms_pricing; the web refreshes it
-- for the import's countries first). A country without a known price has cost null and is
-- counted in `unpriced`.
create function internal.campaign_estimate(p_import_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
  with by_country as (
    select r.country, count(*)::integer as texts, sum(r.segments)::integer as segments
    from public.sms_campaign_recipients r where r.import_id = p_import_id
    group by r.country
  ),
  priced as (
    select b.country, b.texts, b.segments, p.outbound_price as unit_price, coalesce(p.price_unit, 'USD') as currency,
           case when p.known and p.outbound_price is not null then round(p.outbound_price * b.segments, 6) end as cost
    from by_country b left join public.sms_pricing p on p.iso_country = b.country
  )
  select jsonb_build_object(
    'texts', coalesce(sum(texts), 0),
    'segments', coalesce(sum(segments), 0),
    'cost', coalesce(sum(cost), 0),
    'currency', coalesce(min(currency), 'USD'),
    'unpriced', coalesce(sum(texts) filter (where cost is null), 0),
    'byCountry', coalesce(jsonb_agg(jsonb_build_object(
      'country', country, 'texts', texts, 'segments', segments, 'unitPrice', unit_price,
      'currency', currency, 'cost', cost) order by texts desc, country), '[]'::jsonb))
  from priced
$$;
revoke all on function internal.campaign_estimate(uuid) from public, anon, authenticated;

-- The template body rendered with string variables only (what a CSV gives): the literal parts
-- between placeholders with each value in between, one pass. Rows whose values are not all
-- non-blank strings go through internal.render_template instead (same result where both
-- apply: supabase/tests/campaign-parity.test.ts).
create function internal.render_template_strings(p_parts text[], p_names text[], p_vars jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select string_agg(p.part || coalesce(p_vars ->> p_names[p.i], ''), '' order by p.i)
  from unnest(p_parts) with ordinality as p (part, i)
$$;
revoke all on function internal.render_template_strings(text[], text[], jsonb) from public, anon, authenticated;

create function public.create_campaign(
  p_organization_id uuid,
  p_import_id uuid,
  p_template_id uuid,
  p_body text,
  p_name text,
  p_notification_type text default null,
  p_throttle_per_second numeric default null,
  p_scheduled_at timestamptz default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_template public.sms_templates;
  v_type text;
  v_id uuid;
  v_estimate jsonb;
  v_throttle numeric;
begin
  perform internal.require_org_role(p_organization_id, 'operator');
  if p_name is null or char_length(btrim(p_name)) not between 1 and 200 then
    raise exception using errcode = 'CM005', message = 'invalid_name: name the campaign (1 to 200 characters)';
  end if;
  if not exists (select 1 from public.sms_campaign_imports i
                 where i.id = p_import_id and i.organization_id = p_organization_id and i.expires_at > now()) then
    raise exception using errcode = 'CM002', message = 'unknown_import: no such import in this workspace (or it expired: upload the list again)';
  end if;
  if (p_template_id is null) = (nullif(btrim(coalesce(p_body, '')), '') is null) then
    raise exception using errcode = 'CM003', message = 'content_required: give a template or a body, not both';
  end if;
  if p_body is not null and char_length(p_body) > 1600 then
    raise exception using errcode = 'CM016', message = 'body_too_long: the body is over 1,600 characters';
  end if;
  if p_template_id is not null then
    select * into v_template from public.sms_templates t
    where t.id = p_template_id and t.is_active
      and (t.organization_id = p_organization_id or t.organization_id is null);
    if not found then
      raise exception using errcode = 'CM004', message = 'unknown_template: no active template with this id in this workspace';
    end if;
  end if;
  v_type := coalesce(p_notification_type, v_template.notification_type, 'custom');
  if not exists (select 1 from public.sms_notification_types where key = v_type) then
    raise exception using errcode = 'CM006', message = format('unknown_notification_type: no notification type "%s"', v_type);
  end if;
  v_throttle := coalesce(p_throttle_per_second, internal.campaign_default_throttle(p_organization_id));
  if v_throttle <= 0 or v_throttle > 500 then
    raise exception using errcode = 'CM007', message = 'invalid_throttle: texts per second must be more than 0 and at most 500';
  end if;
  if p_scheduled_at is not null and (p_scheduled_at < now() - interval '1 minute' or p_scheduled_at > now() + interval '1 year') then
    raise exception using errcode = 'CM008', message = 'invalid_schedule: the start time must be in the future and within a year';
  end if;

  v_estimate := internal.campaign_estimate(p_import_id);
  insert into public.sms_campaigns (
    organization_id, name, template_id, body, notification_type, import_id, throttle_per_second,
    scheduled_at, estimate, estimated_cost, currency, created_by, total_count
  ) values (
    p_organization_id, btrim(p_name), p_template_id, case when p_template_id is null then p_body end, v_type,
    p_import_id, v_throttle, p_scheduled_at, v_estimate, (v_estimate ->> 'cost')::numeric,
    v_estimate ->> 'currency', (select auth.uid()), (v_estimate ->> 'texts')::integer
  ) returning id into v_id;
  -- A list a campaign uses is kept as long as the campaign.
  update public.sms_campaign_imports set expires_at = 'infinity' where id = p_import_id;

  perform internal.write_audit(p_organization_id, (select auth.uid()), 'campaign.created', 'campaign', v_id::text, null,
    jsonb_build_object('name', btrim(p_name), 'import_id', p_import_id, 'template_id', p_template_id,
      'throttle_per_second', v_throttle, 'scheduled_at', p_scheduled_at, 'estimate', v_estimate), null);
  return v_id;
end;
$$;
revoke execute on function public.create_campaign(uuid, uuid, uuid, text, text, text, numeric, timestamptz) from public, anon;
grant execute on function public.create_campaign(uuid, uuid, uuid, text, text, text, numeric, timestamptz) to authenticated, service_role;

-- Looks up a campaign for a caller with at least p_min_role in its workspace, locked.
create function internal.campaign_for_update(p_campaign_id uuid, p_min_role public.org_role)
returns public.sms_campaigns
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_campaign public.sms_campaigns;
begin
  select * into v_campaign from public.sms_campaigns where id = p_campaign_id for update;
  if not found or not public.has_org_role(v_campaign.organization_id, 'viewer') then
    raise exception using errcode = 'CM001', message = 'unknown_campaign: no such campaign';
  end if;
  perform internal.require_org_role(v_campaign.organization_id, p_min_role);
  return v_campaign;
end;
$$;
revoke all on function internal.campaign_for_update(uuid, public.org_role) from public, anon, authenticated;
