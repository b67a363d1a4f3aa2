-- A STOP applies to the number, whoever owns it.

create table public.sms_phone_opt_outs (
  phone_number text primary key constraint sms_phone_opt_outs_phone_number_check check (public.is_e164(phone_number)),
  opted_out boolean not null,
  opted_out_at timestamptz,
  opted_in_at timestamptz,
  source text not null
    constraint sms_phone_opt_outs_source_check check (source in ('keyword', 'api', 'admin', 'twilio_21610')),
  last_keyword text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table public.sms_phone_opt_outs enable row level security;

create trigger sms_phone_opt_outs_set_updated_at
  before update on public.sms_phone_opt_outs
  for each row execute function public.set_updated_at();

create policy "Users can read the opt-out of their own verified phone"
  on public.sms_phone_opt_outs for select to authenticated
  using (exists (
    select 1 from public.user_sms_preferences p
    where p.user_id = (select auth.uid())
      and p.phone_verified
      and p.phone_number = sms_phone_opt_outs.phone_number
  ));

create policy "Admins can read all phone opt-outs"
  on public.sms_phone_opt_outs for select to authenticated
  using ((select public.is_admin()));

revoke all on table public.sms_phone_opt_outs from anon, authenticated;
grant select on table public.sms_phone_opt_outs to authenticated;
