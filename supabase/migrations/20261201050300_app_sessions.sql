-- Server-side sessions for local sign-in (issue 11). The cookie carries a random token; only
-- its SHA-256 is stored, so a copy of this table signs nobody in. A session ends when it is
-- revoked (sign-out, "sign out everywhere"), when it has been idle too long, or at its
-- absolute expiry. In Supabase mode Supabase Auth keeps the sessions instead (auth.sessions).

create table public.app_sessions (
  id_hash bytea primary key constraint app_sessions_id_hash_check check (octet_length(id_hash) = 32),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  user_agent text constraint app_sessions_user_agent_check check (char_length(user_agent) <= 512),
  ip inet
);

create index app_sessions_user_idx on public.app_sessions (user_id) where revoked_at is null;

alter table public.app_sessions enable row level security;

create policy "Users can read their own sessions"
  on public.app_sessions for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.app_sessions from anon, authenticated;
-- The hash stays hidden even from its owner: it is what the server looks sessions up by.
grant select (user_id, created_at, last_seen_at, expires_at, revoked_at, user_agent, ip)
  on table public.app_sessions to authenticated;

create function public.create_app_session(
  p_user_id uuid,
  p_id_hash bytea,
  p_expires_at timestamptz,
  p_user_agent text default null,
  p_ip inet default null,
  p_now timestamptz default now()
)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.app_sessions (id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip)
  values (p_id_hash, p_user_id, p_now, p_now, p_expires_at, left(p_user_agent, 512), p_ip)
$$;

-- The live session for a token hash, or nothing: not revoked, not past its expiry, and seen
-- within p_idle_seconds. Seeing it moves last_seen_at forward (at most once a minute, so a
-- busy page does not write on every request).
create function public.touch_app_session(p_id_hash bytea, p_idle_seconds integer, p_now timestamptz default now())
returns table (user_id uuid, email text)
language sql
volatile
security definer
set search_path = ''
as $$
  with live as (
    select s.id_hash, s.user_id, s.last_seen_at
      from public.app_sessions s
     where s.id_hash = p_id_hash
       and s.revoked_at is null
       and s.expires_at > p_now
       and s.last_seen_at > p_now - make_interval(secs => p_idle_seconds)
  ),
  touched as (
    update public.app_sessions s set last_seen_at = p_now
      from live
     where s.id_hash = live.id_hash and live.last_seen_at < p_now - interval '1 minute'
  )
  select live.user_id, u.email::text from live join auth.users u on u.id = live.user_id
$$;

-- Ends one session (sign-out). True when a live session was ended.
create function public.revoke_app_session(p_id_hash bytea)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with revoked as (
    update public.app_sessions set revoked_at = now()
     where id_hash = p_id_hash and revoked_at is null
    returning 1
  )
  select exists (select 1 from revoked)
$$;

-- Ends every session of a user ("sign out everywhere"). Returns how many were ended.
create function public.revoke_user_app_sessions(p_user_id uuid)
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with revoked as (
    update public.app_sessions set revoked_at = now()
     where user_id = p_user_id and revoked_at is null
    returning 1
  )
  select count(*)::int from revoked
$$;

revoke execute on function public.create_app_session(uuid, bytea, timestamptz, text, inet, timestamptz) from public, anon, authenticated;
revoke execute on function public.touch_app_session(bytea, integer, timestamptz) from public, anon, authenticated;
revoke execute on function public.revoke_app_session(bytea) from public, anon, authenticated;
revoke execute on function public.revoke_user_app_sessions(uuid) from public, anon, authenticated;
grant execute on function public.create_app_session(uuid, bytea, timestamptz, text, inet, timestamptz) to service_role;
grant execute on function public.touch_app_session(bytea, integer, timestamptz) to service_role;
grant execute on function public.revoke_app_session(bytea) to service_role;
grant execute on function public.revoke_user_app_sessions(uuid) to service_role;

-- Supabase mode: an access token (a JWT, checked by signature alone) outlives sign-out until
-- it expires. The web server asks this after checking the signature: the session the token
-- names must still exist in auth.sessions (Supabase deletes it on sign-out). Where there is
-- no auth.sessions (local mode), there are no Supabase tokens to ask about: false.
create function public.auth_session_is_active(p_session_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_active boolean;
begin
  if p_session_id is null or to_regclass('auth.sessions') is null then
    return false;
  end if;
  execute 'select exists (select 1 from auth.sessions where id = $1 and (not_after is null or not_after > now()))'
    into v_active using p_session_id;
  return v_active;
end;
$$;

revoke execute on function public.auth_session_is_active(uuid) from public, anon, authenticated;
grant execute on function public.auth_session_is_active(uuid) to service_role;
