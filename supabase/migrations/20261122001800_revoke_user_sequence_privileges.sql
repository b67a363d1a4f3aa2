-- Security review: the identity sequences in public (sms_delivery_events, phone_verifications)
-- kept Supabase's default grants, so anon and authenticated held USAGE, SELECT and UPDATE on
-- them. Users never insert into those tables, and identity columns need no sequence privilege
-- for an INSERT anyway, but UPDATE lets any signed-in SQL session call setval() and exhaust a
-- sequence — after which every delivery event and every verification attempt fails to insert,
-- for every user. The service role keeps its grants.
revoke all on all sequences in schema public from anon, authenticated;

-- Sequences created by later migrations (run as this same role) start closed to users too;
-- a table that users may insert into grants what it needs explicitly.
alter default privileges in schema public revoke all on sequences from anon, authenticated;
