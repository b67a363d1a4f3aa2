-- Twilio's outbound SMS prices per destination country (Pricing v1 Messaging Countries), cached
-- for cost estimates. Written only by the server (service_role) when it fetches a price; read by
-- any signed-in user (prices are Twilio's public list, nothing private). A row with known = false
-- records that Twilio lists no prices for the country (it answered 404), so it is not asked again
-- on every estimate.

create table public.sms_pricing (
  iso_country text primary key
    constraint sms_pricing_iso_country_check check (iso_country ~ '^[A-Z]{2}$'),
  country_name text,
  known boolean not null default true,
  price_unit text
    constraint sms_pricing_price_unit_check check (price_unit is null or price_unit ~ '^[A-Z]{3}$'),
  -- Highest current outbound price per segment across carriers and number types: a safe estimate.
  outbound_price numeric(12, 6)
    constraint sms_pricing_outbound_price_check check (outbound_price is null or outbound_price >= 0),
  -- [{ carrier, mcc, mnc, prices: [{ numberType, basePrice, currentPrice }] }] as Twilio lists them.
  carriers jsonb not null default '[]'::jsonb
    constraint sms_pricing_carriers_check check (jsonb_typeof(carriers) = 'array'),
  fetched_at timestamptz not null default now(),
  expires_at timestamptz not null,
  constraint sms_pricing_known_check check (not known or (price_unit is not null)),
  constraint sms_pricing_expiry_check check (expires_at >= fetched_at)
);

alter table public.sms_pricing enable row level security;

create policy "Signed-in users can read SMS prices"
  on public.sms_pricing for select to authenticated
  using (true);

revoke all on table public.sms_pricing from anon, authenticated, service_role;
grant select on table public.sms_pricing to authenticated;
grant select, insert, update on table public.sms_pricing to service_role;
