-- The two sealed-number helpers are inlined again (issue 15, scale: p99 < 50 ms at concurrency 20).
-- internal.sealed_phone_from_json and internal.sealed_phone_problem were SQL functions with a SET
-- clause (search_path = ''), which stops the planner inlining them: each use became a function
-- call that saves and restores the setting. queue_sms_messages_bulk names its row's number a dozen
-- times (r.phone, the subquery's internal.sealed_phone_from_json, is copied into every use), so a
-- few rows cost a few milliseconds: about 0.4 ms a row, most of a small call, which
-- POST /api/v1/messages now makes for requests arriving together. Without the SET clause every
-- name in them must be qualified, as they are below (the types and operators: pg_catalog or
-- public); the bodies and results are unchanged. Restated from
-- 20261204100100_send_path_drop_clear_phones.sql.

-- Why a value is not a sealed number (null when it is one).
create or replace function internal.sealed_phone_problem(p public.sealed_phone)
returns text
language sql
immutable
parallel safe
-- No SET clause: it would stop the planner inlining this; every name in it is qualified.
as $$
  select case
    when p is null or (p).enc is null then 'not a sealed value: enc is missing'
    when (p).enc operator(pg_catalog.!~) '^p1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' then 'not a sealed value: enc is not p1.<key>.<iv>.<ct>'
    when (p).hash is null or (p).hash operator(pg_catalog.!~) '^h1\.[A-Za-z0-9_-]+$' then 'not a sealed value: hash is not h1.<hmac>'
    when (p).last4 is null or (p).last4 operator(pg_catalog.!~) '^[0-9]{4}$' then 'not a sealed value: last4 is not four digits'
    when (p).calling_code operator(pg_catalog.!~) '^[0-9]{1,3}$' then 'not a sealed value: calling_code is not 1-3 digits'
  end
$$;

-- The JSON form ({"enc","hash","last4","calling_code"}, key `phone_sealed`) as the type; null stays null.
create or replace function internal.sealed_phone_from_json(j jsonb)
returns public.sealed_phone
language sql
immutable
parallel safe
-- No SET clause: it would stop the planner inlining this; every name in it is qualified.
as $$
  select case when j is null or j operator(pg_catalog.=) 'null'::pg_catalog.jsonb then null
    else row(j operator(pg_catalog.->>) 'enc', j operator(pg_catalog.->>) 'hash',
             j operator(pg_catalog.->>) 'last4', j operator(pg_catalog.->>) 'calling_code')::public.sealed_phone end
$$;

revoke all on function internal.sealed_phone_problem(public.sealed_phone) from public, anon, authenticated;
grant execute on function internal.sealed_phone_problem(public.sealed_phone) to service_role;
revoke all on function internal.sealed_phone_from_json(jsonb) from public, anon, authenticated;
grant execute on function internal.sealed_phone_from_json(jsonb) to service_role;
