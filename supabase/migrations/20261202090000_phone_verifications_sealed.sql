-- Phone numbers at rest (issue 11): attempts to verify a number keep it encrypted (AES-256-GCM,
-- done in Node: packages/db/src/phone-crypto.ts), a keyed blind index for the per-number limits,
-- and the last four digits for display. Postgres never holds a key and never reads the ciphertext.
alter table public.phone_verifications
  add column phone_enc text,
  add column phone_hash text,
  add column phone_last4 text,
  alter column phone_number drop not null;

comment on column public.phone_verifications.phone_enc is
  'The number, AES-256-GCM in Node: p1.<key id>.<iv>.<ciphertext+tag> (base64url).';
comment on column public.phone_verifications.phone_hash is
  'HMAC-SHA256 of the E.164 number (h1.<base64url>): equality only.';

create index phone_verifications_hash_idx on public.phone_verifications (phone_hash, created_at);
create index phone_verifications_user_hash_idx on public.phone_verifications (user_id, phone_hash, created_at);
