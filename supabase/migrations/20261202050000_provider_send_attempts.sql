-- The worker sends through the provider port (issue 14): every call to a provider about a text
-- is an attempt, written down BEFORE the call. Recovery after a crash asks exactly the
-- providers whose attempt is still open (it may have accepted the text), so the exactly-once
-- guarantee of issue 9 holds across providers and failover: a text goes to the next provider
-- only after the previous one certainly did not accept it. The attempts are also the message's
-- failover story on the console timeline (provider, outcome, error).
--
-- New functions wrap the shared ones (sms_begin_dispatch, sms_recover_unsent) instead of
-- redefining them, so other branches' changes to those keep working. Redefined here:
-- internal.sms_release_abandoned_slot (an HTTP provider's reference counts as "sent", as a SID does).

create table public.sms_send_attempts (
  id bigint generated always as identity primary key,
  message_id uuid not null references public.sms_messages (id) on delete cascade,
  organization_id uuid references public.organizations (id) on delete cascade,
  provider text not null constraint sms_send_attempts_provider_check check (provider in ('twilio', 'sms-retail', '23telecom')),
  -- sending: the call is (or was) under way; unknown: it may have been accepted (timeout, 500 …).
  -- Both are "open": recovery asks that provider before anything else happens to the text.
  outcome text not null default 'sending' constraint sms_send_attempts_outcome_check check (
    outcome in ('sending', 'accepted', 'refused', 'unknown', 'found', 'not_found')),
  reference text,
  -- The port's classification of a failure: retry_later, permanent, provider_unavailable.
  error_kind text,
  error_code text,
  error_message text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);

create index sms_send_attempts_message_idx on public.sms_send_attempts (message_id, id);
create index sms_send_attempts_open_idx on public.sms_send_attempts (message_id)
  where outcome in ('sending', 'unknown');

alter table public.sms_send_attempts enable row level security;

create policy "Members can read their workspace's send attempts"
  on public.sms_send_attempts for select to authenticated
  using (organization_id = any ((select public.org_ids_with_role('viewer'))::uuid[]));

revoke all on table public.sms_send_attempts from anon, authenticated, service_role;
grant select on table public.sms_send_attempts to authenticated;
grant select on table public.sms_send_attempts to service_role;

-- A text that left `dispatching` with an HTTP provider's reference was sent: its slot stays
-- taken (before, only a Twilio SID counted, so accepted sms-retail texts gave their slot back).
create or replace function internal.sms_release_abandoned_slot()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.status = 'dispatching' and new.status is distinct from 'dispatching'
     and new.twilio_sid is null and new.provider_reference is null and old.daily_slot_date is not null then
    if old.contact_id is not null then
      perform public.release_contact_daily_slot(old.contact_id, old.daily_slot_date);
    else
      perform public.release_sms_daily_slot(old.user_id, old.daily_slot_date);
    end if;
    new.daily_slot_date := null;
  end if;
  return new;
end;
$$;

revoke execute on function internal.sms_release_abandoned_slot() from public;

-- sms_begin_dispatch, and for every text that became `dispatching` an open attempt at the
-- provider it is about to be sent through, in the same transaction (so no call ever leaves
-- without a record of where it went).
create function public.sms_begin_provider_dispatch(
  p_message_ids uuid[],
  p_local_dates date[],
  p_limits integer[],
  p_providers text[]
)
returns table (message_id uuid, outcome text, previous text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if coalesce(array_length(p_message_ids, 1), 0) <> coalesce(array_length(p_providers, 1), 0) then
    raise exception using errcode = 'SM013', message = 'invalid_argument: arrays of different lengths';
  end if;
  return query
  with begun as (
    select b.message_id, b.outcome, b.previous
    from public.sms_begin_dispatch(p_message_ids, p_local_dates, p_limits) b
  ), recorded as (
    insert into public.sms_send_attempts (message_id, organization_id, provider)
    select b.message_id, m.organization_id, u.provider
    from begun b
    join unnest(p_message_ids, p_providers) as u(id, provider) on u.id = b.message_id
    join public.sms_messages m on m.id = b.message_id
    where b.outcome = 'dispatching'
    returning 1
  )
  -- A data-modifying WITH runs to completion whether or not it is read.
  select b.message_id, b.outcome, b.previous from begun b;
end;
$$;

revoke execute on function public.sms_begin_provider_dispatch(uuid[], date[], integer[], text[]) from public, anon, authenticated;
grant execute on function public.sms_begin_provider_dispatch(uuid[], date[], integer[], text[]) to service_role;

-- Before failing over to the next provider: the text must still be `dispatching` with no
-- reference, and no attempt may be open (the previous provider certainly refused it).
-- Returns the attempt's id, or null when the text is not in that state (do not send).
create function public.sms_start_attempt(p_message_id uuid, p_provider text)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_org uuid;
  v_id bigint;
begin
  select m.organization_id into v_org from public.sms_messages m
  where m.id = p_message_id and m.status = 'dispatching' and m.provider_reference is null
  for update;
  if not found then
    return null;
  end if;
  if exists (select 1 from public.sms_send_attempts a
             where a.message_id = p_message_id and a.outcome in ('sending', 'unknown')) then
    return null;
  end if;
  insert into public.sms_send_attempts (message_id, organization_id, provider)
  values (p_message_id, v_org, p_provider)
  returning id into v_id;
  return v_id;
end;
$$;

revoke execute on function public.sms_start_attempt(uuid, text) from public, anon, authenticated;
grant execute on function public.sms_start_attempt(uuid, text) to service_role;

-- The answer to an open attempt: refused (certainly not accepted), unknown (may have been;
-- stays open), or accepted/found (with the reference). Closes the newest open attempt of that
-- provider. True if one was open.
create function public.sms_finish_attempt(
  p_message_id uuid,
  p_provider text,
  p_outcome text,
  p_reference text default null,
  p_error_kind text default null,
  p_error_code text default null,
  p_error_message text default null
)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  if p_outcome is null or p_outcome not in ('accepted', 'refused', 'unknown', 'found', 'not_found') then
    raise exception using errcode = 'SM013', message = format('invalid_argument: %s is not an attempt outcome', coalesce(p_outcome, 'null'));
  end if;
  select a.id into v_id from public.sms_send_attempts a
  where a.message_id = p_message_id and a.provider = p_provider and a.outcome in ('sending', 'unknown')
  order by a.id desc limit 1
  for update;
  if v_id is null then
    return false;
  end if;
  update public.sms_send_attempts set
    outcome = p_outcome,
    reference = coalesce(left(p_reference, 200), reference),
    error_kind = left(p_error_kind, 40),
    error_code = left(p_error_code, 100),
    error_message = left(p_error_message, 500),
    finished_at = case when p_outcome = 'unknown' then null else now() end
  where id = v_id;
  return true;
end;
$$;

revoke execute on function public.sms_finish_attempt(uuid, text, text, text, text, text, text) from public, anon, authenticated;
grant execute on function public.sms_finish_attempt(uuid, text, text, text, text, text, text) to service_role;

-- Store what a provider accepted (from the send answer, or found by a recovery lookup):
-- Twilio through attach_sms_sid, the HTTP providers through attach_provider_reference, and
-- close the attempt (every other open one too: recovery attaches only once it asked all of
-- them and just this one had the text). One call, so one transaction with complete_jobs.
create function public.sms_attach_dispatched(
  p_message_id uuid,
  p_provider text,
  p_reference text,
  p_raw_status text,
  p_status text,
  p_segments integer,
  p_encoding text,
  p_price numeric default null,
  p_price_unit text default null,
  p_outcome text default 'accepted'
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if p_outcome is null or p_outcome not in ('accepted', 'found') then
    raise exception using errcode = 'SM013', message = 'invalid_argument: the outcome is accepted or found';
  end if;
  if p_provider = 'twilio' then
    v_result := public.attach_sms_sid(p_message_id, p_reference, p_raw_status, p_segments, p_encoding, p_price, p_price_unit);
  else
    v_result := public.attach_provider_reference(p_message_id, p_provider, p_reference, p_raw_status, p_status, p_segments, p_price, p_price_unit);
    update public.sms_messages set encoding = coalesce(p_encoding, encoding)
    where id = p_message_id and encoding is distinct from coalesce(p_encoding, encoding);
  end if;
  update public.sms_send_attempts set
    outcome = case when provider = p_provider then p_outcome else 'not_found' end,
    reference = case when provider = p_provider then left(p_reference, 200) else reference end,
    finished_at = now()
  where message_id = p_message_id and outcome in ('sending', 'unknown');
  return v_result;
end;
$$;

revoke execute on function public.sms_attach_dispatched(uuid, text, text, text, text, integer, text, numeric, text, text)
  from public, anon, authenticated;
grant execute on function public.sms_attach_dispatched(uuid, text, text, text, text, integer, text, numeric, text, text) to service_role;

-- Recovery asked every provider with an open attempt and none has the text: close them as
-- not_found and make the text sendable again (sms_recover_unsent), in one transaction.
-- Repeating it is a no-op.
create function public.sms_recover_unsent_attempts(p_message_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.sms_messages m
                 where m.id = p_message_id and m.status = 'dispatching' and m.provider_reference is null) then
    return false;
  end if;
  update public.sms_send_attempts set outcome = 'not_found', finished_at = now()
  where message_id = p_message_id and outcome in ('sending', 'unknown');
  return public.sms_recover_unsent(p_message_id);
end;
$$;

revoke execute on function public.sms_recover_unsent_attempts(uuid) from public, anon, authenticated;
grant execute on function public.sms_recover_unsent_attempts(uuid) to service_role;
