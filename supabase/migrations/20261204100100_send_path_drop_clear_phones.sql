-- @node-step: seal-phones
-- The migration runner (packages/db/src/migrate.ts) first encrypts, in Node, every number the
-- send path stored in clear (packages/db/src/phone-backfill.ts, the five tables listed in
-- packages/db/src/phone-columns.ts); only then are the clear columns dropped. Run through
-- anything else (e.g. `supabase db push` without `npm run migrate`), this refuses rather than
-- dropping numbers nobody encrypted.
do $$
declare
  v_left text;
begin
  select string_agg(t, ', ') into v_left from (
    select 'sms_messages' as t where exists (select 1 from public.sms_messages where phone_number is not null)
    union all select 'contacts' where exists (select 1 from public.contacts where phone_number is not null)
    union all select 'user_sms_preferences' where exists (select 1 from public.user_sms_preferences where phone_number is not null)
    union all select 'sms_campaign_recipients' where exists (select 1 from public.sms_campaign_recipients where phone_number is not null)
    union all select 'sms_phone_opt_outs' where exists (select 1 from public.sms_phone_opt_outs where phone_number is not null)
  ) s;
  if v_left is not null then
    raise exception using errcode = 'P0001',
      message = format('%s still hold numbers in clear: run `npm run migrate` with PHONE_ENCRYPTION_KEYS and PHONE_INDEX_KEY set', v_left);
  end if;
end;
$$;

-- What depended on the clear columns (pg_depend): indexes, unique keys, the opt-out RLS policy,
-- the link trigger. Each comes back on phone_hash below.
drop policy "Users can read the opt-out of their own verified phone" on public.sms_phone_opt_outs;
drop index public.sms_messages_org_phone_idx;
drop index public.sms_messages_phone_created_idx;
drop index public.contacts_phone_idx;
alter table public.contacts drop constraint contacts_org_phone_key;
drop index public.user_sms_preferences_verified_phone_idx;
drop index public.user_sms_preferences_phone_number_idx;

alter table public.sms_messages drop column phone_number;
alter table public.contacts drop column phone_number;
alter table public.user_sms_preferences drop column phone_number;
alter table public.sms_campaign_recipients drop column phone_number;
alter table public.sms_phone_opt_outs drop column phone_number;

-- The stored forms (phone-crypto.ts): p1.<key id>.<iv>.<ct>, h1.<hmac>, four digits.
alter table public.sms_messages
  add constraint sms_messages_phone_sealed_check check (
    (phone_enc ~ '^p1\.' and phone_hash ~ '^h1\.' and phone_last4 ~ '^[0-9]{4}$')
    -- a forgotten recipient (forget_contact) keeps only its calling code
    or (recipient_redacted_at is not null and phone_enc is null and phone_hash is null and phone_last4 is null));

alter table public.contacts
  alter column phone_enc set not null,
  alter column phone_hash set not null,
  alter column phone_last4 set not null,
  add constraint contacts_phone_sealed_check check (phone_enc ~ '^p1\.' and phone_hash ~ '^h1\.' and phone_last4 ~ '^[0-9]{4}$');

alter table public.user_sms_preferences
  add constraint user_sms_preferences_phone_sealed_check check (
    (phone_enc is null and phone_hash is null and phone_last4 is null and calling_code is null)
    or (phone_enc ~ '^p1\.' and phone_hash ~ '^h1\.' and phone_last4 ~ '^[0-9]{4}$')),
  add constraint user_sms_preferences_verified_phone_check check (not phone_verified or phone_hash is not null);

alter table public.sms_campaign_recipients
  alter column phone_enc set not null,
  alter column phone_hash set not null,
  alter column phone_last4 set not null,
  add constraint sms_campaign_recipients_phone_sealed_check check (phone_enc ~ '^p1\.' and phone_hash ~ '^h1\.' and phone_last4 ~ '^[0-9]{4}$');

alter table public.sms_phone_opt_outs
  alter column phone_enc set not null,
  alter column phone_last4 set not null,
  add constraint sms_phone_opt_outs_pkey primary key (phone_hash),
  add constraint sms_phone_opt_outs_phone_sealed_check check (phone_enc ~ '^p1\.' and phone_hash ~ '^h1\.' and phone_last4 ~ '^[0-9]{4}$');

-- Calling codes: '1', '44', … (public.e164_calling_code), null when unassigned.
alter table public.sms_messages add constraint sms_messages_calling_code_check check (calling_code ~ '^[0-9]{1,3}$');
alter table public.contacts add constraint contacts_calling_code_check check (calling_code ~ '^[0-9]{1,3}$');
alter table public.user_sms_preferences add constraint user_sms_preferences_calling_code_check check (calling_code ~ '^[0-9]{1,3}$');
alter table public.sms_campaign_recipients add constraint sms_campaign_recipients_calling_code_check check (calling_code ~ '^[0-9]{1,3}$');

-- The same indexes, on the blind index.
create unique index user_sms_preferences_verified_phone_idx
  on public.user_sms_preferences (phone_hash) where phone_verified;
create index user_sms_preferences_phone_hash_idx on public.user_sms_preferences (phone_hash);
alter table public.contacts add constraint contacts_org_phone_key unique (organization_id, phone_hash);
create index contacts_phone_hash_idx on public.contacts (phone_hash);
create index sms_messages_org_phone_idx on public.sms_messages (organization_id, phone_hash, created_at desc, id desc);
create index sms_messages_phone_created_idx on public.sms_messages (phone_hash, created_at desc)
  where direction = 'outbound';

create policy "Users can read the opt-out of their own verified phone"
  on public.sms_phone_opt_outs for select to authenticated
  using (exists (
    select 1 from public.user_sms_preferences p
    where p.user_id = (select auth.uid())
      and p.phone_verified
      and p.phone_hash = sms_phone_opt_outs.phone_hash
  ));

-- The triggers 20261204100000 set aside for the backfill (their functions are restated on the
-- sealed columns by the migrations that own them).
create trigger contacts_before_write
  before insert or update on public.contacts
  for each row execute function internal.contacts_before_write();
create trigger contacts_audit
  after insert or update or delete on public.contacts
  for each row
  when (not (coalesce(current_setting('internal.campaign_contacts', true), '') = 'on'
             and current_user not in ('authenticated', 'anon')))
  execute function internal.audit_row_change('contact');
create trigger user_sms_preferences_link_contacts
  after insert or update of phone_hash, phone_verified on public.user_sms_preferences
  for each row execute function internal.link_contacts_to_verified_phone();
create trigger sms_messages_set_updated_at
  before update on public.sms_messages
  for each row execute function public.set_updated_at();
create trigger sms_phone_opt_outs_set_updated_at
  before update on public.sms_phone_opt_outs
  for each row execute function public.set_updated_at();

-- A number as it reaches SQL from Node (sealPhoneInput / sealE164 / phoneCipher().seal):
-- the parameter type of every function that used to take a phone text.
create type public.sealed_phone as (enc text, hash text, last4 text, calling_code text);
comment on type public.sealed_phone is
  'A phone number sealed in Node: enc p1.<key id>.<iv>.<ct>, hash h1.<hmac>, last4 (4 digits), calling_code (1-3 digits or null).';

-- Null when p is a sealed number, else what is wrong with it (never echoes a value).
create function internal.sealed_phone_problem(p public.sealed_phone)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p is null or (p).enc is null then 'not a sealed value: enc is missing'
    when (p).enc operator(pg_catalog.!~) '^p1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' then 'not a sealed value: enc is not p1.<key>.<iv>.<ct>'
    when (p).hash is null or (p).hash operator(pg_catalog.!~) '^h1\.[A-Za-z0-9_-]+$' then 'not a sealed value: hash is not h1.<hmac>'
    when (p).last4 is null or (p).last4 operator(pg_catalog.!~) '^[0-9]{4}$' then 'not a sealed value: last4 is not four digits'
    when (p).calling_code operator(pg_catalog.!~) '^[0-9]{1,3}$' then 'not a sealed value: calling_code is not 1-3 digits'
  end
$$;

-- The JSON form ({"enc","hash","last4","calling_code"}, key `phone_sealed`) as the type; null stays null.
create function internal.sealed_phone_from_json(j jsonb)
returns public.sealed_phone
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when j is null or j operator(pg_catalog.=) 'null'::jsonb then null
    else row(j operator(pg_catalog.->>) 'enc', j operator(pg_catalog.->>) 'hash',
             j operator(pg_catalog.->>) 'last4', j operator(pg_catalog.->>) 'calling_code')::public.sealed_phone end
$$;

revoke all on function internal.sealed_phone_problem(public.sealed_phone) from public, anon, authenticated;
revoke all on function internal.sealed_phone_from_json(jsonb) from public, anon, authenticated;
grant execute on function internal.sealed_phone_problem(public.sealed_phone) to service_role;
grant execute on function internal.sealed_phone_from_json(jsonb) to service_role;
