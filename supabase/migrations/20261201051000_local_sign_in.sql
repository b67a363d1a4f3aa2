-- Local-mode sign-in (issue 11, least privilege): the web server no longer writes auth.users
-- as the database owner. It calls this as service_role, which may read auth.users but not
-- write it. Supabase Auth creates users itself there; this function is then never called.
create or replace function public.local_sign_in(p_email text, p_grant_admin boolean)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text := lower(btrim(p_email));
  v_id uuid;
begin
  if v_email is null or v_email !~ '^[^@\s]+@[^@\s]+$' then
    raise exception 'local_sign_in: not an e-mail address' using errcode = '22023';
  end if;
  insert into auth.users (email, email_confirmed_at, last_sign_in_at)
  values (v_email, now(), now())
  on conflict (email) do update set last_sign_in_at = now()
  returning id into v_id;
  if p_grant_admin then
    insert into public.user_roles (user_id, role) values (v_id, 'admin') on conflict do nothing;
  end if;
  return v_id;
end
$$;
revoke execute on function public.local_sign_in(text, boolean) from public, anon, authenticated;
grant execute on function public.local_sign_in(text, boolean) to service_role;
