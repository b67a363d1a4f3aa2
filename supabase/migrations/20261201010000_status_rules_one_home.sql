-- One home for the status rules (issue 8). Every query that groups statuses — the history's
-- verdict filter, its summary line, the worker's reconcile sweep, retry_sms_message — calls
-- the functions below instead of spelling out its own list of statuses, and the transition
-- rule is written once (sms_status_can_advance) and used by internal.sms_advance_status.
-- The TypeScript side (@sms/twilio-service: normalizeTwilioStatus, verdictFor) is checked
-- against these for every status and every pair of statuses in supabase/tests/status-parity.test.ts.
--
-- Internal helpers (sms_advance_status, sms_worker_transition) move to schema `internal`, which
-- anon and authenticated cannot use (basejump's pattern), instead of hiding in public behind
-- revokes; the public functions that call them are recreated unchanged apart from that call.

create schema if not exists internal;
revoke all on schema internal from public;
grant usage on schema internal to service_role;

-- The phase of a status — the one grouping of statuses:
--   waiting        pending, scheduled            we hold it
--   dispatching    dispatching                   being handed to the provider
--   with_provider  queued, sending, sent         the provider has it, no final word yet
--   delivered      delivered                     final: the handset has it
--   failed         failed, undelivered           final: it did not arrive
--   not_sent       suppressed, canceled          final: we decided not to send it
--   received       received                      final: an inbound text
-- Null for a word that is not one of our statuses. No `set search_path`, so it inlines.
create function public.sms_status_phase(p_status text)
returns text
language sql
immutable
parallel safe
as $$
  select case p_status
    when 'pending' then 'waiting' when 'scheduled' then 'waiting'
    when 'dispatching' then 'dispatching'
    when 'queued' then 'with_provider' when 'sending' then 'with_provider' when 'sent' then 'with_provider'
    when 'delivered' then 'delivered'
    when 'failed' then 'failed' when 'undelivered' then 'failed'
    when 'suppressed' then 'not_sent' when 'canceled' then 'not_sent'
    when 'received' then 'received'
  end
$$;

revoke execute on function public.sms_status_phase(text) from public;
grant execute on function public.sms_status_phase(text) to anon, authenticated, service_role;

-- Final: nothing but a late 'delivered' (over failed/undelivered) ever changes it again.
create function public.sms_status_is_final(p_status text)
returns boolean
language sql
immutable
parallel safe
as $$
  select public.sms_status_phase(p_status) in ('delivered', 'failed', 'not_sent', 'received')
$$;

revoke execute on function public.sms_status_is_final(text) from public;
grant execute on function public.sms_status_is_final(text) to anon, authenticated, service_role;

-- The transition rule: may a report of p_next replace p_current? Forward by rank only; a
-- repeat is a no-op; among final states 'delivered' (proof from the handset) replaces a
-- failure, otherwise the first final state stands. pending ⇄ scheduled share rank 0: the
-- worker moves between them itself (sms_worker_transition), never through a report.
-- Null for a word that is not one of our statuses.
create function public.sms_status_can_advance(p_current text, p_next text)
returns boolean
language sql
immutable
parallel safe
as $$
  select case
    when public.sms_status_rank(p_current) is null or public.sms_status_rank(p_next) is null then null
    when p_current = p_next then false
    when public.sms_status_is_final(p_current)
      then p_next = 'delivered' and public.sms_status_phase(p_current) = 'failed'
    else public.sms_status_rank(p_next) > public.sms_status_rank(p_current)
  end
$$;

revoke execute on function public.sms_status_can_advance(text, text) from public;
grant execute on function public.sms_status_can_advance(text, text) to anon, authenticated, service_role;

-- The verdict the person sees (twilio-service's VerdictKind): delivered / failed / scheduled /
-- not_sent / in_progress. A waiting text is 'scheduled' only while its time is ahead of p_now.
-- p_now is a parameter (not now()) so the function stays immutable and inlines into a WHERE.
create function public.sms_verdict_kind(p_status text, p_scheduled_for timestamptz, p_now timestamptz)
returns text
language sql
immutable
parallel safe
as $$
  select case public.sms_status_phase(p_status)
    when 'waiting' then case when p_scheduled_for > p_now then 'scheduled' else 'in_progress' end
    when 'dispatching' then 'in_progress'
    when 'with_provider' then 'in_progress'
    when 'delivered' then 'delivered'
    when 'received' then 'delivered'
    when 'failed' then 'failed'
    when 'not_sent' then 'not_sent'
  end
$$;

revoke execute on function public.sms_verdict_kind(text, timestamptz, timestamptz) from public;
grant execute on function public.sms_verdict_kind(text, timestamptz, timestamptz) to anon, authenticated, service_role;

-- Twilio reports a price once the carrier gave its final word; it does not charge a failed text.
-- The reconcile sweep polls final texts in these states until their price is known.
create function public.sms_status_awaits_price(p_status text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_status = 'delivered' or p_status = 'undelivered'
$$;

revoke execute on function public.sms_status_awaits_price(text) from public;
grant execute on function public.sms_status_awaits_price(text) to anon, authenticated, service_role;

-- Moves one message forward if sms_status_can_advance allows it. Callers hold the SID lock.
-- Returns 'applied', 'duplicate' or 'stale'.
create function internal.sms_advance_status(
  p_message_id uuid,
  p_status text,
  p_provider_status text,
  p_error_code integer,
  p_error_message text,
  p_price numeric,
  p_price_unit text
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_current text;
  v_direction text;
  v_user_id uuid;
  v_apply boolean;
begin
  select status, direction, user_id into v_current, v_direction, v_user_id
  from public.sms_messages where id = p_message_id
  for update;

  -- Inbound rows are final on arrival; reports never move them.
  v_apply := v_direction = 'outbound' and public.sms_status_can_advance(v_current, p_status);

  if v_apply then
    update public.sms_messages
    set status = p_status,
        provider_status = coalesce(p_provider_status, provider_status),
        status_reason = case when p_status in ('failed', 'undelivered')
                             then coalesce(p_error_message, status_reason) end,
        error_code = coalesce(p_error_code, error_code),
        error_message = coalesce(p_error_message, error_message),
        price = coalesce(p_price, price),
        price_unit = coalesce(p_price_unit, price_unit),
        sent_at = case when p_status in ('sent', 'delivered', 'undelivered') then coalesce(sent_at, now()) else sent_at end,
        delivered_at = case when p_status = 'delivered' then coalesce(delivered_at, now()) else delivered_at end,
        failed_at = case when p_status in ('failed', 'undelivered') then coalesce(failed_at, now()) else failed_at end
    where id = p_message_id;

    perform pg_notify('sms_status', json_build_object(
      'message_id', p_message_id, 'user_id', v_user_id, 'status', p_status)::text);
    return 'applied';
  end if;

  if p_price is not null then
    update public.sms_messages
    set price = p_price, price_unit = coalesce(p_price_unit, price_unit)
    where id = p_message_id and price is distinct from p_price;
  end if;

  return case when p_status = v_current then 'duplicate' else 'stale' end;
end;
$$;

revoke all on function internal.sms_advance_status(uuid, text, text, integer, text, numeric, text) from public, anon, authenticated;

-- Internal: the worker's own transitions share this. Locks the row, checks the allowed
-- previous states, writes the change, logs a 'worker' event and notifies. Returns the
-- previous status, or null when the message does not exist.
create function internal.sms_worker_transition(
  p_message_id uuid,
  p_to text,
  p_allowed_from text[],
  p_reason text,
  p_error_code integer,
  p_error_message text,
  p_scheduled_for timestamptz
)
returns table (previous_status text, changed boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_prev text;
  v_sid text;
  v_user_id uuid;
begin
  select status, twilio_sid, user_id into v_prev, v_sid, v_user_id
  from public.sms_messages where id = p_message_id
  for update;
  if not found then
    return query select null::text, false;
    return;
  end if;

  -- Once Twilio has the message (a SID), only Twilio's reports or a failure move it.
  if not (v_prev = any (p_allowed_from)) or (v_sid is not null and p_to <> 'failed') then
    return query select v_prev, false;
    return;
  end if;

  update public.sms_messages
  set status = p_to,
      status_reason = coalesce(p_reason, p_error_message),
      scheduled_for = case when p_to = 'scheduled' then p_scheduled_for else scheduled_for end,
      dispatched_at = case when p_to = 'dispatching' then now() else dispatched_at end,
      attempt_count = attempt_count + case when p_to = 'dispatching' then 1 else 0 end,
      error_code = case when p_to = 'failed' then coalesce(p_error_code, error_code) else error_code end,
      error_message = case when p_to = 'failed' then coalesce(p_error_message, error_message) else error_message end,
      failed_at = case when p_to = 'failed' then coalesce(failed_at, now()) else failed_at end
  where id = p_message_id;

  insert into public.sms_delivery_events (
    message_id, twilio_sid, raw_status, status, error_code, error_message, payload, source, applied
  ) values (
    p_message_id, v_sid, null, p_to, p_error_code, p_error_message,
    jsonb_strip_nulls(jsonb_build_object('reason', p_reason, 'scheduled_for', p_scheduled_for)),
    'worker', true
  );

  perform pg_notify('sms_status', json_build_object(
    'message_id', p_message_id, 'user_id', v_user_id, 'status', p_to)::text);
  return query select v_prev, true;
end;
$$;

revoke all on function internal.sms_worker_transition(uuid, text, text[], text, integer, text, timestamptz) from public, anon, authenticated;

-- The callers, recreated to call the helpers in `internal` (bodies otherwise unchanged).

create or replace function public.apply_sms_status(
  p_sid text,
  p_status text,
  p_error_code integer default null,
  p_error_message text default null,
  p_payload jsonb default null,
  p_source text default 'webhook',
  p_sender_ip inet default null,
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
  v_status text := public.normalize_twilio_status(p_status);
  v_message_id uuid;
  v_outcome text;
  v_event_id bigint;
  v_current text;
begin
  if p_sid is null or btrim(p_sid) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a message SID is required';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('sms_sid:' || p_sid, 0));

  select id into v_message_id from public.sms_messages where twilio_sid = p_sid;

  if v_message_id is null then
    v_outcome := 'orphaned';
  elsif v_status is null then
    v_outcome := 'unknown_status';
  else
    v_outcome := internal.sms_advance_status(
      v_message_id, v_status, p_status, p_error_code, p_error_message, p_price, p_price_unit);
  end if;

  insert into public.sms_delivery_events (
    message_id, twilio_sid, raw_status, status, error_code, error_message, price, price_unit,
    payload, source, sender_ip, applied
  ) values (
    v_message_id, p_sid, p_status, v_status, p_error_code, p_error_message, p_price, p_price_unit,
    p_payload, coalesce(p_source, 'webhook'), p_sender_ip, v_outcome = 'applied'
  )
  returning id into v_event_id;

  if v_message_id is not null then
    select status into v_current from public.sms_messages where id = v_message_id;
  end if;

  return jsonb_build_object(
    'outcome', v_outcome, 'message_id', v_message_id, 'status', v_current, 'event_id', v_event_id);
end;
$$;

revoke execute on function public.apply_sms_status(text, text, integer, text, jsonb, text, inet, numeric, text) from public, anon, authenticated;
grant execute on function public.apply_sms_status(text, text, integer, text, jsonb, text, inet, numeric, text) to service_role;

create or replace function public.attach_sms_sid(
  p_message_id uuid,
  p_sid text,
  p_provider_status text,
  p_segments integer,
  p_encoding text,
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
  v_existing_sid text;
  v_status text;
  v_outcome text;
  v_replayed integer := 0;
  v_event record;
begin
  if p_sid is null or btrim(p_sid) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a message SID is required';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('sms_sid:' || p_sid, 0));

  select twilio_sid into v_existing_sid from public.sms_messages where id = p_message_id for update;
  if not found then
    raise exception using errcode = 'SM009', message = format('unknown_message: no message %s', p_message_id);
  end if;
  if v_existing_sid is not null and v_existing_sid <> p_sid then
    raise exception using errcode = 'SM011',
      message = format('sid_conflict: message %s already has SID %s', p_message_id, v_existing_sid);
  end if;

  begin
    update public.sms_messages
    set twilio_sid = p_sid,
        segments = coalesce(p_segments, segments),
        encoding = coalesce(p_encoding, encoding),
        price = coalesce(p_price, price),
        price_unit = coalesce(p_price_unit, price_unit),
        dispatched_at = coalesce(dispatched_at, now())
    where id = p_message_id;
  exception when unique_violation then
    raise exception using errcode = 'SM011',
      message = format('sid_conflict: SID %s belongs to another message', p_sid);
  end;

  if p_provider_status is not null and v_existing_sid is null then
    v_status := public.normalize_twilio_status(p_provider_status);
    v_outcome := case when v_status is null then 'unknown_status' else internal.sms_advance_status(
      p_message_id, v_status, p_provider_status, null, null, p_price, p_price_unit) end;
    insert into public.sms_delivery_events (
      message_id, twilio_sid, raw_status, status, price, price_unit, source, applied
    ) values (
      p_message_id, p_sid, p_provider_status, v_status, p_price, p_price_unit, 'api', v_outcome = 'applied'
    );
  end if;

  for v_event in
    select id, raw_status, status, error_code, error_message, price, price_unit
    from public.sms_delivery_events
    where twilio_sid = p_sid and message_id is null
    order by received_at, id
  loop
    v_outcome := case when v_event.status is null then 'unknown_status' else internal.sms_advance_status(
      p_message_id, v_event.status, v_event.raw_status, v_event.error_code, v_event.error_message,
      v_event.price, v_event.price_unit) end;
    update public.sms_delivery_events
    set message_id = p_message_id, applied = v_outcome = 'applied'
    where id = v_event.id;
    v_replayed := v_replayed + 1;
  end loop;

  select status into v_status from public.sms_messages where id = p_message_id;
  return jsonb_build_object('message_id', p_message_id, 'status', v_status, 'replayed', v_replayed);
end;
$$;

revoke execute on function public.attach_sms_sid(uuid, text, text, integer, text, numeric, text) from public, anon, authenticated;
grant execute on function public.attach_sms_sid(uuid, text, text, integer, text, numeric, text) to service_role;

create or replace function public.mark_sms_dispatching(p_message_id uuid)
returns text
language sql
volatile
security definer
set search_path = ''
as $$
  select previous_status from internal.sms_worker_transition(
    p_message_id, 'dispatching', array['pending', 'scheduled'], null, null, null, null)
$$;

revoke execute on function public.mark_sms_dispatching(uuid) from public, anon, authenticated;
grant execute on function public.mark_sms_dispatching(uuid) to service_role;

create or replace function public.mark_sms_suppressed(p_message_id uuid, p_reason text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from internal.sms_worker_transition(
    p_message_id, 'suppressed', array['pending', 'scheduled', 'dispatching'], p_reason, null, null, null)
$$;

revoke execute on function public.mark_sms_suppressed(uuid, text) from public, anon, authenticated;
grant execute on function public.mark_sms_suppressed(uuid, text) to service_role;

create or replace function public.mark_sms_scheduled(p_message_id uuid, p_until timestamptz, p_reason text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from internal.sms_worker_transition(
    p_message_id, 'scheduled', array['pending', 'scheduled', 'dispatching'], p_reason, null, null, p_until)
$$;

revoke execute on function public.mark_sms_scheduled(uuid, timestamptz, text) from public, anon, authenticated;
grant execute on function public.mark_sms_scheduled(uuid, timestamptz, text) to service_role;

create or replace function public.mark_sms_failed(p_message_id uuid, p_error_code integer, p_error_message text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from internal.sms_worker_transition(
    p_message_id, 'failed', array['pending', 'scheduled', 'dispatching', 'queued', 'sending', 'sent'],
    null, p_error_code, p_error_message, null)
$$;

revoke execute on function public.mark_sms_failed(uuid, integer, text) from public, anon, authenticated;
grant execute on function public.mark_sms_failed(uuid, integer, text) to service_role;

create or replace function public.cancel_sms_message(p_message_id uuid, p_reason text default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_changed boolean;
begin
  select changed into v_changed from internal.sms_worker_transition(
    p_message_id, 'canceled', array['pending', 'scheduled'], coalesce(p_reason, 'canceled'), null, null, null);
  if v_changed then
    update public.queue_jobs j
    set status = 'canceled', completed_at = now()
    from public.sms_messages m
    where m.id = p_message_id and j.id = m.queue_job_id and j.status = 'pending';
  end if;
  return coalesce(v_changed, false);
end;
$$;

revoke execute on function public.cancel_sms_message(uuid, text) from public, anon, authenticated;
grant execute on function public.cancel_sms_message(uuid, text) to service_role;

drop function public.sms_advance_status(uuid, text, text, integer, text, numeric, text);
drop function public.sms_worker_transition(uuid, text, text[], text, integer, text, timestamptz);
