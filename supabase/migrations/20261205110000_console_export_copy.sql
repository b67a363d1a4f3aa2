-- The console's CSV exports as COPY (…) TO STDOUT (format csv) (issue 12, "Scale": 1,000,000
-- rows at ≥ 100,000 rows/s). Postgres writes the file — quoting, one line per row — and Node
-- only opens the few cells only it can make (numbers, error titles, users' e-mails, sealed
-- payloads; src/lib/server/console/csv-copy.ts). Two things the COPY needs from SQL:
--
-- 1. public.console_csv_text: the console exports' neutraliser against spreadsheet formula
--    injection, the rule of src/lib/server/csv/formula.ts with readableNumbers (a cell starting
--    with = + - @ tab CR, or a full-width = + - @, gets a leading apostrophe, unless it is only a
--    number or only a phone number). supabase/tests/csv-text-parity.test.ts holds the two equal
--    over every case formula.unit.test.ts names and thousands of random cells. Plain SQL with
--    no SET clause, so the planner inlines it (a function call per cell would cost more than the
--    rest of the row).
--
-- 2. public.console_export_where: the WHERE clause of a filtered view, as SQL text with every
--    value quoted as a literal (format %L) — COPY takes no bind parameters. The message side is
--    internal.console_message_where, the message list's own (the right to the workspace checked
--    once; parity with the list's RLS filter in messages.int.test.ts); the delivery log adds its
--    event filters. The COPY then runs as the member, through RLS as well.

create function public.console_csv_text(p_value text)
returns text
language sql
immutable
parallel safe
as $$
  select case
    when left(p_value, 1) not in ('=', '+', '-', '@', E'\t', E'\r', U&'\FF1D', U&'\FF0B', U&'\FF0D', U&'\FF20') then p_value
    when p_value ~ '^[+-]?[0-9]+(\.[0-9]+)?$' or p_value ~ '^\+[0-9][0-9 ().-]*[0-9]$' then p_value
    else '''' || p_value
  end
$$;

revoke execute on function public.console_csv_text(text) from public;
grant execute on function public.console_csv_text(text) to anon, authenticated, service_role;

-- A numeric as the text rule writes its text: every finite value, NaN and Infinity start safely
-- or are only a number, so only -Infinity goes through the rule (one comparison per cell, not
-- two regular expressions per negative price).
create function public.console_csv_text(p_value numeric)
returns text
language sql
immutable
parallel safe
as $$
  select case when p_value > '-Infinity'::numeric then p_value::text else public.console_csv_text(p_value::text) end
$$;

revoke execute on function public.console_csv_text(numeric) from public;
grant execute on function public.console_csv_text(numeric) to anon, authenticated, service_role;

-- p_messages: the message list's filters (internal.console_message_where's keys; Node's
-- listFilter). p_events, for the delivery log (events `e` joined to their message `m`): status,
-- provider, from / to (timestamptz, to exclusive, on the received time), provider_ref (the
-- event's or its message's), recipient (a user's or a contact's id). Null: the message list.
create function public.console_export_where(p_org uuid, p_messages jsonb, p_events jsonb)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_where text;
begin
  if p_org is null then
    raise exception 'a workspace is required' using errcode = '22023';
  end if;
  v_where := internal.console_message_where(p_org, coalesce(p_messages, '{}'), false);
  if p_events is null then
    return v_where;
  end if;
  v_where := format('e.organization_id = %L::uuid and ', p_org) || v_where;
  if p_events ? 'status' then
    v_where := v_where || format(' and e.status = %L', p_events ->> 'status');
  end if;
  if p_events ? 'provider' then
    v_where := v_where || format(' and e.provider = %L', p_events ->> 'provider');
  end if;
  if p_events ? 'from' then
    v_where := v_where || format(' and e.received_at >= %L::timestamptz', p_events ->> 'from');
  end if;
  if p_events ? 'to' then
    v_where := v_where || format(' and e.received_at < %L::timestamptz', p_events ->> 'to');
  end if;
  if p_events ? 'provider_ref' then
    v_where := v_where || format(' and (e.provider_reference = %L or m.provider_reference = %L)', p_events ->> 'provider_ref', p_events ->> 'provider_ref');
  end if;
  if p_events ? 'recipient' then
    v_where := v_where || format(' and (m.contact_id = %L::uuid or m.user_id = %L::uuid)', p_events ->> 'recipient', p_events ->> 'recipient');
  end if;
  return v_where;
end;
$$;

revoke execute on function public.console_export_where(uuid, jsonb, jsonb) from public, anon;
grant execute on function public.console_export_where(uuid, jsonb, jsonb) to authenticated, service_role;
