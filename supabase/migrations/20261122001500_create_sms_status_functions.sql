-- Status reports and worker transitions for sms_messages (service role only).
--
-- Ranks (DESIGN §5): pending/scheduled 0, dispatching 1, queued 2, sending 3, sent 4, final 5
-- (delivered, undelivered, failed, suppressed, canceled; received for inbound). A report moves
-- a message only forward; among final states delivered (proof from the handset) replaces
-- undelivered/failed, otherwise the first final state stands. Every report is appended to
-- sms_delivery_events, whatever its outcome.
--
-- Named exceptions: SM009 unknown_message, SM011 sid_conflict, SM013 invalid_argument.
--
-- Concurrency: reports for one SID are serialised with a transaction-scoped advisory lock on
-- the SID (so a callback racing attach_sms_sid is either seen by it or sees the SID), and the
-- message row is locked FOR UPDATE before its status is compared, so racing callbacks cannot
-- regress a status.

create function public.sms_status_rank(p_status text)
returns smallint
language sql
immutable
parallel safe
as $$
  select case p_status
    when 'pending' then 0 when 'scheduled' then 0
    when 'dispatching' then 1
    when 'queued' then 2
    when 'sending' then 3
    when 'sent' then 4
    when 'delivered' then 5 when 'undelivered' then 5 when 'failed' then 5
    when 'suppressed' then 5 when 'canceled' then 5 when 'received' then 5
  end::smallint
$$;

-- Twilio's message status word → ours; null when we do not know it (the report is still kept).
create function public.normalize_twilio_status(p_status text)
returns text
language sql
immutable
parallel safe
as $$
  select case pg_catalog.lower(pg_catalog.btrim(p_status))
    when 'accepted' then 'queued'
    when 'scheduled' then 'queued'
    when 'queued' then 'queued'
    when 'sending' then 'sending'
    when 'sent' then 'sent'
    when 'delivered' then 'delivered'
    when 'read' then 'delivered'
    when 'undelivered' then 'undelivered'
    when 'failed' then 'failed'
    when 'canceled' then 'canceled'
  end
$$;

-- Moves one message forward if the rank rules allow it. Internal: callers hold the SID lock.
-- Returns 'applied', 'duplicate' or 'stale'.
create function public.sms_advance_status(
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

  if v_direction = 'inbound' then
    v_apply := false;
  elsif p_status = v_current then
    v_apply := false;
  elsif public.sms_status_rank(v_current) = 5 then
    v_apply := p_status = 'delivered' and v_current in ('undelivered', 'failed');
  else
    v_apply := public.sms_status_rank(p_status) > public.sms_status_rank(v_current);
  end if;

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

-- A status report from Twilio (webhook, API response or poll). Never raises for an unknown
-- status or an unknown SID. Returns {outcome, message_id, status, event_id} where outcome is
-- applied / duplicate / stale / unknown_status / orphaned.
create function public.apply_sms_status(
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
    v_outcome := public.sms_advance_status(
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

-- The worker stores the SID once Twilio accepted the message, records Twilio's answer as an
-- 'api' report, then replays (in received order) every report that arrived before the SID was
-- known. Idempotent for the same SID. Returns {message_id, status, replayed}.
create function public.attach_sms_sid(
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
    v_outcome := case when v_status is null then 'unknown_status' else public.sms_advance_status(
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
    v_outcome := case when v_event.status is null then 'unknown_status' else public.sms_advance_status(
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

-- Internal: the worker's own transitions share this. Locks the row, checks the allowed
-- previous states, writes the change, logs a 'worker' event and notifies. Returns the
-- previous status, or null when the message does not exist.
create function public.sms_worker_transition(
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

-- About to call Twilio. Returns the status the message had: 'pending' / 'scheduled' mean the
-- caller may send now; 'dispatching' means an earlier attempt may have reached Twilio and must
-- be reconciled first; anything else means do not send. Null: no such message.
create function public.mark_sms_dispatching(p_message_id uuid)
returns text
language sql
volatile
security definer
set search_path = ''
as $$
  select previous_status from public.sms_worker_transition(
    p_message_id, 'dispatching', array['pending', 'scheduled'], null, null, null, null)
$$;

-- Not sent on purpose (opted out, unverified, type off, expired). True if the status changed.
create function public.mark_sms_suppressed(p_message_id uuid, p_reason text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from public.sms_worker_transition(
    p_message_id, 'suppressed', array['pending', 'scheduled', 'dispatching'], p_reason, null, null, null)
$$;

-- Deferred until p_until (quiet hours, daily limit, retry back-off before Twilio accepted it).
create function public.mark_sms_scheduled(p_message_id uuid, p_until timestamptz, p_reason text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from public.sms_worker_transition(
    p_message_id, 'scheduled', array['pending', 'scheduled', 'dispatching'], p_reason, null, null, p_until)
$$;

-- Permanent failure decided by the worker (API rejection, retries exhausted).
create function public.mark_sms_failed(p_message_id uuid, p_error_code integer, p_error_message text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  select changed from public.sms_worker_transition(
    p_message_id, 'failed', array['pending', 'scheduled', 'dispatching', 'queued', 'sending', 'sent'],
    null, p_error_code, p_error_message, null)
$$;

-- Cancel a message that has not been dispatched, and its job.
create function public.cancel_sms_message(p_message_id uuid, p_reason text default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_changed boolean;
begin
  select changed into v_changed from public.sms_worker_transition(
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

-- An inbound text (Twilio's incoming webhook). Idempotent on the SID (Twilio retries).
-- The sender's verified owner, if any, becomes the row's user. Returns the message id.
create function public.record_inbound_sms(
  p_sid text,
  p_from text,
  p_body text,
  p_payload jsonb default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_user_id uuid;
begin
  if p_sid is null or btrim(p_sid) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a message SID is required';
  end if;
  if not public.is_e164(p_from) then
    raise exception using errcode = 'SM004', message = format('invalid_phone: %s is not an E.164 number', p_from);
  end if;

  select user_id into v_user_id from public.user_sms_preferences
  where phone_number = p_from and phone_verified;

  insert into public.sms_messages (user_id, direction, phone_number, message_content, status, provider_status, twilio_sid, template_vars)
  values (v_user_id, 'inbound', p_from, coalesce(p_body, ''), 'received', 'received', p_sid, null)
  on conflict (twilio_sid) do nothing
  returning id into v_id;

  if v_id is null then
    select id into v_id from public.sms_messages where twilio_sid = p_sid;
    return v_id;
  end if;

  insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, payload, source, applied)
  values (v_id, p_sid, 'received', 'received', p_payload, 'webhook', true);

  perform pg_notify('sms_status', json_build_object(
    'message_id', v_id, 'user_id', v_user_id, 'status', 'received')::text);
  return v_id;
end;
$$;

revoke execute on function public.sms_status_rank(text) from public;
revoke execute on function public.normalize_twilio_status(text) from public;
grant execute on function public.sms_status_rank(text) to anon, authenticated, service_role;
grant execute on function public.normalize_twilio_status(text) to anon, authenticated, service_role;

revoke execute on function public.sms_advance_status(uuid, text, text, integer, text, numeric, text) from public, anon, authenticated, service_role;
revoke execute on function public.sms_worker_transition(uuid, text, text[], text, integer, text, timestamptz) from public, anon, authenticated, service_role;

revoke execute on function public.apply_sms_status(text, text, integer, text, jsonb, text, inet, numeric, text) from public, anon, authenticated;
revoke execute on function public.attach_sms_sid(uuid, text, text, integer, text, numeric, text) from public, anon, authenticated;
revoke execute on function public.mark_sms_dispatching(uuid) from public, anon, authenticated;
revoke execute on function public.mark_sms_suppressed(uuid, text) from public, anon, authenticated;
revoke execute on function public.mark_sms_scheduled(uuid, timestamptz, text) from public, anon, authenticated;
revoke execute on function public.mark_sms_failed(uuid, integer, text) from public, anon, authenticated;
revoke execute on function public.cancel_sms_message(uuid, text) from public, anon, authenticated;
revoke execute on function public.record_inbound_sms(text, text, text, jsonb) from public, anon, authenticated;

grant execute on function public.apply_sms_status(text, text, integer, text, jsonb, text, inet, numeric, text) to service_role;
grant execute on function public.attach_sms_sid(uuid, text, text, integer, text, numeric, text) to service_role;
grant execute on function public.mark_sms_dispatching(uuid) to service_role;
grant execute on function public.mark_sms_suppressed(uuid, text) to service_role;
grant execute on function public.mark_sms_scheduled(uuid, timestamptz, text) to service_role;
grant execute on function public.mark_sms_failed(uuid, integer, text) to service_role;
grant execute on function public.cancel_sms_message(uuid, text) to service_role;
grant execute on function public.record_inbound_sms(text, text, text, jsonb) to service_role;
