-- Templates per workspace (issue 13). A template belongs to a workspace (organization_id); the
-- ones that existed before move to the default workspace. A template with no workspace (only
-- when none exists to move it to) stays a platform template, read by every signed-in user and
-- written by platform admins, as before. Workspace templates are read by members (viewer and
-- up) and written only through the functions below (admin and up), each change audited.
-- Keys are unique per workspace, so the lookups by key (queue_sms_message, bulk) now ask for
-- the text's workspace's template first, then a platform one.

alter table public.organizations add column max_template_segments integer not null default 3
  constraint organizations_max_template_segments_check check (max_template_segments between 1 and 10);

alter table public.sms_templates
  add column organization_id uuid references public.organizations (id) on delete cascade,
  add column last_used_at timestamptz;

update public.sms_templates set organization_id = internal.single_organization() where organization_id is null;
alter table public.sms_templates alter column organization_id set default internal.single_organization();

alter table public.sms_templates drop constraint sms_templates_template_key_key;
create unique index sms_templates_org_key_idx on public.sms_templates (organization_id, template_key) nulls not distinct;

-- The variables a body uses, in order of first appearance: the same pattern as
-- templateVariables in packages/twilio-service (parity test: supabase/tests/templates-workspace.test.ts).
create function internal.template_variables(p_body text)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(jsonb_agg(v.name order by v.first), '[]'::jsonb)
  from (
    select m.match[1] as name, min(m.ord) as first
    from regexp_matches(p_body, '\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}', 'g')
      with ordinality as m (match, ord)
    group by m.match[1]
  ) v
$$;
revoke all on function internal.template_variables(text) from public, anon, authenticated;

-- Reads: members see their workspace's templates (active or not); platform templates as before.
drop policy "Signed-in users can read active templates" on public.sms_templates;
drop policy "Admins can read all templates" on public.sms_templates;
drop policy "Admins can create templates" on public.sms_templates;
drop policy "Admins can update templates" on public.sms_templates;
drop policy "Admins can delete templates" on public.sms_templates;

create policy "Members read their workspace's templates"
  on public.sms_templates for select to authenticated
  using (organization_id is not null and (select public.has_org_role(organization_id, 'viewer')));

create policy "Signed-in users read active platform templates"
  on public.sms_templates for select to authenticated
  using (organization_id is null and (is_active or (select public.is_admin())));

create policy "Platform admins create platform templates"
  on public.sms_templates for insert to authenticated
  with check (organization_id is null and (select public.is_admin()));

create policy "Platform admins update platform templates"
  on public.sms_templates for update to authenticated
  using (organization_id is null and (select public.is_admin()))
  with check (organization_id is null and (select public.is_admin()));

create policy "Platform admins delete platform templates"
  on public.sms_templates for delete to authenticated
  using (organization_id is null and (select public.is_admin()));

revoke all on table public.sms_templates from anon, authenticated;
grant select, insert, update, delete on table public.sms_templates to authenticated;
grant select, insert, update, delete on table public.sms_templates to service_role;

-- Audited: content and state changes of workspace templates (not the usage counters, which
-- move with every text).
create trigger sms_templates_audit_insert
  after insert on public.sms_templates
  for each row when (new.organization_id is not null)
  execute function internal.audit_row_change('template');
create trigger sms_templates_audit_update
  after update on public.sms_templates
  for each row when (new.organization_id is not null and
    (old.template_key, old.name, old.description, old.message_template, old.notification_type, old.is_active)
    is distinct from
    (new.template_key, new.name, new.description, new.message_template, new.notification_type, new.is_active))
  execute function internal.audit_row_change('template');
create trigger sms_templates_audit_delete
  after delete on public.sms_templates
  for each row when (old.organization_id is not null)
  execute function internal.audit_row_change('template');

-- Checks shared by create and edit: TP002 invalid_template (with the reason), TP003 key_taken.
create function internal.check_template(p_name text, p_body text, p_notification_type text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_name is null or char_length(btrim(p_name)) = 0 or char_length(p_name) > 100 then
    raise exception using errcode = 'TP002', message = 'invalid_template: a name has 1 to 100 characters';
  end if;
  if p_body is null or btrim(p_body) = '' then
    raise exception using errcode = 'TP002', message = 'invalid_template: the body is empty';
  end if;
  if char_length(p_body) > 1600 then
    raise exception using errcode = 'TP002',
      message = format('invalid_template: the body has %s characters; the maximum is 1600', char_length(p_body));
  end if;
  if not exists (select 1 from public.sms_notification_types where key = p_notification_type) then
    raise exception using errcode = 'TP002', message = format('invalid_template: %s is not a notification type', p_notification_type);
  end if;
end;
$$;
revoke all on function internal.check_template(text, text, text) from public, anon, authenticated;

-- The template, locked, once the caller is shown to be an admin of its workspace; TP001 when
-- there is no such template the caller may see (a stranger learns nothing).
create function internal.template_for_admin(p_template_id uuid)
returns public.sms_templates
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_row public.sms_templates;
begin
  select * into v_row from public.sms_templates where id = p_template_id for update;
  if not found or v_row.organization_id is null or not public.has_org_role(v_row.organization_id, 'viewer') then
    raise exception using errcode = 'TP001', message = 'unknown_template: no such template in your workspaces';
  end if;
  perform internal.require_org_role(v_row.organization_id, 'admin');
  return v_row;
end;
$$;
revoke all on function internal.template_for_admin(uuid) from public, anon, authenticated;

create function public.create_sms_template(
  p_organization_id uuid,
  p_template_key text,
  p_name text,
  p_message_template text,
  p_notification_type text default 'custom',
  p_description text default ''
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  perform internal.require_org_role(p_organization_id, 'admin');
  if p_template_key is null or p_template_key !~ '^[a-z0-9][a-z0-9_.-]{0,99}$' then
    raise exception using errcode = 'TP002',
      message = 'invalid_template: a key has 1 to 100 characters: lower-case letters, digits, _ . -, starting with a letter or digit';
  end if;
  perform internal.check_template(p_name, p_message_template, coalesce(p_notification_type, 'custom'));
  insert into public.sms_templates (
    organization_id, template_key, name, description, message_template, template_vars, notification_type, created_by
  ) values (
    p_organization_id, p_template_key, btrim(p_name), coalesce(p_description, ''), p_message_template,
    internal.template_variables(p_message_template), coalesce(p_notification_type, 'custom'), (select auth.uid())
  )
  on conflict (organization_id, template_key) do nothing
  returning id into v_id;
  if v_id is null then
    raise exception using errcode = 'TP003', message = format('key_taken: this workspace already has a template "%s"', p_template_key);
  end if;
  return v_id;
end;
$$;

create function public.update_sms_template(
  p_template_id uuid,
  p_name text,
  p_message_template text,
  p_notification_type text default 'custom',
  p_description text default ''
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.template_for_admin(p_template_id);
  perform internal.check_template(p_name, p_message_template, coalesce(p_notification_type, 'custom'));
  update public.sms_templates
  set name = btrim(p_name), message_template = p_message_template,
      template_vars = internal.template_variables(p_message_template),
      notification_type = coalesce(p_notification_type, 'custom'), description = coalesce(p_description, '')
  where id = p_template_id;
end;
$$;

create function public.set_sms_template_active(p_template_id uuid, p_active boolean)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.template_for_admin(p_template_id);
  update public.sms_templates set is_active = coalesce(p_active, false) where id = p_template_id;
end;
$$;

-- Refused (TP004 template_in_use) while texts scheduled with it are waiting to go.
create function public.delete_sms_template(p_template_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_waiting bigint;
begin
  perform internal.template_for_admin(p_template_id);
  select count(*) into v_waiting from public.sms_messages
  where template_id = p_template_id and status = 'scheduled';
  if v_waiting > 0 then
    raise exception using errcode = 'TP004',
      message = format('template_in_use: %s scheduled texts use this template; cancel them or deactivate the template instead', v_waiting);
  end if;
  delete from public.sms_templates where id = p_template_id;
end;
$$;

revoke execute on function public.create_sms_template(uuid, text, text, text, text, text) from public, anon, authenticated;
revoke execute on function public.update_sms_template(uuid, text, text, text, text) from public, anon, authenticated;
revoke execute on function public.set_sms_template_active(uuid, boolean) from public, anon, authenticated;
revoke execute on function public.delete_sms_template(uuid) from public, anon, authenticated;
grant execute on function public.create_sms_template(uuid, text, text, text, text, text) to authenticated, service_role;
grant execute on function public.update_sms_template(uuid, text, text, text, text) to authenticated, service_role;
grant execute on function public.set_sms_template_active(uuid, boolean) to authenticated, service_role;
grant execute on function public.delete_sms_template(uuid) to authenticated, service_role;
