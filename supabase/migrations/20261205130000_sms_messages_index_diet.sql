-- Fewer index entries per new text (issue 13, scale: starting a 100,000-recipient campaign).
-- Measured on bench/campaign-start's list (50,000 recipients, the start's backend CPU, rounds
-- alternated in one run): the 22 secondary indexes of sms_messages are ~31 % of the start's
-- CPU (~1.7 us per index per row), the FKs ~19 %, the row and statement triggers ~17 %, the
-- contacts' indexes ~10 %, queue_jobs' ~6 %. A new campaign text (pending, no provider yet,
-- no SID, not redacted) no longer writes an entry in four indexes no reader of a new text uses;
-- together ~5-7 % of the start's CPU. Every reader keeps its plan (EXPLAINed on 50,000 texts):
-- - sms_messages_org_waiting_idx is dropped: its one reader (campaign_progress's "ahead"
--   count) plans through queue_jobs_claim_idx and sms_messages_queue_job_idx; a count of a
--   workspace's waiting texts is answered by sms_messages_org_status_list_idx, which leads
--   with (organization_id, status) under the same direction predicate;
-- - sms_messages_org_provider_list_idx keeps only texts with a provider: the console's provider
--   filter is m.provider = <value>, which implies provider is not null (same index-only scan);
-- - sms_messages_org_unredacted_idx keeps only the statuses apply_retention redacts (its query
--   names the same list; before, on 50,000 texts, that query did not use the index at all);
-- - sms_messages_twilio_sid_key becomes a unique index of the texts that have a SID (a btree
--   indexes NULLs: every new text wrote one). Lookups by SID are unchanged; the one upsert on
--   it, record_inbound_sms, names the predicate — restated here once, otherwise unchanged
--   (latest before: 20261204110000).
-- Kept, with the reader each has: created_idx (/history unfiltered, newest first across what
-- RLS shows), phone_created_idx (record_inbound_sms: the workspace that last texted a number),
-- queue_job_idx (workspace_health, the queue_stalled alert, campaign_progress: due jobs to
-- their texts), template_idx (the templates FK's ON DELETE SET NULL), the console list indexes.

drop index public.sms_messages_org_waiting_idx;

drop index public.sms_messages_org_provider_list_idx;
create index sms_messages_org_provider_list_idx on public.sms_messages (organization_id, provider, created_at desc, id desc)
  where direction = 'outbound' and provider is not null;

drop index public.sms_messages_org_unredacted_idx;
create index sms_messages_org_unredacted_idx on public.sms_messages (organization_id, created_at)
  where body_redacted_at is null
    and status in ('delivered', 'undelivered', 'failed', 'suppressed', 'canceled', 'sent', 'received');

alter table public.sms_messages drop constraint sms_messages_twilio_sid_key;
create unique index sms_messages_twilio_sid_key on public.sms_messages (twilio_sid) where twilio_sid is not null;

create or replace function public.record_inbound_sms(
  p_sid text,
  p_from public.sealed_phone,
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
  v_org uuid;
  v_contact_id uuid;
  v_problem text := internal.sealed_phone_problem(p_from);
begin
  if p_sid is null or btrim(p_sid) = '' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a message SID is required';
  end if;
  if v_problem is not null then
    raise exception using errcode = 'SM004', message = 'invalid_phone: ' || v_problem;
  end if;

  select user_id into v_user_id from public.user_sms_preferences
  where phone_hash = (p_from).hash and phone_verified;

  -- The reply belongs to the conversation: the workspace that last texted this number, else
  -- the only workspace holding it as a contact, else the only workspace.
  select m.organization_id into v_org from public.sms_messages m
  where m.phone_hash = (p_from).hash and m.direction = 'outbound'
  order by m.created_at desc limit 1;
  if v_org is null then
    select case when count(*) = 1 then min(c.organization_id::text)::uuid end into v_org
    from public.contacts c where c.phone_hash = (p_from).hash;
  end if;
  v_org := coalesce(v_org, internal.single_organization());
  select c.id into v_contact_id from public.contacts c
  where c.organization_id = v_org and c.phone_hash = (p_from).hash;

  insert into public.sms_messages (user_id, contact_id, organization_id, direction, phone_enc, phone_hash, phone_last4, calling_code,
                                   message_content, status, provider_status, twilio_sid, template_vars)
  values (v_user_id, v_contact_id, v_org, 'inbound', (p_from).enc, (p_from).hash, (p_from).last4, (p_from).calling_code,
          coalesce(p_body, ''), 'received', 'received', p_sid, null)
  on conflict (twilio_sid) where twilio_sid is not null do nothing
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

revoke execute on function public.record_inbound_sms(text, public.sealed_phone, text, jsonb) from public, anon, authenticated;
grant execute on function public.record_inbound_sms(text, public.sealed_phone, text, jsonb) to service_role;
