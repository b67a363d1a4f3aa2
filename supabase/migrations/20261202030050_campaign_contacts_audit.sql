-- Contacts a campaign start creates from its list are audited as ONE row (campaign.started,
-- with contacts_created and the import), not one contact.created row each: a 100,000-row list
-- would otherwise write 100,000 audit rows inside the start (most of its time). The row trigger
-- skips only while start_campaign (a SECURITY DEFINER function, so current_user is its owner)
-- has set internal.campaign_contacts for its own insert; a signed-in user or anon setting the
-- variable themselves is still audited. Every other contact change is audited as before.
drop trigger contacts_audit on public.contacts;
create trigger contacts_audit
  after insert or update or delete on public.contacts
  for each row
  when (not (coalesce(current_setting('internal.campaign_contacts', true), '') = 'on'
             and current_user not in ('authenticated', 'anon')))
  execute function internal.audit_row_change('contact');
