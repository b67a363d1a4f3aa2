-- The console's message list (issue 12) pages newest first within one filter and counts its
-- matches up to a threshold. With only (organization_id, created_at) to walk, a filter that
-- matches 1 % of a million texts read ~5,000 rows for a page and the whole workspace to count
-- it. One index per filter column, in the list's order and over the list's rows only
-- (outbound), so a page is a short range scan and the count an index-only scan:
-- verdict and raw status (status, with scheduled_for for the verdicts that depend on the
-- clock), type, provider (as the list computes it: a Twilio SID before issue 14's column),
-- error code, calling code. Phone and last-four searches have theirs (20261201060100), the date
-- range uses sms_messages_org_created_idx, a campaign sms_messages_campaign_idx.
--
-- Status changes already update indexed columns (status, updated_at), so these add index
-- entries but do not turn HOT updates into non-HOT ones.

create index sms_messages_org_status_list_idx on public.sms_messages (organization_id, status, created_at desc, id desc)
  include (scheduled_for) where direction = 'outbound';

create index sms_messages_org_type_list_idx on public.sms_messages (organization_id, notification_type, created_at desc, id desc)
  where direction = 'outbound';

create index sms_messages_org_provider_list_idx on public.sms_messages (
  organization_id, (coalesce(provider, case when twilio_sid is not null then 'twilio' end)), created_at desc, id desc)
  where direction = 'outbound';

create index sms_messages_org_error_list_idx on public.sms_messages (organization_id, error_code, created_at desc, id desc)
  where direction = 'outbound' and error_code is not null;

create index sms_messages_org_country_list_idx on public.sms_messages (organization_id, calling_code, created_at desc, id desc)
  where direction = 'outbound';
