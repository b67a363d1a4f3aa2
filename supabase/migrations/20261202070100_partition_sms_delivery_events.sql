-- sms_delivery_events partitioned by month of received_at (issue 16), so that old months can
-- be handled (and one day detached or dropped) as whole tables instead of row by row. The
-- existing table is converted in place, keeping every row and id, and every index, policy,
-- trigger and grant it has when this runs — read from the catalog rather than restated, so
-- what earlier migrations (on any branch) added to it comes along.
--
-- Uniqueness: the table has no unique key but its id; a partitioned table's unique keys must
-- contain the partition key, so the primary key becomes (id, received_at). Webhook dedupe does
-- not rely on this table (webhook_receipts, unpartitioned, holds those keys), and no statement
-- inserts into it with ON CONFLICT.
--
-- Partitions: one per month from the oldest event's month to two months ahead, and a DEFAULT
-- partition so an insert never fails for want of one (a report is never dropped).
-- public.create_sms_delivery_event_partitions() adds months ahead; the worker's daily
-- retention job calls it, moving any rows that landed in the default partition.

create temporary table pg_temp.sde_saved (kind text, name text, def text) on commit drop;

-- Indexes other than the primary key.
insert into pg_temp.sde_saved
select 'index', i.relname, pg_catalog.pg_get_indexdef(x.indexrelid)
  from pg_catalog.pg_index x join pg_catalog.pg_class i on i.oid = x.indexrelid
 where x.indrelid = 'public.sms_delivery_events'::regclass and not x.indisprimary;

-- Triggers (not the internal ones behind foreign keys).
insert into pg_temp.sde_saved
select 'trigger', t.tgname, pg_catalog.pg_get_triggerdef(t.oid)
  from pg_catalog.pg_trigger t
 where t.tgrelid = 'public.sms_delivery_events'::regclass and not t.tgisinternal;

-- Policies.
insert into pg_temp.sde_saved
select 'policy', p.policyname, format('create policy %I on public.sms_delivery_events as %s for %s to %s%s%s',
         p.policyname, p.permissive, p.cmd,
         (select string_agg(case when r = 'public' then 'public' else quote_ident(r) end, ', ') from unnest(p.roles) r),
         case when p.qual is not null then format(' using (%s)', p.qual) else '' end,
         case when p.with_check is not null then format(' with check (%s)', p.with_check) else '' end)
  from pg_catalog.pg_policies p
 where p.schemaname = 'public' and p.tablename = 'sms_delivery_events';

-- Table and column privileges.
insert into pg_temp.sde_saved
select 'grant', g.grantee, format('grant %s on table public.sms_delivery_events to %I', g.privilege_type, g.grantee)
  from information_schema.role_table_grants g
 where g.table_schema = 'public' and g.table_name = 'sms_delivery_events'
   and g.grantee <> (select pg_catalog.pg_get_userbyid(c.relowner) from pg_catalog.pg_class c where c.oid = 'public.sms_delivery_events'::regclass);
insert into pg_temp.sde_saved
select 'grant', c.grantee, format('grant %s (%s) on table public.sms_delivery_events to %I', c.privilege_type, string_agg(quote_ident(c.column_name), ', '), c.grantee)
  from information_schema.column_privileges c
 where c.table_schema = 'public' and c.table_name = 'sms_delivery_events'
   and c.grantee <> (select pg_catalog.pg_get_userbyid(x.relowner) from pg_catalog.pg_class x where x.oid = 'public.sms_delivery_events'::regclass)
   and not exists (select 1 from information_schema.role_table_grants g
                    where g.table_schema = 'public' and g.table_name = 'sms_delivery_events'
                      and g.grantee = c.grantee and g.privilege_type = c.privilege_type)
 group by c.grantee, c.privilege_type;

alter table public.sms_delivery_events rename to sms_delivery_events_unpartitioned;

create table public.sms_delivery_events (
  like public.sms_delivery_events_unpartitioned
    including defaults including constraints including identity including generated including comments
) partition by range (received_at);

create table public.sms_delivery_events_default partition of public.sms_delivery_events default;

-- Monthly partitions for [p_from, p_until) months, each named sms_delivery_events_yYYYYmMM.
-- Rows of such a month sitting in the default partition move into the new one.
create function internal.create_sms_delivery_event_partitions(p_from date, p_until date)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_month date := date_trunc('month', p_from)::date;
  v_name text;
  v_made integer := 0;
begin
  while v_month < p_until loop
    v_name := format('sms_delivery_events_y%sm%s', to_char(v_month, 'YYYY'), to_char(v_month, 'MM'));
    if to_regclass(format('public.%I', v_name)) is null then
      -- Rows of this month already in the default partition would block the new partition: move them.
      execute 'create temporary table if not exists sde_moving (like public.sms_delivery_events) on commit drop';
      execute 'truncate pg_temp.sde_moving';
      with moved as (
        delete from public.sms_delivery_events_default d
         where d.received_at >= v_month and d.received_at < (v_month + interval '1 month')
        returning d.*
      )
      insert into pg_temp.sde_moving select * from moved;
      execute format('create table public.%I partition of public.sms_delivery_events for values from (%L) to (%L)',
                     v_name, v_month::timestamptz, (v_month + interval '1 month')::timestamptz);
      insert into public.sms_delivery_events overriding system value select * from pg_temp.sde_moving;
      v_made := v_made + 1;
    end if;
    v_month := (v_month + interval '1 month')::date;
  end loop;
  return v_made;
end;
$$;

revoke execute on function internal.create_sms_delivery_event_partitions(date, date) from public;

select internal.create_sms_delivery_event_partitions(
  least(coalesce((select min(received_at) from public.sms_delivery_events_unpartitioned), now()), now())::date,
  (date_trunc('month', now()) + interval '3 months')::date);

insert into public.sms_delivery_events overriding system value
select * from public.sms_delivery_events_unpartitioned;

select pg_catalog.setval(pg_catalog.pg_get_serial_sequence('public.sms_delivery_events', 'id'),
  greatest(coalesce((select max(id) from public.sms_delivery_events), 0), 1),
  (select max(id) from public.sms_delivery_events) is not null);

drop table public.sms_delivery_events_unpartitioned;

alter table public.sms_delivery_events add constraint sms_delivery_events_pkey primary key (id, received_at);
alter table public.sms_delivery_events
  add constraint sms_delivery_events_message_id_fkey foreign key (message_id) references public.sms_messages (id) on delete cascade;
alter table public.sms_delivery_events enable row level security;

-- Only the grants the old table had (the migration role's default privileges would add more).
revoke all on table public.sms_delivery_events from public, anon, authenticated, service_role;
do $$
begin
  execute format('revoke all on sequence %s from public, anon, authenticated, service_role',
                 pg_catalog.pg_get_serial_sequence('public.sms_delivery_events', 'id'));
end;
$$;

do $$
declare
  s record;
begin
  for s in select * from pg_temp.sde_saved order by case kind when 'index' then 1 when 'trigger' then 2 when 'policy' then 3 else 4 end, name loop
    execute s.def;
  end loop;
end;
$$;

-- Partitions are reached through the parent only (its RLS applies there); nobody reads them directly.
do $$
declare
  p record;
begin
  for p in select c.relname from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
            where i.inhparent = 'public.sms_delivery_events'::regclass loop
    execute format('revoke all on table public.%I from public, anon, authenticated, service_role', p.relname);
    execute format('alter table public.%I enable row level security', p.relname);
  end loop;
end;
$$;

-- Months ahead, for the worker's daily job: this month through p_months_ahead months on.
-- Returns how many partitions it created.
create function public.create_sms_delivery_event_partitions(p_months_ahead integer default 2)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_made integer;
  p record;
begin
  v_made := internal.create_sms_delivery_event_partitions(
    date_trunc('month', now())::date,
    (date_trunc('month', now()) + make_interval(months => least(greatest(coalesce(p_months_ahead, 2), 0), 24) + 1))::date);
  for p in select c.relname from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
            where i.inhparent = 'public.sms_delivery_events'::regclass loop
    execute format('revoke all on table public.%I from public, anon, authenticated, service_role', p.relname);
    execute format('alter table public.%I enable row level security', p.relname);
  end loop;
  return v_made;
end;
$$;

revoke execute on function public.create_sms_delivery_event_partitions(integer) from public, anon, authenticated;
grant execute on function public.create_sms_delivery_event_partitions(integer) to service_role;
