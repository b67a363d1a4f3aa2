-- The console's message list (issue 12) filters by destination country and finds a recipient
-- by the last four digits of their number. Both are derived from phone_number and stored, so
-- they can be indexed — and so search never needs a LIKE over whole numbers (numbers may be
-- encrypted later, with a blind index for the exact match; last4 and the calling code stay).

alter table public.sms_messages
  add column phone_last4 text generated always as (right(phone_number, 4)) stored,
  add column calling_code text generated always as (public.e164_calling_code(phone_number)) stored;

create index sms_messages_org_last4_idx on public.sms_messages (organization_id, phone_last4, created_at desc, id desc);
create index sms_messages_org_phone_idx on public.sms_messages (organization_id, phone_number, created_at desc, id desc);

-- The e-mails of users who received texts in a workspace, for its members (viewer and up):
-- auth.users is out of reach of `authenticated`. Only users with a text in the workspace are
-- answered, so a member cannot probe the user base. Either ids (to label rows) or an exact
-- e-mail (the search box), or both.
create function public.workspace_recipient_users(p_organization_id uuid, p_user_ids uuid[], p_email text default null)
returns table (user_id uuid, email text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform internal.require_org_role(p_organization_id, 'viewer');
  return query
    select u.id, u.email::text
    from auth.users u
    where (u.id = any (coalesce(p_user_ids, '{}')) or (p_email is not null and lower(u.email) = lower(btrim(p_email))))
      and exists (select 1 from public.sms_messages m where m.user_id = u.id and m.organization_id = p_organization_id);
end;
$$;

revoke execute on function public.workspace_recipient_users(uuid, uuid[], text) from public, anon;
grant execute on function public.workspace_recipient_users(uuid, uuid[], text) to authenticated, service_role;
