-- Which SMS providers a workspace sends through, in which order, for which destinations.
-- Members read the configuration (viewer and up); only admins change it, through the
-- functions below, each change audited. API keys and webhook secrets live in a separate table
-- no signed-in user can read at all: the UI shows only whether one is set and its last 4.

create table public.workspace_providers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  provider text not null constraint workspace_providers_provider_check check (provider in ('twilio', 'sms-retail', '23telecom')),
  -- Routing order: 1 is tried first; failover moves to the next.
  position integer not null constraint workspace_providers_position_check check (position between 1 and 20),
  enabled boolean not null default true,
  -- Where the HTTP providers' API lives (Twilio's comes from the server configuration).
  -- https only, except loopback for local mode and tests; the worker checks it again before calling.
  base_url text constraint workspace_providers_base_url_check check (
    base_url is null or (
      char_length(base_url) <= 500
      and base_url ~ '^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~/\-]*)?$'
      and (base_url ~ '^https://' or base_url ~ '^http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(/|$)')
    )),
  sender text constraint workspace_providers_sender_check check (sender is null or char_length(sender) between 1 and 20),
  -- Destination countries (ISO 3166 alpha-2) this provider is used for; empty = every country.
  countries text[] not null default '{}'
    constraint workspace_providers_countries_check check (array_to_string(countries, ',') ~ '^([A-Z]{2}(,[A-Z]{2})*)?$'),
  api_key_last4 text,
  webhook_secret_set boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint workspace_providers_provider_key unique (organization_id, provider),
  constraint workspace_providers_position_key unique (organization_id, position)
);

create table public.workspace_provider_secrets (
  provider_id uuid primary key references public.workspace_providers (id) on delete cascade,
  api_key text,
  webhook_secret text,
  updated_at timestamptz not null default now()
);

create trigger workspace_providers_set_updated_at
  before update on public.workspace_providers
  for each row execute function public.set_updated_at();

create trigger workspace_providers_audit
  after insert or update or delete on public.workspace_providers
  for each row execute function internal.audit_row_change('provider');

alter table public.workspace_providers enable row level security;
alter table public.workspace_provider_secrets enable row level security;

create policy "Members can read their workspace's providers"
  on public.workspace_providers for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

-- No policy on the secrets: RLS plus no grant means nobody but the service and the definer functions.
revoke all on table public.workspace_providers, public.workspace_provider_secrets from anon, authenticated, service_role;
grant select on table public.workspace_providers to authenticated;
grant select on table public.workspace_providers, public.workspace_provider_secrets to service_role;

-- Create or change a workspace's provider: p_settings may hold position, enabled, base_url,
-- sender, countries. Admins only. Returns the row (never a secret).
create function public.set_workspace_provider(p_organization_id uuid, p_provider text, p_settings jsonb)
returns public.workspace_providers
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key text;
  v_allowed text[] := array['position', 'enabled', 'base_url', 'sender', 'countries'];
  v_old public.workspace_providers;
  v_new public.workspace_providers;
begin
  perform internal.require_org_role(p_organization_id, 'admin');
  if p_provider is null or p_provider not in ('twilio', 'sms-retail', '23telecom') then
    raise exception using errcode = 'WS005', message = format('invalid_setting: %s is not a provider', coalesce(p_provider, 'null'));
  end if;
  if p_settings is null or jsonb_typeof(p_settings) <> 'object' then
    raise exception using errcode = 'WS005', message = 'invalid_setting: settings must be a JSON object';
  end if;
  for v_key in select jsonb_object_keys(p_settings) loop
    if not (v_key = any (v_allowed)) then
      raise exception using errcode = 'WS005', message = format('invalid_setting: %s is not a provider setting', v_key);
    end if;
  end loop;

  select * into v_old from public.workspace_providers
  where organization_id = p_organization_id and provider = p_provider for update;
  if v_old.id is null then
    v_old.organization_id := p_organization_id;
    v_old.provider := p_provider;
    v_old.enabled := true;
    v_old.countries := '{}';
    select coalesce(max(position), 0) + 1 into v_old.position
    from public.workspace_providers where organization_id = p_organization_id;
  end if;

  begin
    v_new := jsonb_populate_record(v_old, p_settings);
    v_new.base_url := nullif(rtrim(btrim(v_new.base_url), '/'), '');
    v_new.sender := nullif(btrim(v_new.sender), '');
    select coalesce(array_agg(distinct upper(btrim(c)) order by upper(btrim(c))), '{}') into v_new.countries
    from unnest(v_new.countries) as c where btrim(c) <> '';
    if v_new.provider <> 'twilio' and v_new.base_url is null then
      raise exception using errcode = 'WS005', message = 'invalid_setting: an HTTP provider needs a base URL';
    end if;

    if v_old.id is null then
      insert into public.workspace_providers (organization_id, provider, position, enabled, base_url, sender, countries)
      values (p_organization_id, p_provider, v_new.position, v_new.enabled, v_new.base_url, v_new.sender, v_new.countries)
      returning * into v_new;
    else
      update public.workspace_providers set
        position = v_new.position, enabled = v_new.enabled, base_url = v_new.base_url,
        sender = v_new.sender, countries = v_new.countries
      where id = v_old.id
      returning * into v_new;
    end if;
  exception
    when unique_violation then
      raise exception using errcode = 'WS005',
        message = format('invalid_setting: position %s is already taken by another provider', v_new.position);
    when check_violation or data_exception or invalid_text_representation then
      raise exception using errcode = 'WS005', message = format('invalid_setting: %s', sqlerrm);
  end;
  return v_new;
end;
$$;

revoke execute on function public.set_workspace_provider(uuid, text, jsonb) from public, anon;
grant execute on function public.set_workspace_provider(uuid, text, jsonb) to authenticated, service_role;

-- Set or clear a provider's API key and webhook secret. null leaves a value as it is; ''
-- clears it. Admins only; audited without the values.
create function public.set_workspace_provider_secrets(
  p_organization_id uuid,
  p_provider text,
  p_api_key text default null,
  p_webhook_secret text default null
)
returns public.workspace_providers
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.workspace_providers;
begin
  perform internal.require_org_role(p_organization_id, 'admin');
  select * into v_row from public.workspace_providers
  where organization_id = p_organization_id and provider = p_provider for update;
  if v_row.id is null then
    raise exception using errcode = 'WS006', message = format('not_found: %s is not configured in this workspace', coalesce(p_provider, 'null'));
  end if;
  if char_length(p_api_key) > 500 or char_length(p_webhook_secret) > 500 then
    raise exception using errcode = 'WS005', message = 'invalid_setting: keys and secrets have at most 500 characters';
  end if;

  insert into public.workspace_provider_secrets (provider_id, api_key, webhook_secret)
  values (v_row.id, nullif(p_api_key, ''), nullif(p_webhook_secret, ''))
  on conflict (provider_id) do update set
    api_key = case when p_api_key is null then workspace_provider_secrets.api_key else nullif(p_api_key, '') end,
    webhook_secret = case when p_webhook_secret is null then workspace_provider_secrets.webhook_secret else nullif(p_webhook_secret, '') end,
    updated_at = now();

  -- The flags change through the audited row; the values never reach the log.
  update public.workspace_providers p set
    api_key_last4 = case when s.api_key is null then null else right(s.api_key, 4) end,
    webhook_secret_set = s.webhook_secret is not null
  from public.workspace_provider_secrets s
  where s.provider_id = p.id and p.id = v_row.id
  returning p.* into v_row;
  return v_row;
end;
$$;

revoke execute on function public.set_workspace_provider_secrets(uuid, text, text, text) from public, anon;
grant execute on function public.set_workspace_provider_secrets(uuid, text, text, text) to authenticated, service_role;

create function public.delete_workspace_provider(p_organization_id uuid, p_provider text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.require_org_role(p_organization_id, 'admin');
  delete from public.workspace_providers where organization_id = p_organization_id and provider = p_provider;
  return found;
end;
$$;

revoke execute on function public.delete_workspace_provider(uuid, text) from public, anon;
grant execute on function public.delete_workspace_provider(uuid, text) to authenticated, service_role;

-- The webhook secrets to check a callback against (service only): the secret of the
-- workspace that sent the text when the reference is known, otherwise every workspace's
-- secret for that provider (an early callback must still be verifiable).
create function public.provider_webhook_secrets(p_provider text, p_reference text)
returns text[]
language sql
stable
security definer
set search_path = ''
as $$
  with owner as (
    select m.organization_id from public.sms_messages m
    where m.provider = p_provider and m.provider_reference = p_reference
  )
  select coalesce(array_agg(s.webhook_secret), '{}')
  from public.workspace_providers p
  join public.workspace_provider_secrets s on s.provider_id = p.id
  where p.provider = p_provider and s.webhook_secret is not null
    and (not exists (select 1 from owner) or p.organization_id in (select organization_id from owner));
$$;

revoke execute on function public.provider_webhook_secrets(text, text) from public, anon, authenticated;
grant execute on function public.provider_webhook_secrets(text, text) to service_role;
