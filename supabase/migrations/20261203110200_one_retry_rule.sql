-- One home for "may this error code be retried?" Two lists had grown apart-in-waiting: the
-- console's internal.sms_retry_block_for_error (20261202010000: codes that condemn the number
-- or the content) and the campaigns' internal.sms_error_retryable (20261202030300: codes a
-- later send plausibly fixes). Both now read one table of the error catalogue's retry facts
-- (packages/twilio-service/src/errors/catalogue.ts: retryable, scope), through
-- internal.sms_error_retry_class:
--
--   'transient'  retryable in the catalogue: rate limits, queues, passing carrier states —
--                campaigns retry these by themselves;
--   a reason     not retryable, the number or the content is condemned: unknown_number,
--                landline, opted_out, unreachable_number, blocked_number, content_refused —
--                nobody retries these;
--   'setup'      not retryable until a person fixes something of ours (account, sender) or
--                nothing in particular — an operator may retry after fixing it;
--   null         no code, or one the catalogue does not know.
--
-- Parity with the catalogue for every code: supabase/tests/retry-console.test.ts (this
-- function and the console's wrapper) and supabase/tests/campaign-parity.test.ts (the
-- campaigns' wrapper). Same answers as before for every code.

create function internal.sms_error_retry_class(p_code integer)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select c.class from (values
    (20003, 'setup'), (20404, 'setup'), (20429, 'transient'), (21211, 'unknown_number'),
    (21408, 'setup'), (21606, 'setup'), (21608, 'setup'), (21610, 'opted_out'),
    (21611, 'transient'), (21612, 'unreachable_number'), (21614, 'landline'), (21617, 'content_refused'),
    (30001, 'transient'), (30002, 'setup'), (30003, 'transient'), (30004, 'blocked_number'),
    (30005, 'unknown_number'), (30006, 'landline'), (30007, 'content_refused'), (30008, 'transient'),
    (30009, 'setup'), (30010, 'setup'), (30017, 'transient'), (30019, 'content_refused'),
    (30022, 'transient'), (30023, 'transient'), (30027, 'transient'), (30032, 'setup'),
    (30033, 'setup'), (30034, 'setup'), (30035, 'setup'), (30036, 'transient'),
    (30450, 'transient'), (60200, 'unknown_number'), (60202, 'setup'), (60203, 'transient'),
    (60212, 'transient')
  ) c (code, class)
  where c.code = p_code
$$;

revoke all on function internal.sms_error_retry_class(integer) from public, anon, authenticated;

-- Redefined (first in 20261202010000): the reason a console retry is refused, from the one rule.
create or replace function internal.sms_retry_block_for_error(p_code integer)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select nullif(nullif(internal.sms_error_retry_class(p_code), 'transient'), 'setup')
$$;

revoke all on function internal.sms_retry_block_for_error(integer) from public, anon, authenticated;

-- Redefined (first in 20261202030300, campaigns): same signature and answers, from the one rule.
create or replace function internal.sms_error_retryable(p_code integer)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(internal.sms_error_retry_class(p_code) = 'transient', false)
$$;

revoke all on function internal.sms_error_retryable(integer) from public, anon, authenticated;
grant execute on function internal.sms_error_retryable(integer) to service_role;
