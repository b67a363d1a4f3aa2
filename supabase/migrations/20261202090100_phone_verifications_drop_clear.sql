-- @node-step: seal-phones
-- The migration runner (packages/db/src/migrate.ts) first encrypts, in Node, every number stored
-- in clear (packages/db/src/phone-backfill.ts); only then is the clear column dropped. Run through
-- anything else (e.g. `supabase db push` without `npm run migrate`), this refuses rather than
-- dropping numbers nobody encrypted.
do $$
begin
  if exists (select 1 from public.phone_verifications where phone_number is not null) then
    raise exception using errcode = 'P0001',
      message = 'phone_verifications still holds numbers in clear: run `npm run migrate` with PHONE_ENCRYPTION_KEYS and PHONE_INDEX_KEY set';
  end if;
end;
$$;

drop index if exists public.phone_verifications_phone_idx;
drop index if exists public.phone_verifications_user_phone_idx;
alter table public.phone_verifications drop column phone_number;
alter table public.phone_verifications
  add constraint phone_verifications_sealed_check check (phone_enc is not null and phone_hash is not null and phone_last4 ~ '^[0-9]{4}$');
