-- Delivery reports from the HTTP providers, through the same forward-only rule as Twilio's
-- (sms_advance_status) and into the same event log. A report whose reference is not stored
-- yet is kept (message_id null) and replayed by attach_provider_reference, as attach_sms_sid
-- does for Twilio. Statuses arrive normalised by @sms/providers (one table per provider);
-- 'unknown' is stored with its raw word and moves nothing.

create function public.apply_provider_status(
  p_provider text,
  p_reference text,
  p_raw_status text,
  p_status text,
  p_error_code text default null,
  p_payload jsonb default null,
  p_sender_ip inet default null,
  p_price numeric default null,
  p_price_unit text default null,
  p_segments integer default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_status text := nullif(p_status, 'unknown');
  v_message_id uuid;
  v_outcome text;
  v_event_id bigint;
  v_current text;
begin
  if p_provider is null or p_provider not in ('sms-retail', '23telecom') then
    raise exception using errcode = 'SM013', message = 'invalid_argument: an HTTP provider is required';
  end if;
  if p_reference is null or btrim(p_reference) = '' or char_length(p_reference) > 200 then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a provider reference is required';
  end if;
  if v_status is not null and v_status not in ('queued', 'sent', 'delivered', 'undelivered', 'failed') then
    raise exception using errcode = 'SM013', message = format('invalid_argument: %s is not a delivery status', p_status);
  end if;

  perform pg_advisory_xact_lock(hashtextextended('sms_ref:' || p_provider || ':' || p_reference, 0));

  select id into v_message_id from public.sms_messages
  where provider = p_provider and provider_reference = p_reference;

  if v_message_id is null then
    v_outcome := 'orphaned';
  elsif v_status is null then
    v_outcome := 'unknown_status';
  else
    v_outcome := internal.sms_advance_status(
      v_message_id, v_status, left(p_raw_status, 100), null,
      case when v_status in ('failed', 'undelivered') and p_error_code is not null
           then format('%s reported %s (%s)', p_provider, p_raw_status, left(p_error_code, 100)) end,
      p_price, p_price_unit);
  end if;

  if v_message_id is not null and p_segments is not null then
    update public.sms_messages set segments = p_segments
    where id = v_message_id and segments is distinct from p_segments;
  end if;

  insert into public.sms_delivery_events (
    message_id, provider, provider_reference, raw_status, status, error_message, price, price_unit, segments,
    payload, source, sender_ip, applied
  ) values (
    v_message_id, p_provider, p_reference, left(p_raw_status, 100), v_status, left(p_error_code, 200), p_price, p_price_unit,
    p_segments, p_payload, 'webhook', p_sender_ip, v_outcome = 'applied'
  )
  returning id into v_event_id;

  if v_message_id is not null then
    select status into v_current from public.sms_messages where id = v_message_id;
  end if;

  return jsonb_build_object(
    'outcome', v_outcome, 'message_id', v_message_id, 'status', v_current, 'event_id', v_event_id);
end;
$$;

revoke execute on function public.apply_provider_status(text, text, text, text, text, jsonb, inet, numeric, text, integer)
  from public, anon, authenticated;
grant execute on function public.apply_provider_status(text, text, text, text, text, jsonb, inet, numeric, text, integer)
  to service_role;

-- A callback nobody can attribute (no messageId / numeric id): kept, for the delivery log.
create function public.record_unmatched_callback(p_payload jsonb, p_sender_ip inet default null)
returns bigint
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.sms_delivery_events (payload, source, sender_ip, applied)
  values (p_payload, 'webhook', p_sender_ip, false)
  returning id;
$$;

revoke execute on function public.record_unmatched_callback(jsonb, inet) from public, anon, authenticated;
grant execute on function public.record_unmatched_callback(jsonb, inet) to service_role;

-- The worker stores an HTTP provider's reference once it accepted the text, then replays (in
-- received order) every report that arrived first. Idempotent for the same reference.
create function public.attach_provider_reference(
  p_message_id uuid,
  p_provider text,
  p_reference text,
  p_raw_status text default null,
  p_status text default 'queued',
  p_segments integer default null,
  p_price numeric default null,
  p_price_unit text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_existing record;
  v_outcome text;
  v_replayed integer := 0;
  v_event record;
  v_status text;
begin
  if p_provider is null or p_provider not in ('sms-retail', '23telecom') then
    raise exception using errcode = 'SM013', message = 'invalid_argument: an HTTP provider is required';
  end if;
  if p_reference is null or btrim(p_reference) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a provider reference is required';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('sms_ref:' || p_provider || ':' || p_reference, 0));

  select provider, provider_reference into v_existing from public.sms_messages where id = p_message_id for update;
  if not found then
    raise exception using errcode = 'SM009', message = format('unknown_message: no message %s', p_message_id);
  end if;
  if v_existing.provider_reference is not null
     and (v_existing.provider, v_existing.provider_reference) is distinct from (p_provider, p_reference) then
    raise exception using errcode = 'SM011',
      message = format('sid_conflict: message %s already has reference %s at %s', p_message_id,
                       v_existing.provider_reference, v_existing.provider);
  end if;

  begin
    update public.sms_messages
    set provider = p_provider,
        provider_reference = p_reference,
        segments = coalesce(p_segments, segments),
        price = coalesce(p_price, price),
        price_unit = coalesce(p_price_unit, price_unit),
        dispatched_at = coalesce(dispatched_at, now())
    where id = p_message_id;
  exception when unique_violation then
    raise exception using errcode = 'SM011',
      message = format('sid_conflict: reference %s at %s belongs to another message', p_reference, p_provider);
  end;

  -- The send answer is the first report (as attach_sms_sid records Twilio's).
  if v_existing.provider_reference is null then
    v_status := nullif(p_status, 'unknown');
    if v_status is not null and v_status not in ('queued', 'sent', 'delivered', 'undelivered', 'failed') then
      raise exception using errcode = 'SM013', message = format('invalid_argument: %s is not a delivery status', p_status);
    end if;
    v_outcome := case when v_status is null then 'unknown_status' else internal.sms_advance_status(
      p_message_id, v_status, left(p_raw_status, 100), null, null, p_price, p_price_unit) end;
    insert into public.sms_delivery_events (
      message_id, provider, provider_reference, raw_status, status, price, price_unit, segments, source, applied
    ) values (
      p_message_id, p_provider, p_reference, left(p_raw_status, 100), v_status, p_price, p_price_unit, p_segments,
      'api', v_outcome = 'applied'
    );
  end if;

  for v_event in
    select id, raw_status, status, error_message, price, price_unit, segments
    from public.sms_delivery_events
    where provider = p_provider and provider_reference = p_reference and message_id is null
    order by received_at, id
  loop
    v_outcome := case when v_event.status is null then 'unknown_status' else internal.sms_advance_status(
      p_message_id, v_event.status, v_event.raw_status, null,
      case when v_event.status in ('failed', 'undelivered') and v_event.error_message is not null
           then format('%s reported %s (%s)', p_provider, v_event.raw_status, v_event.error_message) end,
      v_event.price, v_event.price_unit) end;
    if v_event.segments is not null then
      update public.sms_messages set segments = v_event.segments where id = p_message_id;
    end if;
    update public.sms_delivery_events
    set message_id = p_message_id, applied = v_outcome = 'applied'
    where id = v_event.id;
    v_replayed := v_replayed + 1;
  end loop;

  select status into v_status from public.sms_messages where id = p_message_id;
  return jsonb_build_object('message_id', p_message_id, 'status', v_status, 'replayed', v_replayed);
end;
$$;

revoke execute on function public.attach_provider_reference(uuid, text, text, text, text, integer, numeric, text)
  from public, anon, authenticated;
grant execute on function public.attach_provider_reference(uuid, text, text, text, text, integer, numeric, text) to service_role;
