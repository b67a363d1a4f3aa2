-- Contacts may have no name now (the API and campaign start no longer put the number there):
-- page them by lower(coalesce(name, '')), so a nameless contact sorts first instead of dropping
-- out of keyset pagination (a null sort key compares as null and ended the list early).
drop index if exists public.contacts_org_name_idx;
create index contacts_org_name_idx on public.contacts (organization_id, lower(coalesce(name, '')), id);

create or replace function public.search_contacts(
  p_organization_id uuid,
  p_query text default null,
  p_tag text default null,
  p_after_name text default null,
  p_after_id uuid default null,
  p_limit integer default 50,
  p_phone_hash text default null
)
returns setof public.contacts
language sql
stable
set search_path = ''
as $$
  with q as (
    select nullif(btrim(coalesce(p_query, '')), '') as text,
           nullif(regexp_replace(coalesce(p_query, ''), '[^0-9]', '', 'g'), '') as digits
  )
  select c.* from public.contacts c, q
  where c.organization_id = p_organization_id
    and (p_tag is null or c.tags @> array[p_tag])
    and (q.text is null
         or strpos(lower(c.name), lower(q.text)) > 0
         or (char_length(q.digits) = 4 and c.phone_last4 = q.digits)
         or (p_phone_hash is not null and c.phone_hash = p_phone_hash))
    and (p_after_id is null or (lower(coalesce(c.name, '')), c.id) > (lower(coalesce(p_after_name, '')), p_after_id))
  order by lower(coalesce(c.name, '')), c.id
  limit least(greatest(coalesce(p_limit, 50), 1), 500)
$$;
revoke execute on function public.search_contacts(uuid, text, text, text, uuid, integer, text) from public, anon;
grant execute on function public.search_contacts(uuid, text, text, text, uuid, integer, text) to authenticated, service_role;
