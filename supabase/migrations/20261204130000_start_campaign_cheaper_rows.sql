-- start_campaign cheaper per recipient: the indexes and triggers part (issue 13, scale: "texts and jobs created at >= the rate
-- of addJobs"). Profiled with EXPLAIN (ANALYZE, BUFFERS) of each statement of a 100,000-recipient
-- start (bench/campaign-start's list): the sms_messages INSERT is ~3/4 of the call; of its CPU,
-- index upkeep ~55 %, the seven foreign-key checks ~25 %, the statement-level rollup triggers
-- ~25 %. The contacts INSERT is next (~15 %), then filling the working table (~8 %, most of it
-- the template render), then queue_jobs (~5 %). What changes here (behaviour unchanged):
-- - start_campaign runs with work_mem 64MB: its sorts (texts by row, jobs by slot) and the
--   rollup triggers' transition-table work spilled to temp files at the default 4MB (~200 MB of
--   temp I/O for 100,000 texts);
-- - the template is rendered by the same expression as internal.render_template_strings,
--   inline: the SQL function cannot be inlined (an aggregate), and its call cost three times
--   the render (0.85 s vs 0.21-0.34 s for 100,000 rows);
-- - sms_messages_user_created_idx keeps only texts to a user (history by user_id = …, the
--   users foreign key's delete): texts to contacts (campaigns, the API) have no user_id and
--   no reader of that index;
-- - sms_messages_provider_reference_key becomes a unique index of the texts that have a
--   reference (every reader looks one up by provider and reference; nothing upserts on it):
--   a new text has none;
-- - sms_messages_mirror_twilio_sid fires only for a row with a SID (the function does
--   nothing otherwise): one PL/pgSQL call less per new text.
-- The function itself, with these changes and on sealed numbers, is restated once, in
-- 20261204130200_campaigns_sealed_phones.sql (the clear number is gone by then).

create index sms_messages_user_created_idx_new on public.sms_messages (user_id, created_at desc, id desc)
  where user_id is not null;
drop index public.sms_messages_user_created_idx;
alter index public.sms_messages_user_created_idx_new rename to sms_messages_user_created_idx;

alter table public.sms_messages drop constraint sms_messages_provider_reference_key;
create unique index sms_messages_provider_reference_key on public.sms_messages (provider, provider_reference)
  where provider_reference is not null;

drop trigger sms_messages_mirror_twilio_sid on public.sms_messages;
create trigger sms_messages_mirror_twilio_sid
  before insert or update of twilio_sid on public.sms_messages
  for each row when (new.twilio_sid is not null) execute function internal.mirror_twilio_sid();
