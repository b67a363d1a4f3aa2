-- The members' policy on sms_delivery_events looked up each event's message (an index probe
-- per event: over a third of the delivery log export's database time, 2.83M events). An event
-- carries its message's workspace: organization_id is set from the message by
-- internal.sms_delivery_event_workspace on insert and whenever message_id changes (20261202010100),
-- events are otherwise immutable (the immutable_event guard; service_role may update only
-- message_id and applied), and a text never moves to another workspace. So the policy asks the
-- event's own column once per statement, as the messages' and contacts' policies do: the same
-- answer, no per-row probe. (Orphaned events have no workspace and stay in no member's view.)
-- rls.test.ts checks the delivery log for each role; the other two policies are unchanged.

drop policy "Members can read their workspace's delivery events" on public.sms_delivery_events;
create policy "Members can read their workspace's delivery events"
  on public.sms_delivery_events for select to authenticated
  using (organization_id = any ((select public.org_ids_with_role('viewer'))::uuid[]));
