-- The variable detection of 20261201071000 learns JavaScript's spaces (parity test found it).
-- queue_sms_message renders a template itself when it is given p_template_key and
-- p_template_vars but no body (issue 13): internal.render_template follows renderTemplate in
-- packages/twilio-service (parity test over cases: supabase/tests/template-render-parity.test.ts).
-- A missing variable is TP005 missing_variables naming each one, raised before anything is
-- written. Same 11-argument signature (create or replace: no second overload).

-- The placeholder pattern of templateVariables/renderTemplate: `{{ name }}`, with the spaces
-- JavaScript's \s allows (Postgres's \s knows fewer of them, so the class is spelt out).
create function internal.template_placeholder_pattern()
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select format('\{\{%s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)%s*\}\}', s, s)
  from (select '[' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160) || chr(5760)
    || chr(8192) || '-' || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288) || chr(65279) || ']' as s) w
$$;
revoke all on function internal.template_placeholder_pattern() from public, anon, authenticated;

create or replace function internal.template_variables(p_body text)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(jsonb_agg(v.name order by v.first), '[]'::jsonb)
  from (
    select m.match[1] as name, min(m.ord) as first
    from regexp_matches(p_body, internal.template_placeholder_pattern(), 'g') with ordinality as m (match, ord)
    group by m.match[1]
  ) v
$$;
revoke all on function internal.template_variables(text) from public, anon, authenticated;

-- Like renderTemplate(body, vars, { requiredVars: declared }): every variable the body uses or
-- the template declares needs a value (null, absent and blank strings count as missing, blank
-- as JavaScript's trim() sees it); a used one the template does not declare is TP006. Values are
-- inserted in one pass (a value that looks like {{x}} is not expanded again). Strings go in as
-- they are, booleans as true/false, numbers as JavaScript's String() writes them — numbers
-- String() would write in exponent form or round (over 15 significant digits) are refused
-- (TP005 invalid_variables: send them as strings), as are objects and arrays.
create function internal.render_template(p_body text, p_vars jsonb, p_declared text[] default null)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  c_pattern constant text := internal.template_placeholder_pattern();
  -- JavaScript's String.prototype.trim() whitespace and line terminators.
  c_blank constant text := '^[' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160) || chr(5760)
    || chr(8192) || '-' || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288) || chr(65279) || ']*$';
  v_used text[];
  v_missing text[];
  v_unexpected text[];
  v_bad text[];
  v_parts text[];
  v_names text[];
  v_out text;
  v_value jsonb;
  v_vars jsonb := coalesce(p_vars, '{}'::jsonb);
begin
  if jsonb_typeof(v_vars) <> 'object' then
    raise exception using errcode = 'TP005', message = 'invalid_variables: template variables must be a JSON object';
  end if;
  select coalesce(array_agg(n order by ord), '{}') into v_used
  from jsonb_array_elements_text(internal.template_variables(p_body)) with ordinality as u (n, ord);

  select coalesce(array_agg(n order by ord), '{}') into v_missing
  from (
    select n, min(ord) as ord from (
      select n, ord from unnest(v_used) with ordinality as a (n, ord)
      union all
      select n, 1000000 + ord from unnest(coalesce(p_declared, '{}')) with ordinality as d (n, ord)
    ) x group by n
  ) needed
  where v_vars -> n is null
     or jsonb_typeof(v_vars -> n) = 'null'
     or (jsonb_typeof(v_vars -> n) = 'string' and (v_vars ->> n) ~ c_blank);
  if cardinality(v_missing) > 0 then
    raise exception using errcode = 'TP005',
      message = format('missing_variables: the template needs a value for: %s', array_to_string(v_missing, ', '));
  end if;
  if p_declared is not null then
    select coalesce(array_agg(n), '{}') into v_unexpected from unnest(v_used) n where not (n = any (p_declared));
    if cardinality(v_unexpected) > 0 then
      raise exception using errcode = 'TP006',
        message = format('unexpected_variables: the template uses variables it does not declare: %s', array_to_string(v_unexpected, ', '));
    end if;
  end if;
  select coalesce(array_agg(n), '{}') into v_bad from unnest(v_used) n
  where jsonb_typeof(v_vars -> n) in ('object', 'array')
     or (jsonb_typeof(v_vars -> n) = 'number' and (
          abs((v_vars ->> n)::numeric) >= 1e21
          or (abs((v_vars ->> n)::numeric) < 1e-6 and (v_vars ->> n)::numeric <> 0)
          or char_length(regexp_replace(trim_scale(abs((v_vars ->> n)::numeric))::text, '[^0-9]|^0+(\.0*)?', '', 'g')) > 15));
  if cardinality(v_bad) > 0 then
    raise exception using errcode = 'TP005',
      message = format('invalid_variables: send these as strings: %s', array_to_string(v_bad, ', '));
  end if;

  -- One pass: the literal pieces between placeholders, each placeholder replaced by its value.
  v_parts := regexp_split_to_array(p_body, c_pattern);
  select coalesce(array_agg(m.match[1] order by m.ord), '{}') into v_names
  from regexp_matches(p_body, c_pattern, 'g') with ordinality as m (match, ord);
  v_out := v_parts[1];
  for i in 1 .. cardinality(v_names) loop
    v_value := v_vars -> v_names[i];
    v_out := v_out || case jsonb_typeof(v_value)
      when 'string' then v_value #>> '{}'
      when 'number' then trim_scale((v_value #>> '{}')::numeric)::text
      else v_value #>> '{}'
    end || v_parts[i + 1];
  end loop;
  return v_out;
end;
$$;
revoke all on function internal.render_template(text, jsonb, text[]) from public, anon, authenticated;

create or replace function public.queue_sms_message(
  p_user_id uuid,
  p_phone_number text,
  p_message text,
  p_priority text default 'normal',
  p_scheduled_for timestamptz default null,
  p_notification_type text default 'custom',
  p_template_key text default null,
  p_template_vars jsonb default null,
  p_dedup_key text default null,
  p_organization_id uuid default null,
  p_contact_id uuid default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_phone text := p_phone_number;
  v_type text := p_notification_type;
  v_found_user uuid;
  v_verified_phone text;
  v_template_id uuid;
  v_message_id uuid;
  v_job_id uuid := gen_random_uuid();
  v_scheduled boolean := p_scheduled_for is not null and p_scheduled_for > now();
  v_problem record;
  v_message text := p_message;
  v_template_body text;
  v_template_declared jsonb;
  v_org uuid := p_organization_id;
  v_contact_org uuid;
  v_contact_phone text;
begin
  -- Lookups first (one for the user and their verified phone: this is the hot path), then the
  -- checks, shared with queue_sms_messages_bulk.
  if p_contact_id is not null then
    -- A contact: the text goes to the contact's own number, in the contact's workspace.
    if p_user_id is not null then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: a text goes to a user or to a contact, not both';
    end if;
    select c.organization_id, c.phone_number into v_contact_org, v_contact_phone
    from public.contacts c where c.id = p_contact_id;
    if v_contact_org is null or (v_org is not null and v_org <> v_contact_org) then
      raise exception using errcode = 'WS018', message = format('unknown_contact: no contact %s in this workspace', p_contact_id);
    end if;
    if p_phone_number is not null and p_phone_number <> v_contact_phone then
      raise exception using errcode = 'WS019', message = 'recipient_conflict: the phone number is not the contact''s';
    end if;
    v_org := v_contact_org;
    v_verified_phone := v_contact_phone;
  else
    select u.id, p.phone_number into v_found_user, v_verified_phone
    from auth.users u
    left join public.user_sms_preferences p on p.user_id = u.id and p.phone_verified
    where u.id = p_user_id;
  end if;
  if p_template_key is not null then
    -- The text's workspace's template, else a platform one (keys are unique per workspace).
    select t.id, coalesce(v_type, t.notification_type), t.message_template, t.template_vars
    into v_template_id, v_type, v_template_body, v_template_declared
    from public.sms_templates t
    where t.template_key = p_template_key and t.is_active
      and (t.organization_id = coalesce(v_org, internal.single_organization()) or t.organization_id is null)
    order by t.organization_id nulls last
    limit 1;
  end if;
  v_type := coalesce(v_type, 'custom');
  -- No body given: the template is rendered here with p_template_vars (a missing variable is
  -- TP005, raised before anything is written). A body given is the caller's own rendering.
  if v_message is null and v_template_id is not null then
    v_message := internal.render_template(
      v_template_body, p_template_vars,
      array(select jsonb_array_elements_text(v_template_declared)));
  end if;

  select c.code, c.message into v_problem
  from internal.sms_queue_problem(
    v_message, p_priority, p_user_id, v_found_user is not null or p_contact_id is not null,
    p_template_key, v_template_id is not null,
    v_type, exists (select 1 from public.sms_notification_types where key = v_type),
    p_phone_number, v_verified_phone) c;
  if v_problem.code is not null then
    raise exception using errcode = v_problem.code, message = v_problem.message;
  end if;
  v_phone := coalesce(p_phone_number, v_verified_phone);
  if p_contact_id is null then
    v_org := internal.resolve_organization(v_org);
  end if;

  if p_dedup_key is not null then
    select id into v_message_id from public.sms_messages where dedup_key = p_dedup_key;
    if v_message_id is not null then
      return v_message_id;
    end if;
  end if;

  -- The job id is chosen up front so the message row is written once (no follow-up UPDATE).
  insert into public.sms_messages (
    user_id, contact_id, organization_id, phone_number, message_content, template_id, template_key, template_vars,
    notification_type, priority, status, status_reason, scheduled_for, queue_job_id, dedup_key
  ) values (
    p_user_id, p_contact_id, v_org, v_phone, v_message, v_template_id, p_template_key, p_template_vars,
    v_type, p_priority,
    case when v_scheduled then 'scheduled' else 'pending' end,
    case when v_scheduled then 'requested' end,
    p_scheduled_for, v_job_id, p_dedup_key
  )
  on conflict (dedup_key) do nothing
  returning id into v_message_id;

  if v_message_id is null then
    -- A concurrent call with the same dedup key won the race; its row is committed now.
    select id into v_message_id from public.sms_messages where dedup_key = p_dedup_key;
    return v_message_id;
  end if;

  insert into public.queue_jobs (id, job_type, payload, priority, run_at, dedup_key)
  values (v_job_id, 'send_sms', jsonb_build_object('message_id', v_message_id),
          public.sms_job_priority(p_priority), coalesce(p_scheduled_for, now()),
          'send_sms:' || v_message_id::text);

  if v_template_id is not null then
    update public.sms_templates set usage_count = usage_count + 1, last_used_at = now() where id = v_template_id;
  end if;

  perform pg_notify('sms_jobs', v_job_id::text);
  return v_message_id;
end;
$$;


revoke execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) from public, anon, authenticated;
grant execute on function public.queue_sms_message(uuid, text, text, text, timestamptz, text, text, jsonb, text, uuid, uuid) to service_role;
