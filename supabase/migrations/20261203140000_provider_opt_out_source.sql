-- An HTTP provider (sms-retail `opted_out`, 23telecom 1002) refusing a text because the
-- recipient opted out records the number's STOP, as Twilio's 21610 does, under its own source
-- ('provider_opt_out'), so the list says where the STOP came from.
-- record_phone_opt_out is redefined with only its list of sources changed.

alter table public.sms_phone_opt_outs drop constraint sms_phone_opt_outs_source_check;
alter table public.sms_phone_opt_outs add constraint sms_phone_opt_outs_source_check
  check (source in ('keyword', 'api', 'admin', 'twilio_21610', 'provider_opt_out'));

create or replace function public.record_phone_opt_out(
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
     or p_source not in ('keyword', 'api', 'admin', 'twilio_21610', 'provider_opt_out') then
    raise exception using errcode = 'SM013',
      message = 'invalid_argument: opted_out is required and source must be keyword, api, admin, twilio_21610 or provider_opt_out';
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

revoke execute on function public.record_phone_opt_out(text, boolean, text, text) from public, anon, authenticated;
grant execute on function public.record_phone_opt_out(text, boolean, text, text) to service_role;
