-- Workspace API keys for /api/v1 (issue 15). The secret is shown once and never stored: only its
-- SHA-256 (the key carries ~190 random bits, so a fast hash is enough) and the visible prefix.
--
-- Named exceptions (SQLSTATE, and the message starts with the name):
--   AK001 invalid_key_name   empty or longer than 100 characters
--   AK002 invalid_scopes     no scope, or one that is not messages:write / messages:read / contacts:write
--   AK003 invalid_rate_limit not between 1 and 1000 requests a second
--   AK004 unknown_key        no such key in a workspace the caller administers

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null constraint api_keys_name_check check (char_length(btrim(name)) between 1 and 100),
  -- "sk_live_AbCd1234": shown in the list so a person recognises a key.
  prefix text not null unique constraint api_keys_prefix_check check (prefix ~ '^sk_live_[A-Za-z0-9]{8}$'),
  secret_hash text not null unique constraint api_keys_secret_hash_check check (secret_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] not null
    constraint api_keys_scopes_check check (
      cardinality(scopes) between 1 and 3
      and scopes <@ array['messages:write', 'messages:read', 'contacts:write']),
  rate_limit_per_second integer not null default 50
    constraint api_keys_rate_limit_check check (rate_limit_per_second between 1 and 1000),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid references auth.users (id) on delete set null,
  -- Refused uses (wrong secret with this prefix, missing scope) in the current 5-minute window.
  failure_window_start timestamptz,
  failure_count integer not null default 0
);

create index api_keys_org_idx on public.api_keys (organization_id, created_at desc);

alter table public.api_keys enable row level security;

-- Owners and admins see their workspace's keys (never a secret: there is none to see).
create policy "Admins can read their workspace's API keys"
  on public.api_keys for select to authenticated
  using ((select public.has_org_role(organization_id, 'admin')));

revoke all on table public.api_keys from anon, authenticated, service_role;
grant select (id, organization_id, name, prefix, scopes, rate_limit_per_second, created_by, created_at,
              last_used_at, revoked_at, revoked_by) on table public.api_keys to authenticated;

-- Creates a key from a prefix and hash made by the web server (which shows the secret once).
create function public.create_api_key(
  p_organization_id uuid,
  p_name text,
  p_scopes text[],
  p_prefix text,
  p_secret_hash text,
  p_rate_limit_per_second integer default 50
)
returns public.api_keys
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.api_keys;
begin
  perform internal.require_org_role(p_organization_id, 'admin');
  if p_name is null or char_length(btrim(p_name)) not between 1 and 100 then
    raise exception using errcode = 'AK001', message = 'invalid_key_name: give the key a name of 1 to 100 characters';
  end if;
  if p_scopes is null or cardinality(p_scopes) = 0
     or not (p_scopes <@ array['messages:write', 'messages:read', 'contacts:write']) then
    raise exception using errcode = 'AK002', message = 'invalid_scopes: choose one or more of messages:write, messages:read, contacts:write';
  end if;
  if p_rate_limit_per_second is null or p_rate_limit_per_second not between 1 and 1000 then
    raise exception using errcode = 'AK003', message = 'invalid_rate_limit: between 1 and 1000 requests a second';
  end if;
  insert into public.api_keys (organization_id, name, prefix, secret_hash, scopes, rate_limit_per_second, created_by)
  values (p_organization_id, btrim(p_name), p_prefix, p_secret_hash,
          array(select distinct s from unnest(p_scopes) s order by s), p_rate_limit_per_second, (select auth.uid()))
  returning * into v_row;
  perform internal.write_audit(p_organization_id, (select auth.uid()), 'api_key.created', 'api_key', v_row.id::text, null,
    jsonb_build_object('name', v_row.name, 'prefix', v_row.prefix, 'scopes', v_row.scopes,
                       'rate_limit_per_second', v_row.rate_limit_per_second), null);
  return v_row;
end;
$$;

-- Revokes at once: the next request with the key is refused.
create function public.revoke_api_key(p_key_id uuid)
returns public.api_keys
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.api_keys;
begin
  select * into v_row from public.api_keys where id = p_key_id for update;
  if not found or not public.has_org_role(v_row.organization_id, 'admin') then
    raise exception using errcode = 'AK004', message = 'unknown_key: no such API key';
  end if;
  if v_row.revoked_at is null then
    update public.api_keys set revoked_at = now(), revoked_by = (select auth.uid())
    where id = p_key_id returning * into v_row;
    perform internal.write_audit(v_row.organization_id, (select auth.uid()), 'api_key.revoked', 'api_key', v_row.id::text,
      jsonb_build_object('name', v_row.name, 'prefix', v_row.prefix), null, null);
  end if;
  return v_row;
end;
$$;

-- The request path (service role): the live key with this hash, or no row. last_used_at is
-- written at most once a minute per key, so 20 concurrent requests do not queue on its row lock.
create function public.api_key_authenticate(p_secret_hash text)
returns table (key_id uuid, organization_id uuid, scopes text[], rate_limit_per_second integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.api_keys;
begin
  select * into v_row from public.api_keys k where k.secret_hash = p_secret_hash and k.revoked_at is null;
  if not found then
    return;
  end if;
  if v_row.last_used_at is null or v_row.last_used_at < now() - interval '1 minute' then
    update public.api_keys k set last_used_at = now()
    where k.id = v_row.id and (k.last_used_at is null or k.last_used_at < now() - interval '1 minute');
  end if;
  return query select v_row.id, v_row.organization_id, v_row.scopes, v_row.rate_limit_per_second;
end;
$$;

-- A refused use of a key we can recognise by its prefix (wrong or revoked secret, missing
-- scope). The 10th refusal within 5 minutes writes one audit row: a spike, not every miss.
create function public.api_key_note_failure(p_prefix text, p_reason text, p_ip inet default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.api_keys;
begin
  update public.api_keys k set
    failure_count = case when k.failure_window_start > now() - interval '5 minutes' then k.failure_count + 1 else 1 end,
    failure_window_start = case when k.failure_window_start > now() - interval '5 minutes' then k.failure_window_start else now() end
  where k.prefix = p_prefix
  returning * into v_row;
  if found and v_row.failure_count = 10 then
    perform internal.write_audit(v_row.organization_id, null, 'api_key.failure_spike', 'api_key', v_row.id::text, null,
      jsonb_build_object('prefix', v_row.prefix, 'reason', p_reason, 'failures', v_row.failure_count,
                         'since', v_row.failure_window_start, 'revoked', v_row.revoked_at is not null), p_ip);
  end if;
end;
$$;

revoke execute on function public.create_api_key(uuid, text, text[], text, text, integer) from public, anon;
revoke execute on function public.revoke_api_key(uuid) from public, anon;
revoke execute on function public.api_key_authenticate(text) from public, anon, authenticated;
revoke execute on function public.api_key_note_failure(text, text, inet) from public, anon, authenticated;

grant execute on function public.create_api_key(uuid, text, text[], text, text, integer) to authenticated;
grant execute on function public.revoke_api_key(uuid) to authenticated;
grant execute on function public.api_key_authenticate(text) to service_role;
grant execute on function public.api_key_note_failure(text, text, inet) to service_role;
