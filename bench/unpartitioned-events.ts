/**
 * The bench's peer for the partitioning of sms_delivery_events (issue 16): a migrated database
 * whose sms_delivery_events is turned back into one plain table — same columns, identity,
 * constraints, indexes, triggers, policies and grants, read from the catalog as the
 * partitioning migration (20261202070100) read them — so the webhook's ingest can be measured
 * against both schemas in the same run.
 */
import type { Sql } from '@sms/db';

const CONVERT = `
create temporary table sde_saved (kind text, name text, def text) on commit drop;

insert into sde_saved
select 'index', i.relname, replace(pg_catalog.pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ')
  from pg_catalog.pg_index x join pg_catalog.pg_class i on i.oid = x.indexrelid
 where x.indrelid = 'public.sms_delivery_events'::regclass and not x.indisprimary;

insert into sde_saved
select 'trigger', t.tgname, pg_catalog.pg_get_triggerdef(t.oid)
  from pg_catalog.pg_trigger t
 where t.tgrelid = 'public.sms_delivery_events'::regclass and not t.tgisinternal;

insert into sde_saved
select 'policy', p.policyname, format('create policy %I on public.sms_delivery_events as %s for %s to %s%s%s',
         p.policyname, p.permissive, p.cmd,
         (select string_agg(case when r = 'public' then 'public' else quote_ident(r) end, ', ') from unnest(p.roles) r),
         case when p.qual is not null then format(' using (%s)', p.qual) else '' end,
         case when p.with_check is not null then format(' with check (%s)', p.with_check) else '' end)
  from pg_catalog.pg_policies p
 where p.schemaname = 'public' and p.tablename = 'sms_delivery_events';

insert into sde_saved
select 'grant', g.grantee || g.privilege_type, format('grant %s on table public.sms_delivery_events to %I', g.privilege_type, g.grantee)
  from information_schema.role_table_grants g
 where g.table_schema = 'public' and g.table_name = 'sms_delivery_events'
   and g.grantee <> (select pg_catalog.pg_get_userbyid(c.relowner) from pg_catalog.pg_class c where c.oid = 'public.sms_delivery_events'::regclass);

alter table public.sms_delivery_events rename to sms_delivery_events_partitioned;

create table public.sms_delivery_events (
  like public.sms_delivery_events_partitioned
    including defaults including constraints including identity including generated including comments
);

insert into public.sms_delivery_events overriding system value select * from public.sms_delivery_events_partitioned;
select pg_catalog.setval(pg_catalog.pg_get_serial_sequence('public.sms_delivery_events', 'id'),
  greatest(coalesce((select max(id) from public.sms_delivery_events), 0), 1),
  (select max(id) from public.sms_delivery_events) is not null);

drop table public.sms_delivery_events_partitioned;

alter table public.sms_delivery_events add constraint sms_delivery_events_pkey primary key (id);
alter table public.sms_delivery_events
  add constraint sms_delivery_events_message_id_fkey foreign key (message_id) references public.sms_messages (id) on delete cascade;
alter table public.sms_delivery_events enable row level security;
revoke all on table public.sms_delivery_events from public, anon, authenticated, service_role;

do $$
declare
  s record;
begin
  for s in select * from pg_temp.sde_saved order by case kind when 'index' then 1 when 'trigger' then 2 when 'policy' then 3 else 4 end, name loop
    execute s.def;
  end loop;
end;
$$;
`;

/** Converts public.sms_delivery_events of this (migrated) database back to an unpartitioned table. */
export async function unpartitionDeliveryEvents(sql: Sql): Promise<void> {
	await sql.begin(async (tx) => {
		await tx.unsafe(CONVERT);
	});
	const [row] = await sql<{ partitioned: boolean }[]>`
		select c.relkind = 'p' as partitioned from pg_catalog.pg_class c where c.oid = 'public.sms_delivery_events'::regclass`;
	if (row?.partitioned !== false) throw new Error('sms_delivery_events is still partitioned');
}
