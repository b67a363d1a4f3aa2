-- The delivery log (issue 12, part 4) lists one workspace's provider events newest first. An
-- event belongs to the workspace of its message: the column is filled by a trigger from the
-- message (on insert, and when an orphaned report is attached later), so none of the
-- functions that write events change, and an index gives the log its order per workspace.
-- Events without a message (orphans) have none and are in no workspace's log.

alter table public.sms_delivery_events add column organization_id uuid;

update public.sms_delivery_events e set organization_id = m.organization_id
from public.sms_messages m where m.id = e.message_id;

create function internal.sms_delivery_event_workspace()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.message_id is distinct from old.message_id then
    new.organization_id := (select m.organization_id from public.sms_messages m where m.id = new.message_id);
  end if;
  return new;
end;
$$;
revoke execute on function internal.sms_delivery_event_workspace() from public, anon, authenticated;

-- Named after the guard so it runs after it (triggers fire in name order): the guard sees the
-- update as the caller wrote it.
create trigger sms_delivery_events_workspace
  before insert or update of message_id on public.sms_delivery_events
  for each row execute function internal.sms_delivery_event_workspace();

create index sms_delivery_events_workspace_log_idx
  on public.sms_delivery_events (organization_id, received_at desc, id desc)
  where organization_id is not null;
