-- The reconciler polls the HTTP providers (sms-retail, 23telecom) for texts whose delivery
-- reports never came, and applies what they answer through the same forward-only path as
-- their webhook, recorded as source 'poll' (as Twilio's polls are). The body of
-- apply_provider_status moves, unchanged but for the source, into
-- internal.apply_provider_report; apply_provider_status (webhook) and the new
-- apply_provider_polled_status (poll) both call it.

create function internal.apply_provider_report(
  p_source text,
  p_provider text,
  p_reference text,
  p_raw_status text,
  p_status text,
  p_error_code text,
  p_payload jsonb,
  p_sender_ip inet,
  p_price numeric,
  p_price_unit text,
  p_segments integer
)
returns jsonb
language plpgsql
volatile
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
    p_segments, p_payload, p_source, p_sender_ip, v_outcome = 'applied'
  )
  returning id into v_event_id;

  if v_message_id is not null then
    select status into v_current from public.sms_messages where id = v_message_id;
  end if;

  return jsonb_build_object(
    'outcome', v_outcome, 'message_id', v_message_id, 'status', v_current, 'event_id', v_event_id);
end;
$$;

revoke execute on function internal.apply_provider_report(text, text, text, text, text, text, jsonb, inet, numeric, text, integer) from public;

-- The webhook's entry point: same signature and answer as before.
create or replace function public.apply_provider_status(
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
language sql
volatile
security definer
set search_path = ''
as $$
  select internal.apply_provider_report('webhook', p_provider, p_reference, p_raw_status, p_status, p_error_code,
                                        p_payload, p_sender_ip, p_price, p_price_unit, p_segments);
$$;

revoke execute on function public.apply_provider_status(text, text, text, text, text, jsonb, inet, numeric, text, integer)
  from public, anon, authenticated;
grant execute on function public.apply_provider_status(text, text, text, text, text, jsonb, inet, numeric, text, integer)
  to service_role;

-- The reconciler's: what the provider answered to a status lookup (no sender IP: we asked).
create function public.apply_provider_polled_status(
  p_provider text,
  p_reference text,
  p_raw_status text,
  p_status text,
  p_error_code text default null,
  p_payload jsonb default null,
  p_price numeric default null,
  p_price_unit text default null,
  p_segments integer default null
)
returns jsonb
language sql
volatile
security definer
set search_path = ''
as $$
  select internal.apply_provider_report('poll', p_provider, p_reference, p_raw_status, p_status, p_error_code,
                                        p_payload, null, p_price, p_price_unit, p_segments);
$$;

revoke execute on function public.apply_provider_polled_status(text, text, text, text, text, jsonb, numeric, text, integer)
  from public, anon, authenticated;
grant execute on function public.apply_provider_polled_status(text, text, text, text, text, jsonb, numeric, text, integer)
  to service_role;
