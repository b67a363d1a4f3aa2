-- Phone number ownership and opt-outs (service role only).
--
-- Named exceptions: SM004 invalid_phone, SM006 unknown_user, SM010 phone_taken,
-- SM013 invalid_argument.

-- After a successful Verify check: the number becomes the user's verified phone. Raises
-- SM010 phone_taken when another user already has it verified; touches no other user's row.
create function public.set_verified_phone(p_user_id uuid, p_phone_number text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not coalesce(public.is_e164(p_phone_number), false) then
    raise exception using errcode = 'SM004',
      message = format('invalid_phone: %s is not an E.164 number', coalesce(p_phone_number, 'null'));
  end if;
  if p_user_id is null or not exists (select 1 from auth.users where id = p_user_id) then
    raise exception using errcode = 'SM006', message = format('unknown_user: no user %s', coalesce(p_user_id::text, 'null'));
  end if;
  if exists (
    select 1 from public.user_sms_preferences
    where phone_number = p_phone_number and phone_verified and user_id <> p_user_id
  ) then
    raise exception using errcode = 'SM010',
      message = 'phone_taken: this phone number is verified by another account';
  end if;

  begin
    insert into public.user_sms_preferences (user_id, phone_number, phone_verified)
    values (p_user_id, p_phone_number, true)
    on conflict (user_id) do update
      set phone_number = excluded.phone_number,
          phone_verified = true,
          -- Re-verifying refreshes the time even when the flag was already set.
          phone_verified_at = now();
  exception when unique_violation then
    -- Another account verified the same number concurrently.
    raise exception using errcode = 'SM010',
      message = 'phone_taken: this phone number is verified by another account';
  end;
end;
$$;

-- Store a number that is not verified yet (or null to remove the phone). A different number
-- clears the verification; the same number leaves it as it is.
create function public.set_unverified_phone(p_user_id uuid, p_phone_number text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_phone_number is not null and not public.is_e164(p_phone_number) then
    raise exception using errcode = 'SM004', message = format('invalid_phone: %s is not an E.164 number', p_phone_number);
  end if;
  if p_user_id is null or not exists (select 1 from auth.users where id = p_user_id) then
    raise exception using errcode = 'SM006', message = format('unknown_user: no user %s', coalesce(p_user_id::text, 'null'));
  end if;

  insert into public.user_sms_preferences (user_id, phone_number, phone_verified)
  values (p_user_id, p_phone_number, false)
  on conflict (user_id) do update
    set phone_number = excluded.phone_number,
        phone_verified = public.user_sms_preferences.phone_verified
          and public.user_sms_preferences.phone_number is not distinct from excluded.phone_number;
end;
$$;

create function public.clear_phone(p_user_id uuid)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.user_sms_preferences
  set phone_number = null, phone_verified = false
  where user_id = p_user_id
$$;

-- STOP / START (keyword), API or admin action, or Twilio error 21610: the opt-out belongs to
-- the number. Mirrors it on every user row holding the number and notifies 'sms_opt_out'.
-- Returns {phone_number, opted_out, user_ids}.
create function public.record_phone_opt_out(
  p_phone_number text,
  p_opted_out boolean,
  p_source text,
  p_keyword text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_ids uuid[];
begin
  if not coalesce(public.is_e164(p_phone_number), false) then
    raise exception using errcode = 'SM004',
      message = format('invalid_phone: %s is not an E.164 number', coalesce(p_phone_number, 'null'));
  end if;
  if p_opted_out is null or p_source is null
     or p_source not in ('keyword', 'api', 'admin', 'twilio_21610') then
    raise exception using errcode = 'SM013',
      message = 'invalid_argument: opted_out is required and source must be keyword, api, admin or twilio_21610';
  end if;

  insert into public.sms_phone_opt_outs as o (phone_number, opted_out, opted_out_at, opted_in_at, source, last_keyword)
  values (p_phone_number, p_opted_out,
          case when p_opted_out then now() end,
          case when not p_opted_out then now() end,
          p_source, p_keyword)
  on conflict (phone_number) do update
    set opted_out = excluded.opted_out,
        opted_out_at = case when excluded.opted_out then now() else o.opted_out_at end,
        opted_in_at = case when excluded.opted_out then o.opted_in_at else now() end,
        source = excluded.source,
        last_keyword = coalesce(excluded.last_keyword, o.last_keyword);

  with changed as (
    update public.user_sms_preferences
    set opted_out = p_opted_out
    where phone_number = p_phone_number
    returning user_id
  )
  select coalesce(array_agg(user_id), '{}') into v_user_ids from changed;

  perform pg_notify('sms_opt_out', json_build_object(
    'phone_number', p_phone_number, 'opted_out', p_opted_out, 'user_ids', v_user_ids)::text);

  return jsonb_build_object('phone_number', p_phone_number, 'opted_out', p_opted_out, 'user_ids', to_jsonb(v_user_ids));
end;
$$;

revoke execute on function public.set_verified_phone(uuid, text) from public, anon, authenticated;
revoke execute on function public.set_unverified_phone(uuid, text) from public, anon, authenticated;
revoke execute on function public.clear_phone(uuid) from public, anon, authenticated;
revoke execute on function public.record_phone_opt_out(text, boolean, text, text) from public, anon, authenticated;
grant execute on function public.set_verified_phone(uuid, text) to service_role;
grant execute on function public.set_unverified_phone(uuid, text) to service_role;
grant execute on function public.clear_phone(uuid) to service_role;
grant execute on function public.record_phone_opt_out(text, boolean, text, text) to service_role;
