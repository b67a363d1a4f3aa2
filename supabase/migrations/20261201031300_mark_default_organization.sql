-- The platform's own texts (a user's "send me a test text", application code written before
-- workspaces, seed 003's example) name no workspace. They kept working only while there was
-- exactly one workspace; the first workspace anyone else created broke them. The migrated
-- workspace is now marked as the default one: a text that names no workspace belongs to it,
-- or — when no workspace is marked — to the only one. Marking is the service's business
-- (no user-facing function changes it).

alter table public.organizations add column is_default boolean not null default false;

create unique index organizations_one_default_idx on public.organizations (is_default) where is_default;

update public.organizations set is_default = true
where slug = 'default' and not exists (select 1 from public.organizations where is_default);

create or replace function internal.single_organization()
returns uuid
language sql
stable
set search_path = ''
as $$
  select coalesce(
    (select id from public.organizations where is_default),
    (select case when count(*) = 1 then min(id::text)::uuid end
     from (select id from public.organizations limit 2) o)
  )
$$;

create or replace function internal.resolve_organization(p_organization_id uuid)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_org uuid;
begin
  if p_organization_id is null then
    v_org := internal.single_organization();
    if v_org is null then
      raise exception using errcode = 'WS016',
        message = 'organization_required: name the workspace (p_organization_id); there is no default workspace and not exactly one';
    end if;
    return v_org;
  end if;
  if not exists (select 1 from public.organizations where id = p_organization_id) then
    raise exception using errcode = 'WS017', message = format('unknown_organization: no workspace %s', p_organization_id);
  end if;
  return p_organization_id;
end;
$$;
