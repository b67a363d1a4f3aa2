-- Every text records which provider carried it and that provider's reference for it
-- (Twilio's SID is one kind of reference). Unique per provider, not globally: two providers
-- may well use the same numbers. Twilio's SID keeps living in twilio_sid as well (the worker
-- and apply_sms_status use it); a trigger mirrors it into (provider, provider_reference), so
-- no existing function has to change.

alter table public.sms_messages
  add column provider text,
  add column provider_reference text,
  add constraint sms_messages_provider_check check (provider in ('twilio', 'sms-retail', '23telecom')),
  add constraint sms_messages_provider_reference_check check (provider_reference is null or provider is not null),
  add constraint sms_messages_provider_reference_key unique (provider, provider_reference);

update public.sms_messages set provider = 'twilio', provider_reference = twilio_sid where twilio_sid is not null;

alter table public.sms_delivery_events
  add column provider text,
  add column provider_reference text,
  -- Segments as reported with this event (23telecom's num_parts).
  add column segments integer,
  add constraint sms_delivery_events_provider_check check (provider in ('twilio', 'sms-retail', '23telecom'));

update public.sms_delivery_events set provider = 'twilio', provider_reference = twilio_sid where twilio_sid is not null;

create index sms_delivery_events_orphan_reference_idx on public.sms_delivery_events (provider, provider_reference)
  where message_id is null;

create function internal.mirror_twilio_sid()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.twilio_sid is not null and (tg_op = 'INSERT' or new.twilio_sid is distinct from old.twilio_sid) then
    if new.provider is not null and new.provider <> 'twilio' then
      raise exception using errcode = 'SM011',
        message = format('sid_conflict: this text was sent through %s, not Twilio', new.provider);
    end if;
    new.provider := 'twilio';
    new.provider_reference := new.twilio_sid;
  end if;
  return new;
end;
$$;

revoke execute on function internal.mirror_twilio_sid() from public, anon, authenticated;

create trigger sms_messages_mirror_twilio_sid
  before insert or update of twilio_sid on public.sms_messages
  for each row execute function internal.mirror_twilio_sid();

create trigger sms_delivery_events_mirror_twilio_sid
  before insert on public.sms_delivery_events
  for each row execute function internal.mirror_twilio_sid();

-- Delivery callbacks that failed verification: only who/when/why, never the (untrusted) body.
create table public.sms_webhook_rejections (
  id bigint generated always as identity primary key,
  provider text not null,
  reason text not null,
  reference text,
  sender_ip inet,
  received_at timestamptz not null default now()
);

create index sms_webhook_rejections_received_idx on public.sms_webhook_rejections (received_at);

-- One counter per (provider, reason) for the health page; bounded whatever the attack.
create table public.sms_webhook_rejection_counts (
  provider text not null,
  reason text not null,
  count bigint not null default 0,
  last_at timestamptz not null default now(),
  primary key (provider, reason)
);

alter table public.sms_webhook_rejections enable row level security;
alter table public.sms_webhook_rejection_counts enable row level security;

create policy "Admins can read rejected callbacks"
  on public.sms_webhook_rejections for select to authenticated
  using ((select public.is_admin()));

create policy "Admins can read rejection counts"
  on public.sms_webhook_rejection_counts for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_webhook_rejections, public.sms_webhook_rejection_counts from anon, authenticated, service_role;
grant select on table public.sms_webhook_rejections, public.sms_webhook_rejection_counts to authenticated;
grant select on table public.sms_webhook_rejections, public.sms_webhook_rejection_counts to service_role;

-- A callback whose signature or token did not check out: count it and keep a row. Service only.
create function public.record_webhook_rejection(
  p_provider text,
  p_reason text,
  p_reference text default null,
  p_sender_ip inet default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  if p_provider is null or p_reason is null then
    raise exception using errcode = 'SM013', message = 'invalid_argument: provider and reason are required';
  end if;
  insert into public.sms_webhook_rejections (provider, reason, reference, sender_ip)
  values (left(p_provider, 40), left(p_reason, 40), left(p_reference, 200), p_sender_ip)
  returning id into v_id;
  insert into public.sms_webhook_rejection_counts as c (provider, reason, count, last_at)
  values (left(p_provider, 40), left(p_reason, 40), 1, now())
  on conflict (provider, reason) do update set count = c.count + 1, last_at = now();
  return v_id;
end;
$$;

revoke execute on function public.record_webhook_rejection(text, text, text, inet) from public, anon, authenticated;
grant execute on function public.record_webhook_rejection(text, text, text, inet) to service_role;
