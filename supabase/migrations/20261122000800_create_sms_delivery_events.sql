-- Immutable log of every status report: webhook callbacks, API responses, polls and the
-- worker's own transitions. A callback may arrive before the worker stored the SID; it is kept
-- with message_id null and attached later by attach_sms_sid.

create table public.sms_delivery_events (
  id bigint generated always as identity primary key,
  message_id uuid references public.sms_messages (id) on delete cascade,
  twilio_sid text,
  raw_status text,
  -- Our normalised status; null when Twilio's word is unknown to us.
  status text,
  error_code integer,
  error_message text,
  -- Price as reported with this event (kept so an orphaned report can be replayed in full).
  price numeric(10, 5),
  price_unit text,
  payload jsonb,
  source text not null
    constraint sms_delivery_events_source_check check (source in ('webhook', 'api', 'poll', 'worker')),
  sender_ip inet,
  received_at timestamptz not null default now(),
  -- Whether this report moved the message's status.
  applied boolean not null default false
);

create index sms_delivery_events_orphan_sid_idx on public.sms_delivery_events (twilio_sid)
  where message_id is null;
create index sms_delivery_events_message_idx on public.sms_delivery_events (message_id, received_at);

alter table public.sms_delivery_events enable row level security;

-- Rows never change, except that an orphaned report may be attached to its message once.
-- The table owner (migrations, SECURITY DEFINER functions, ON DELETE CASCADE) is exempt.
create function public.sms_delivery_events_guard()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_owner name;
begin
  select pg_catalog.pg_get_userbyid(c.relowner) into v_owner
  from pg_catalog.pg_class c where c.oid = tg_relid;

  if current_user = v_owner then
    return case when tg_op = 'DELETE' then old else new end;
  end if;

  if tg_op = 'UPDATE'
     and old.message_id is null
     and (to_jsonb(new) - 'message_id' - 'applied') = (to_jsonb(old) - 'message_id' - 'applied') then
    return new;
  end if;

  raise exception using
    errcode = 'SM012',
    message = 'immutable_event: delivery events cannot be changed or deleted';
end;
$$;

revoke execute on function public.sms_delivery_events_guard() from public, anon, authenticated;

create trigger sms_delivery_events_guard
  before update or delete on public.sms_delivery_events
  for each row execute function public.sms_delivery_events_guard();

create policy "Users can read events for their own messages"
  on public.sms_delivery_events for select to authenticated
  using (exists (
    select 1 from public.sms_messages m
    where m.id = sms_delivery_events.message_id and m.user_id = (select auth.uid())
  ));

create policy "Admins can read all delivery events"
  on public.sms_delivery_events for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_delivery_events from anon, authenticated, service_role;
grant select on table public.sms_delivery_events to authenticated;
grant select, insert on table public.sms_delivery_events to service_role;
grant update (message_id, applied) on table public.sms_delivery_events to service_role;
