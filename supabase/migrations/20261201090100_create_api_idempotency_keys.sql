-- Idempotency-Key for /api/v1 POSTs (Stripe's semantics): the first request with a key runs and
-- its answer is kept 24 hours; the same key with the same request gets that answer again, even
-- while the first is still running (the twin waits on a transaction lock, then replays); the
-- same key with a different request is refused (409, in the web server).
-- Only successful runs are kept: a request refused by validation may be retried with its key.

create table public.api_idempotency_keys (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  idempotency_key text not null constraint api_idempotency_keys_key_check check (char_length(idempotency_key) between 1 and 255),
  api_key_id uuid references public.api_keys (id) on delete set null,
  -- SHA-256 of method, path and body.
  fingerprint text not null,
  response_status integer not null,
  response_body jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '24 hours',
  primary key (organization_id, idempotency_key)
);

create index api_idempotency_keys_expires_idx on public.api_idempotency_keys (expires_at);

alter table public.api_idempotency_keys enable row level security;
-- No policies: only the service reaches it, through the functions below.
revoke all on table public.api_idempotency_keys from anon, authenticated, service_role;

-- Serialises requests with the same (workspace, key) until the caller's transaction ends, then
-- returns the kept answer, if any. Call first in the request's transaction.
create function public.api_idempotency_claim(p_organization_id uuid, p_idempotency_key text)
returns table (fingerprint text, response_status integer, response_body jsonb)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended(p_organization_id::text || ':' || p_idempotency_key, 15));
  -- An expired answer is forgotten here, so the key can be used afresh.
  delete from public.api_idempotency_keys k
  where k.organization_id = p_organization_id and k.idempotency_key = p_idempotency_key and k.expires_at <= now();
  return query
  select k.fingerprint, k.response_status, k.response_body from public.api_idempotency_keys k
  where k.organization_id = p_organization_id and k.idempotency_key = p_idempotency_key;
end;
$$;

-- Keeps the answer, in the same transaction as the work it describes.
create function public.api_idempotency_save(
  p_organization_id uuid,
  p_api_key_id uuid,
  p_idempotency_key text,
  p_fingerprint text,
  p_response_status integer,
  p_response_body jsonb
)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.api_idempotency_keys (organization_id, idempotency_key, api_key_id, fingerprint, response_status, response_body)
  values (p_organization_id, p_idempotency_key, p_api_key_id, p_fingerprint, p_response_status, p_response_body)
$$;

-- Housekeeping (the worker may call it; claim also forgets expired keys on use).
create function public.purge_api_idempotency_keys()
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with gone as (delete from public.api_idempotency_keys where expires_at <= now() returning 1)
  select count(*)::integer from gone
$$;

revoke execute on function public.api_idempotency_claim(uuid, text) from public, anon, authenticated;
revoke execute on function public.api_idempotency_save(uuid, uuid, text, text, integer, jsonb) from public, anon, authenticated;
revoke execute on function public.purge_api_idempotency_keys() from public, anon, authenticated;
grant execute on function public.api_idempotency_claim(uuid, text) to service_role;
grant execute on function public.api_idempotency_save(uuid, uuid, text, text, integer, jsonb) to service_role;
grant execute on function public.purge_api_idempotency_keys() to service_role;
