-- The monthly spend cap counts what is already committed (issue 13). Before, a start compared
-- its estimate with the texts already handed to the provider only, so two campaigns started
-- at once (or one started while another was still sending) could both pass a cap only one
-- fits, and texts to a country without a known price counted nothing.
-- - The configured default price (the web's SMS_DEFAULT_PRICE) is kept in the database
--   (set_sms_default_price, written by the web before it prices an import), so the SQL API
--   prices such texts at it: a campaign's estimate, and the month's spend.
-- - internal.workspace_month_spend (called by start_campaign and resume_campaign, for the cap
--   check and the spend the campaign's dispatches count from) is now what the month has spent
--   plus what the workspace's sending and scheduled campaigns are still to send, at their
--   estimates; and it takes the workspace row's lock, so starts and resumes of one workspace
--   take turns until they commit and each sees the campaigns the others set going.
--   start_campaign itself is unchanged.

create table internal.sms_default_price (
  only_row boolean primary key default true constraint sms_default_price_one_row check (only_row),
  unit_price numeric(12, 6) not null constraint sms_default_price_unit_price_check check (unit_price >= 0),
  currency text not null constraint sms_default_price_currency_check check (currency ~ '^[A-Z]{3}$'),
  updated_at timestamptz not null default now()
);
alter table internal.sms_default_price enable row level security;
revoke all on table internal.sms_default_price from public, anon, authenticated;

-- The web server's configured default price per segment (null: none configured).
create function public.set_sms_default_price(p_unit_price numeric, p_currency text default 'USD')
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_unit_price is null then
    delete from internal.sms_default_price;
    return;
  end if;
  if p_unit_price < 0 or p_currency is null or p_currency !~ '^[A-Z]{3}$' then
    raise exception using errcode = 'SM013', message = 'invalid_argument: a price per segment of 0 or more and a currency code such as USD';
  end if;
  insert into internal.sms_default_price (unit_price, currency) values (p_unit_price, p_currency)
  on conflict (only_row) do update set unit_price = excluded.unit_price, currency = excluded.currency, updated_at = now()
  where (internal.sms_default_price.unit_price, internal.sms_default_price.currency) is distinct from (excluded.unit_price, excluded.currency);
end;
$$;
revoke execute on function public.set_sms_default_price(numeric, text) from public, anon, authenticated;
grant execute on function public.set_sms_default_price(numeric, text) to service_role;

create function internal.sms_default_unit_price()
returns numeric
language sql
stable
set search_path = ''
as $$
  select d.unit_price from internal.sms_default_price d
$$;
revoke all on function internal.sms_default_unit_price() from public, anon, authenticated;

-- As in 20261202030100, with a country that has no known price estimated at the default price
-- (when one is configured). `unpriced` still counts the texts without a known Twilio price.
create or replace function internal.campaign_estimate(p_import_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
  with by_country as (
    select r.country, count(*)::integer as texts, sum(r.segments)::integer as segments
    from public.sms_campaign_recipients r where r.import_id = p_import_id
    group by r.country
  ),
  priced as (
    select b.country, b.texts, b.segments,
           case when p.known and p.outbound_price is not null then p.outbound_price else d.unit_price end as unit_price,
           case when p.known and p.outbound_price is not null then coalesce(p.price_unit, 'USD')
                else coalesce(d.currency, p.price_unit, 'USD') end as currency,
           (p.known and p.outbound_price is not null) as known,
           case when p.known and p.outbound_price is not null then round(p.outbound_price * b.segments, 6)
                when d.unit_price is not null then round(d.unit_price * b.segments, 6) end as cost
    from by_country b
    left join public.sms_pricing p on p.iso_country = b.country
    left join internal.sms_default_price d on true
  )
  select jsonb_build_object(
    'texts', coalesce(sum(texts), 0),
    'segments', coalesce(sum(segments), 0),
    'cost', coalesce(sum(cost), 0),
    'currency', coalesce(min(currency), 'USD'),
    'unpriced', coalesce(sum(texts) filter (where not coalesce(known, false)), 0),
    'byCountry', coalesce(jsonb_agg(jsonb_build_object(
      'country', country, 'texts', texts, 'segments', segments, 'unitPrice', unit_price,
      'currency', currency, 'cost', cost) order by texts desc, country), '[]'::jsonb))
  from priced
$$;
revoke all on function internal.campaign_estimate(uuid) from public, anon, authenticated;

-- What the workspace has spent this month (the price Twilio reported, else the estimate at queue
-- time, else the default price a segment) on texts handed to the provider, plus what its
-- sending and scheduled campaigns (this month) are still to send at their per-text estimates
-- (the default price where none is known). Locks the workspace row until the caller commits:
-- the cap check of one start or resume at a time.
create or replace function internal.workspace_month_spend(p_organization_id uuid)
returns numeric
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_default numeric := coalesce(internal.sms_default_unit_price(), 0);
  v_month_start timestamptz;
  v_spent numeric;
  v_committed numeric;
begin
  select date_trunc('month', now() at time zone o.default_time_zone) at time zone o.default_time_zone into v_month_start
  from public.organizations o where o.id = p_organization_id
  for no key update;
  if not found then
    return 0;
  end if;
  select coalesce(sum(coalesce(abs(m.price), m.estimated_cost, v_default * coalesce(nullif(m.segments, 0), 1))), 0) into v_spent
  from public.sms_messages m
  where m.organization_id = p_organization_id
    and m.direction = 'outbound'
    and m.created_at >= v_month_start
    and public.sms_status_phase(m.status) in ('dispatching', 'with_provider', 'delivered', 'failed');
  select coalesce(sum(coalesce(m.estimated_cost, v_default)), 0) into v_committed
  from public.sms_campaigns c
  join public.sms_messages m on m.campaign_id = c.id
  where c.organization_id = p_organization_id
    and c.status in ('sending', 'scheduled')
    and coalesce(c.scheduled_at, now()) < v_month_start + interval '1 month'
    and m.status in ('pending', 'scheduled');
  return v_spent + v_committed;
end;
$$;
revoke all on function internal.workspace_month_spend(uuid) from public, anon, authenticated;
