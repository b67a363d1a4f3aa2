-- A text written without a workspace belongs to the only one, as queue_sms_message's callers
-- that name none do; with none or several, the outbound check still refuses it.
alter table public.sms_messages alter column organization_id set default internal.single_organization();
