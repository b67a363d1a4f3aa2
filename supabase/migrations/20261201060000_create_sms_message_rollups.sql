-- Console statistics (issue 12) come from rollups, not from scanning sms_messages: counts per
-- workspace × hour × status × notification type × provider × destination calling code, kept in
-- the SAME transaction as every write to sms_messages.
--
-- Why a statement-level trigger rather than edits to apply_sms_status / queue_sms_message /
-- retry_sms_message / the worker transitions: every path that creates a text or moves its
-- status (those functions, and the ones other branches add or rewrite) ends in an INSERT,
-- UPDATE or DELETE of sms_messages, so counting there can't miss a path and leaves those
-- bodies untouched.
--
-- Why delta rows (insert-only) rather than one row per key updated in place: an in-place
-- counter is a hot row — every status change in a workspace's hour would queue behind it until
-- commit, and transactions that change several texts (attach_sms_sid replaying early reports,
-- bulk queueing) deadlock on each other's counters. Inserting deltas takes no row lock at all.
-- A reader sums the rows of a key; compact_sms_message_rollups() (the worker's reconcile
-- sweep calls it) folds each key's deltas into one row, so the table stays about one row per
-- key. Either way the sums are exact at every moment.
--
-- Why hours and statuses: an hour bucket lets the console sum "today" or "last 7 days" in the
-- viewer's own time zone (whole-hour offsets) — a day bucket would fix one zone. The status is
-- stored rather than the verdict because a waiting text's verdict (scheduled / in progress)
-- changes with the clock, not with a write; verdicts and phases are derived on read with
-- sms_status_phase / sms_verdict_kind.
--
-- The bucket is the text's created_at (when it was queued), which never changes.
-- provider is '' until a provider is known (column sms_messages.provider once issue 14
-- lands; a Twilio SID means Twilio before that); calling_code is '' for a number without a
-- known calling code.

-- The ITU calling code of an E.164 number ('1', '44', '353'), or null. The set is
-- prefix-free, so at most one length matches. List from libphonenumber-js' metadata.
create function public.e164_calling_code(p_phone text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select c from (values (substr(p_phone, 2, 1)), (substr(p_phone, 2, 2)), (substr(p_phone, 2, 3))) v(c)
  where p_phone like '+%' and c = any (array[
    '1', '7', '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', 
    '46', '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', 
    '64', '65', '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98', '211', 
    '212', '213', '216', '218', '220', '221', '222', '223', '224', '225', '226', '227', '228', 
    '229', '230', '231', '232', '233', '234', '235', '236', '237', '238', '239', '240', '241', 
    '242', '243', '244', '245', '246', '247', '248', '249', '250', '251', '252', '253', '254', 
    '255', '256', '257', '258', '260', '261', '262', '263', '264', '265', '266', '267', '268', 
    '269', '290', '291', '297', '298', '299', '350', '351', '352', '353', '354', '355', '356', 
    '357', '358', '359', '370', '371', '372', '373', '374', '375', '376', '377', '378', '380', 
    '381', '382', '383', '385', '386', '387', '389', '420', '421', '423', '500', '501', '502', 
    '503', '504', '505', '506', '507', '508', '509', '590', '591', '592', '593', '594', '595', 
    '596', '597', '598', '599', '670', '672', '673', '674', '675', '676', '677', '678', '679', 
    '680', '681', '682', '683', '685', '686', '687', '688', '689', '690', '691', '692', '850', 
    '852', '853', '855', '856', '880', '886', '960', '961', '962', '963', '964', '965', '966', 
    '967', '968', '970', '971', '972', '973', '974', '975', '976', '977', '992', '993', '994', 
    '995', '996', '998'
  ]::text[])
  limit 1
$$;

revoke execute on function public.e164_calling_code(text) from public;
grant execute on function public.e164_calling_code(text) to anon, authenticated, service_role;

create table public.sms_message_rollups (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  bucket timestamptz not null constraint sms_message_rollups_bucket_check check (bucket = date_trunc('hour', bucket)),
  status text not null,
  notification_type text not null,
  provider text not null,
  calling_code text not null,
  messages bigint not null default 0,
  segments bigint not null default 0,
  -- Sum of known prices (Twilio reports them negative) and how many texts had one.
  price numeric not null default 0,
  priced bigint not null default 0,
  -- Delivered texts with both times known: count and total sent → delivered milliseconds.
  latency_count bigint not null default 0,
  latency_ms bigint not null default 0
);

-- The overview reads a workspace's range of hours.
create index sms_message_rollups_org_bucket_idx on public.sms_message_rollups (organization_id, bucket);

alter table public.sms_message_rollups enable row level security;

create policy "Members can read their workspace's rollups"
  on public.sms_message_rollups for select to authenticated
  using ((select public.has_org_role(organization_id, 'viewer')));

revoke all on table public.sms_message_rollups from anon, authenticated, service_role;
grant select on table public.sms_message_rollups to authenticated, service_role;

-- One text's contribution, as the keys and measures of its rollup row.
create function internal.sms_rollup_row(p_message public.sms_messages)
returns table (
  organization_id uuid, bucket timestamptz, status text, notification_type text, provider text,
  calling_code text, segments bigint, price numeric, priced bigint, latency_count bigint, latency_ms bigint
)
language sql
stable
set search_path = ''
as $$
  select
    p_message.organization_id,
    date_trunc('hour', p_message.created_at),
    p_message.status,
    p_message.notification_type,
    coalesce(to_jsonb(p_message) ->> 'provider', case when p_message.twilio_sid is not null then 'twilio' end, ''),
    coalesce(public.e164_calling_code(p_message.phone_number), ''),
    coalesce(p_message.segments, 0)::bigint,
    coalesce(p_message.price, 0),
    (p_message.price is not null)::int::bigint,
    (p_message.status = 'delivered' and p_message.sent_at is not null and p_message.delivered_at is not null)::int::bigint,
    case when p_message.status = 'delivered' and p_message.sent_at is not null and p_message.delivered_at is not null
      then greatest(0, (extract(epoch from (p_message.delivered_at - p_message.sent_at)) * 1000)::bigint) else 0 end
$$;

revoke all on function internal.sms_rollup_row(public.sms_messages) from public, anon, authenticated;

-- Records the change from the old rows to the new ones: one delta row per key that changed. Only
-- outbound texts of a workspace count. Rows of a workspace being deleted (ON DELETE CASCADE)
-- are skipped: its rollups go with it.
create function internal.sms_rollup_apply(p_old public.sms_messages[], p_new public.sms_messages[])
returns void
language sql
set search_path = ''
as $$
  insert into public.sms_message_rollups (
    organization_id, bucket, status, notification_type, provider, calling_code,
    messages, segments, price, priced, latency_count, latency_ms)
  select d.organization_id, d.bucket, d.status, d.notification_type, d.provider, d.calling_code,
    sum(d.sign), sum(d.sign * d.segments), sum(d.sign * d.price), sum(d.sign * d.priced),
    sum(d.sign * d.latency_count), sum(d.sign * d.latency_ms)
  from (
    select s.sign, x.*
    from (
      select -1::bigint as sign, m from unnest(coalesce(p_old, '{}')) m
      union all
      select 1::bigint, m from unnest(coalesce(p_new, '{}')) m
    ) s,
    lateral internal.sms_rollup_row(s.m) x
    where (s.m).direction = 'outbound' and (s.m).organization_id is not null
  ) d
  where exists (select 1 from public.organizations o where o.id = d.organization_id)
  group by 1, 2, 3, 4, 5, 6
  having sum(d.sign) <> 0 or sum(d.sign * d.segments) <> 0 or sum(d.sign * d.price) <> 0
    or sum(d.sign * d.priced) <> 0 or sum(d.sign * d.latency_count) <> 0 or sum(d.sign * d.latency_ms) <> 0
$$;

revoke all on function internal.sms_rollup_apply(public.sms_messages[], public.sms_messages[]) from public, anon, authenticated;

create function internal.sms_messages_rollup()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Each branch names only the transition tables its event has.
  if tg_op = 'INSERT' then
    perform internal.sms_rollup_apply(null::public.sms_messages[], (select array_agg(n::public.sms_messages) from new_rows n));
  elsif tg_op = 'DELETE' then
    perform internal.sms_rollup_apply((select array_agg(o::public.sms_messages) from old_rows o), null::public.sms_messages[]);
  else
    perform internal.sms_rollup_apply((select array_agg(o::public.sms_messages) from old_rows o), (select array_agg(n::public.sms_messages) from new_rows n));
  end if;
  return null;
end;
$$;

revoke all on function internal.sms_messages_rollup() from public, anon, authenticated;

create trigger sms_messages_rollup_insert
  after insert on public.sms_messages
  referencing new table as new_rows
  for each statement execute function internal.sms_messages_rollup();

create trigger sms_messages_rollup_update
  after update on public.sms_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.sms_messages_rollup();

create trigger sms_messages_rollup_delete
  after delete on public.sms_messages
  referencing old table as old_rows
  for each statement execute function internal.sms_messages_rollup();

-- Folds each key's delta rows into one (for one workspace, or all). Deleting and re-inserting
-- in one statement keeps the sums exact for every concurrent reader; deltas committed while it
-- runs are simply not in its snapshot and stay for the next run. Keys whose sums are all zero
-- disappear. Returns how many rows it removed.
create function public.compact_sms_message_rollups(p_organization_id uuid default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_removed bigint;
begin
  -- One compactor at a time (a second would wait on the first's deleted rows anyway).
  perform pg_advisory_xact_lock(hashtextextended('sms_message_rollups:compact', 0));
  with keys as (
    select organization_id, bucket, status, notification_type, provider, calling_code
    from public.sms_message_rollups
    where p_organization_id is null or organization_id = p_organization_id
    group by 1, 2, 3, 4, 5, 6
    having count(*) > 1 or (sum(messages) = 0 and sum(segments) = 0 and sum(price) = 0 and sum(priced) = 0
      and sum(latency_count) = 0 and sum(latency_ms) = 0)
  ),
  moved as (
    delete from public.sms_message_rollups r
    using keys k
    where r.organization_id = k.organization_id and r.bucket = k.bucket and r.status = k.status
      and r.notification_type = k.notification_type and r.provider = k.provider and r.calling_code = k.calling_code
    returning r.*
  ),
  folded as (
    insert into public.sms_message_rollups (
      organization_id, bucket, status, notification_type, provider, calling_code,
      messages, segments, price, priced, latency_count, latency_ms)
    select organization_id, bucket, status, notification_type, provider, calling_code,
      sum(messages), sum(segments), sum(price), sum(priced), sum(latency_count), sum(latency_ms)
    from moved
    group by 1, 2, 3, 4, 5, 6
    having sum(messages) <> 0 or sum(segments) <> 0 or sum(price) <> 0 or sum(priced) <> 0
      or sum(latency_count) <> 0 or sum(latency_ms) <> 0
    returning 1
  )
  select (select count(*) from moved) - (select count(*) from folded) into v_removed;
  return v_removed;
end;
$$;

revoke execute on function public.compact_sms_message_rollups(uuid) from public, anon, authenticated;
grant execute on function public.compact_sms_message_rollups(uuid) to service_role;

-- Texts sent before this migration.
select internal.sms_rollup_apply(null::public.sms_messages[], (select array_agg(m) from public.sms_messages m));
