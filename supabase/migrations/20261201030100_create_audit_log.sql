-- The audit log: one row per change an owner, admin or operator makes. Append-only for
-- everyone, the service role and the table owner included (a trigger refuses UPDATE, DELETE
-- and TRUNCATE). organization_id has no foreign key on purpose: a deleted workspace's
-- history stays.

create table public.audit_log (
  id bigint generated always as identity primary key,
  organization_id uuid,
  -- Null for changes made by the system (migrations, the service without a person behind it).
  actor_id uuid,
  action text not null constraint audit_log_action_check check (action ~ '^[a-z_]+\.[a-z_]+$'),
  target_type text,
  target_id text,
  before jsonb,
  after jsonb,
  ip inet,
  created_at timestamptz not null default now()
);

-- The audit page: a workspace's rows newest first, filtered by person or action.
create index audit_log_org_created_idx on public.audit_log (organization_id, created_at desc, id desc);
create index audit_log_org_actor_idx on public.audit_log (organization_id, actor_id, created_at desc);
create index audit_log_org_action_idx on public.audit_log (organization_id, action, created_at desc);

alter table public.audit_log enable row level security;

create function internal.audit_log_immutable()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'WS022',
    message = 'immutable_audit: audit rows cannot be changed or deleted';
end;
$$;

create trigger audit_log_immutable
  before update or delete on public.audit_log
  for each row execute function internal.audit_log_immutable();

create trigger audit_log_no_truncate
  before truncate on public.audit_log
  for each statement execute function internal.audit_log_immutable();

-- The client's IP for the current request: the web server sets request.client_ip
-- (set_config(..., true)); PostgREST's request.headers x-forwarded-for is the fallback.
create function internal.request_ip()
returns inet
language plpgsql
stable
set search_path = ''
as $$
declare
  v_text text;
begin
  v_text := nullif(current_setting('request.client_ip', true), '');
  if v_text is null then
    v_text := nullif(btrim(split_part(
      (nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for'), ',', 1)), '');
  end if;
  return v_text::inet;
exception when others then
  -- A malformed header must not stop the change being audited.
  return null;
end;
$$;

create function internal.write_audit(
  p_organization_id uuid,
  p_actor_id uuid,
  p_action text,
  p_target_type text,
  p_target_id text,
  p_before jsonb,
  p_after jsonb,
  p_ip inet
)
returns bigint
language sql
volatile
set search_path = ''
as $$
  insert into public.audit_log (organization_id, actor_id, action, target_type, target_id, before, after, ip)
  values (p_organization_id, p_actor_id, p_action, p_target_type, p_target_id, p_before, p_after,
          coalesce(p_ip, internal.request_ip()))
  returning id
$$;

-- For actions that are not a row change in a workspace table (sends, retries, campaigns,
-- exports): the service (web server, worker) names the actor. Service role only.
create function public.record_audit(
  p_organization_id uuid,
  p_actor_id uuid,
  p_action text,
  p_target_type text default null,
  p_target_id text default null,
  p_before jsonb default null,
  p_after jsonb default null,
  p_ip inet default null
)
returns bigint
language sql
volatile
security definer
set search_path = ''
as $$
  select internal.write_audit(p_organization_id, p_actor_id, p_action, p_target_type, p_target_id,
                              p_before, p_after, p_ip)
$$;

revoke execute on function public.record_audit(uuid, uuid, text, text, text, jsonb, jsonb, inet) from public, anon, authenticated;
grant execute on function public.record_audit(uuid, uuid, text, text, text, jsonb, jsonb, inet) to service_role;

-- Row changes in workspace tables are audited by trigger, whoever makes them (SQL API, RLS
-- writes, the service), so none can be missed. The actor is the signed-in caller (auth.uid()).
-- TG_ARGV[0] is the target type; an UPDATE records only the columns that changed.
create function internal.audit_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type text := tg_argv[0];
  v_old jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) end;
  v_new jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_org uuid;
  v_target text;
  v_action text;
  v_before jsonb;
  v_after jsonb;
  v_key text;
  -- Noise, or secrets (an invitation's token hash), never copied into the log.
  v_skip text[] := array['created_at', 'updated_at', 'token_hash', 'phone_last4'];
begin
  if v_type = 'organization' then
    v_org := (v_row ->> 'id')::uuid;
    v_target := v_org::text;
  else
    v_org := (v_row ->> 'organization_id')::uuid;
    v_target := case when v_type = 'member' then v_row ->> 'user_id' else v_row ->> 'id' end;
    -- Rows removed because their workspace was deleted: the workspace's own row says it.
    if tg_op = 'DELETE' and not exists (select 1 from public.organizations where id = v_org) then
      return null;
    end if;
  end if;

  if tg_op = 'UPDATE' then
    v_before := '{}';
    v_after := '{}';
    for v_key in select jsonb_object_keys(v_new) loop
      if not (v_key = any (v_skip)) and (v_new -> v_key) is distinct from (v_old -> v_key) then
        v_before := v_before || jsonb_build_object(v_key, v_old -> v_key);
        v_after := v_after || jsonb_build_object(v_key, v_new -> v_key);
      end if;
    end loop;
    if v_after = '{}' then
      return null;
    end if;
  else
    v_before := v_old - v_skip;
    v_after := v_new - v_skip;
  end if;

  v_action := v_type || '.' || case
    when v_type = 'member' and tg_op = 'INSERT' then 'added'
    when v_type = 'member' and tg_op = 'DELETE' then 'removed'
    when v_type = 'member' then 'role_changed'
    when v_type = 'invitation' and tg_op = 'UPDATE' and v_after ? 'accepted_at' then 'accepted'
    when v_type = 'invitation' and tg_op = 'UPDATE' and v_after ? 'revoked_at' then 'revoked'
    when tg_op = 'INSERT' then 'created'
    when tg_op = 'DELETE' then 'deleted'
    else 'updated'
  end;

  perform internal.write_audit(v_org, (select auth.uid()), v_action, v_type, v_target, v_before, v_after, null);
  return null;
end;
$$;

create trigger organizations_audit
  after insert or update or delete on public.organizations
  for each row execute function internal.audit_row_change('organization');

create trigger organization_members_audit
  after insert or update or delete on public.organization_members
  for each row execute function internal.audit_row_change('member');

create policy "Owners and admins can read their workspace's audit log"
  on public.audit_log for select to authenticated
  using ((select public.has_org_role(organization_id, 'admin')));

revoke all on table public.audit_log from anon, authenticated, service_role;
-- Even the service writes only through record_audit (so the IP and shape are always the same).
grant select on table public.audit_log to authenticated, service_role;
