-- The console's message-list total (issue 12, "Scale"): exact up to a cap, then the planner's
-- estimate. Counted through RLS, every counted row was read from the heap (the policies ask for
-- user_id, which no list index holds), so a filter matching more than the cap read ~1,000
-- random heap pages per page view (10-20 ms over a million texts). This function checks the
-- caller's right to the workspace ONCE, then counts on the list indexes alone (index-only
-- scans), and takes the estimate from the same call; console_message_ids finds a page's texts
-- the same way (Node reads those rows through RLS).
--
-- Same answers as the count through RLS, by construction: a member of the workspace (viewer and
-- up) or a platform admin counts every matching text of it; anyone else only the texts sent to
-- themselves (the "Users can read their own messages" policy) — the three policies OR-ed.
--
-- p_filter (internal.console_message_where): the list's filters as Node resolved them (src/lib/server/console/messages.ts,
-- countFilter), each key optional:
--   statuses text[], verdict text ('pending' = not final yet; else an sms_verdict_kind),
--   status, type, provider, campaign (uuid), error (int), country (calling code),
--   from / to (timestamptz, to exclusive), phone_hash (the blind index of a whole number: Node
--   hashes what was typed, no number reaches SQL), last4,
--   contact_ids / user_ids (uuid[]; both present, possibly empty, for a name search),
--   contact / user (one recipient's texts).
-- Values reach the statement as quoted literals (format %L), never as SQL.

create function internal.console_message_where(p_org uuid, p_filter jsonb, p_estimate boolean)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_where text;
  v_contacts uuid[];
  v_users uuid[];
  v_statuses text[];
begin
  v_where := format('m.organization_id = %L::uuid and m.direction = %L', p_org, 'outbound');
  if not (p_org = any (public.org_ids_with_role('viewer')) or public.is_admin()) then
    -- Not a member: RLS shows them only their own texts.
    v_where := v_where || format(' and m.user_id = %L::uuid', auth.uid());
  end if;
  if p_filter ? 'contact' then
    v_where := v_where || format(' and m.contact_id = %L::uuid', p_filter ->> 'contact');
  end if;
  if p_filter ? 'user' then
    v_where := v_where || format(' and m.user_id = %L::uuid', p_filter ->> 'user');
  end if;
  if p_filter ? 'statuses' then
    v_statuses := array(select jsonb_array_elements_text(p_filter -> 'statuses'));
    v_where := v_where || format(' and m.status = any (%L::text[])', v_statuses);
  end if;
  if p_filter ? 'status' then
    v_where := v_where || format(' and m.status = %L', p_filter ->> 'status');
  end if;
  if p_filter ? 'type' then
    v_where := v_where || format(' and m.notification_type = %L', p_filter ->> 'type');
  end if;
  if p_filter ? 'provider' then
    v_where := v_where || format(' and m.provider = %L', p_filter ->> 'provider');
  end if;
  if p_filter ? 'campaign' then
    v_where := v_where || format(' and m.campaign_id = %L::uuid', p_filter ->> 'campaign');
  end if;
  if p_filter ? 'error' then
    v_where := v_where || format(' and m.error_code = %L::integer', p_filter ->> 'error');
  end if;
  if p_filter ? 'country' then
    v_where := v_where || format(' and m.calling_code = %L', p_filter ->> 'country');
  end if;
  if p_filter ? 'from' then
    v_where := v_where || format(' and m.created_at >= %L::timestamptz', p_filter ->> 'from');
  end if;
  if p_filter ? 'to' then
    v_where := v_where || format(' and m.created_at < %L::timestamptz', p_filter ->> 'to');
  end if;
  if p_filter ? 'phone_hash' then
    v_where := v_where || format(' and m.phone_hash = %L', p_filter ->> 'phone_hash');
  end if;
  if p_filter ? 'last4' then
    v_where := v_where || format(' and m.phone_last4 = %L', p_filter ->> 'last4');
  end if;
  if p_filter ? 'contact_ids' or p_filter ? 'user_ids' then
    v_contacts := array(select jsonb_array_elements_text(coalesce(p_filter -> 'contact_ids', '[]')))::uuid[];
    v_users := array(select jsonb_array_elements_text(coalesce(p_filter -> 'user_ids', '[]')))::uuid[];
    -- Only the lists that have ids are named, so the planner walks one recipient index rather
    -- than OR-ing two (an OR with an empty list reads the whole workspace).
    v_where := v_where || case
      when cardinality(v_contacts) > 0 and cardinality(v_users) > 0
        then format(' and (m.contact_id = any (%L::uuid[]) or m.user_id = any (%L::uuid[]))', v_contacts, v_users)
      when cardinality(v_contacts) > 0 then format(' and m.contact_id = any (%L::uuid[])', v_contacts)
      when cardinality(v_users) > 0 then format(' and m.user_id = any (%L::uuid[])', v_users)
      else ' and false' end;
  end if;
  -- The planner cannot see through the verdict rule (it guesses 0.5 %); the statuses alone
  -- estimate well, so the estimate leaves it out. When none of the statuses' verdicts depends
  -- on the clock (a text scheduled or not: asked of the rule itself), the statuses alone are the
  -- verdict and the rule is not evaluated per row at all.
  if p_estimate then
    return v_where;
  end if;
  if p_filter ->> 'verdict' = 'pending' then
    v_where := v_where || ' and not public.sms_status_is_final(m.status)';
  elsif p_filter ? 'verdict' and (v_statuses is null or exists (
    select 1 from unnest(v_statuses) s
    where public.sms_verdict_kind(s, now() + interval '100 years', now()) is distinct from public.sms_verdict_kind(s, null, now())
       or public.sms_verdict_kind(s, null, now()) is distinct from p_filter ->> 'verdict'
  )) then
    v_where := v_where || format(' and public.sms_verdict_kind(m.status, m.scheduled_for, now()) = %L', p_filter ->> 'verdict');
  end if;
  return v_where;
end;
$$;

revoke execute on function internal.console_message_where(uuid, jsonb, boolean) from public, anon, authenticated;

create function public.console_count_messages(p_org uuid, p_filter jsonb, p_cap integer)
returns table (value bigint, exact boolean)
language plpgsql
-- Not stable: it EXPLAINs for the estimate, which a stable function may not.
security definer
set search_path = ''
-- A bitmap scan reads every match before the LIMIT applies; an index-only scan stops there.
set enable_bitmapscan = off
-- Counting up to the cap takes a millisecond; starting parallel workers takes several.
set max_parallel_workers_per_gather = 0
as $$
declare
  v_n bigint;
  v_plan json;
  v_estimate numeric;
begin
  if p_cap is null or p_cap < 1 or p_cap > 100000 then
    raise exception 'cap must be between 1 and 100000' using errcode = '22023';
  end if;
  execute format('select count(*) from (select 1 from public.sms_messages m where %s limit %s) s',
    internal.console_message_where(p_org, p_filter, false), p_cap + 1)
    into v_n;
  if v_n <= p_cap then
    return query select v_n, true;
    return;
  end if;
  execute 'explain (format json) select 1 from public.sms_messages m where ' || internal.console_message_where(p_org, p_filter, true)
    into v_plan;
  v_estimate := (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
  return query select greatest(round(coalesce(v_estimate, v_n))::bigint, v_n), false;
end;
$$;

revoke execute on function public.console_count_messages(uuid, jsonb, integer) from public, anon;
grant execute on function public.console_count_messages(uuid, jsonb, integer) to authenticated, service_role;

-- One page of the list: the ids (and times) of its texts, newest first, after the keyset cursor
-- (p_before: {"created_at", "id"}), found on the list indexes alone, with the same check of the
-- caller's right as the count. Node then reads those texts through RLS by id. A filter matching
-- several values the index orders separately — a verdict's statuses (failed: undelivered or
-- failed), a name search's contacts — is read as one ordered range per value, merged, rather
-- than as every match sorted or the workspace's newest texts read until enough match.
create function public.console_message_ids(p_org uuid, p_filter jsonb, p_before jsonb, p_limit integer)
returns table (id uuid, created_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
set max_parallel_workers_per_gather = 0
as $$
declare
  v_filter jsonb := p_filter;
  v_values text[];
  v_fan text;
  v_keyset text := '';
begin
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'limit must be between 1 and 1000' using errcode = '22023';
  end if;
  if p_before is not null then
    v_keyset := format(' and (m.created_at, m.id) < (%L::timestamptz, %L::uuid)', p_before ->> 'created_at', p_before ->> 'id');
  end if;
  if jsonb_array_length(coalesce(p_filter -> 'statuses', '[]')) > 1 and not p_filter ? 'status' then
    v_values := array(select jsonb_array_elements_text(p_filter -> 'statuses'));
    v_filter := v_filter - 'statuses';
    v_fan := 'm.status = f.v';
  elsif jsonb_array_length(coalesce(p_filter -> 'contact_ids', '[]')) > 1
    and jsonb_array_length(coalesce(p_filter -> 'user_ids', '[]')) = 0 then
    v_values := array(select jsonb_array_elements_text(p_filter -> 'contact_ids'));
    v_filter := v_filter - 'contact_ids' - 'user_ids';
    v_fan := 'm.contact_id = f.v::uuid';
  end if;
  if v_fan is null then
    return query execute format(
      'select m.id, m.created_at from public.sms_messages m where %s%s order by m.created_at desc, m.id desc limit %s',
      internal.console_message_where(p_org, v_filter, false), v_keyset, p_limit);
  else
    return query execute format(
      'select x.id, x.created_at from unnest(%L::text[]) f(v) cross join lateral (
         select m.id, m.created_at from public.sms_messages m where %s and %s%s
         order by m.created_at desc, m.id desc limit %s) x
       order by x.created_at desc, x.id desc limit %s',
      v_values, internal.console_message_where(p_org, v_filter, false), v_fan, v_keyset, p_limit, p_limit);
  end if;
end;
$$;

revoke execute on function public.console_message_ids(uuid, jsonb, jsonb, integer) from public, anon;
grant execute on function public.console_message_ids(uuid, jsonb, jsonb, integer) to authenticated, service_role;

-- Provider: every row's provider column is set whenever a Twilio SID is (the
-- internal.mirror_twilio_sid trigger and the 20261201080000 backfill), so the list filters on
-- the column itself; a plain-column index also lets the count run index-only (the planner
-- does not use an expression index for an index-only scan).
drop index public.sms_messages_org_provider_list_idx;
create index sms_messages_org_provider_list_idx on public.sms_messages (organization_id, provider, created_at desc, id desc)
  where direction = 'outbound';

-- The date range and the unfiltered list count on (organization_id, created_at): with the
-- direction in the index, without a heap visit per counted row.
drop index public.sms_messages_org_created_idx;
create index sms_messages_org_created_idx on public.sms_messages (organization_id, created_at desc, id desc)
  include (direction);

-- A name search counts the texts of the recipients it found (contact_id = any (…)): with the
-- workspace and direction in the index, index-only too.
drop index public.sms_messages_contact_created_idx;
create index sms_messages_contact_created_idx on public.sms_messages (contact_id, created_at desc, id desc)
  include (organization_id, direction) where contact_id is not null;
