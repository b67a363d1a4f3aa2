-- Phone numbers at rest, the send path (issue 11; plan: docs/phone-encryption-send-path.md).
-- The five tables that compare numbers with each other move together: each gets the sealed
-- columns of phone_verifications (phone_enc: AES-256-GCM in Node, phone_hash: HMAC blind index,
-- phone_last4 in clear, calling_code for per-country statistics). Nothing here can seal a
-- number (Postgres holds no key): the Node step before the next migration
-- (packages/db/src/phone-backfill.ts, SEALED_COLUMNS) fills these columns and nulls
-- phone_number, which 20261204100100 then drops. So everything that forbids a null
-- phone_number goes here.

-- sms_messages: last4 and calling code were generated from phone_number; they keep their values.
alter table public.sms_messages
  alter column phone_last4 drop expression,
  alter column calling_code drop expression,
  add column phone_enc text,
  add column phone_hash text,
  alter column phone_number drop not null,
  drop constraint sms_messages_phone_number_check;
-- A forgotten recipient (forget_contact) kept only '+<calling code>' in phone_number: that is
-- no number to seal. Its calling code stays (the statistics use it), the rest goes.
update public.sms_messages
   set phone_number = null, phone_last4 = null
 where recipient_redacted_at is not null;

alter table public.contacts
  alter column phone_last4 drop expression,
  alter column phone_last4 drop not null,
  add column phone_enc text,
  add column phone_hash text,
  add column calling_code text,
  alter column phone_number drop not null,
  drop constraint contacts_phone_number_check;

alter table public.user_sms_preferences
  add column phone_enc text,
  add column phone_hash text,
  add column phone_last4 text,
  add column calling_code text,
  drop constraint user_sms_preferences_phone_number_check,
  drop constraint user_sms_preferences_verified_phone_check;

-- Recipients are keyed by (import_id, row_number): an identity for the backfill and the rotation.
alter table public.sms_campaign_recipients
  add column id bigint generated always as identity,
  add column phone_enc text,
  add column phone_hash text,
  add column phone_last4 text,
  add column calling_code text,
  alter column phone_number drop not null,
  drop constraint sms_campaign_recipients_phone_check;

-- Opt-outs were keyed by the number itself: an identity for the backfill and the rotation to
-- walk (the primary key moves to phone_hash in 20261204100100).
alter table public.sms_phone_opt_outs
  drop constraint sms_phone_opt_outs_pkey,
  drop constraint sms_phone_opt_outs_phone_number_check,
  add column id bigint generated always as identity,
  add column phone_enc text,
  add column phone_hash text,
  add column phone_last4 text,
  alter column phone_number drop not null;
alter table public.sms_phone_opt_outs add constraint sms_phone_opt_outs_id_key unique (id);
alter table public.sms_campaign_recipients add constraint sms_campaign_recipients_id_key unique (id);

-- The backfill rewrites every row (phone_number -> null, sealed columns set). Triggers that
-- would read that as a change of number are dropped here and recreated on the sealed columns
-- by 20261204100100: contacts_before_write / link_contacts_to_verified_phone would unlink
-- every contact from its verified owner, the contacts audit would copy each clear number into
-- audit_log, and updated_at would claim every text and opt-out changed.
drop trigger contacts_before_write on public.contacts;
drop trigger contacts_audit on public.contacts;
drop trigger user_sms_preferences_link_contacts on public.user_sms_preferences;
drop trigger sms_messages_set_updated_at on public.sms_messages;
drop trigger sms_phone_opt_outs_set_updated_at on public.sms_phone_opt_outs;

comment on column public.sms_messages.phone_enc is
  'The number, AES-256-GCM in Node: p1.<key id>.<iv>.<ciphertext+tag> (base64url).';
comment on column public.sms_messages.phone_hash is
  'HMAC-SHA256 of the E.164 number (h1.<base64url>): equality only.';
