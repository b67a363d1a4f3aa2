-- Replay protection for Twilio's callbacks (issue 11). Twilio's signatures carry no timestamp,
-- so a captured signed request stays valid for ever. Each applied callback leaves a receipt:
-- the SHA-256 of its I-Twilio-Idempotency-Token (the same on Twilio's own retries) and the
-- SHA-256 of what the signature covers (URL + body; the token header is not signed, so an
-- attacker could change it). A request matching either receipt is a replay: answered 200,
-- applied never again.

create table public.webhook_receipts (
  key bytea primary key constraint webhook_receipts_key_check check (octet_length(key) = 32),
  endpoint text not null constraint webhook_receipts_endpoint_check check (endpoint in ('status', 'incoming')),
  received_at timestamptz not null default now()
);

create index webhook_receipts_received_idx on public.webhook_receipts (received_at);

alter table public.webhook_receipts enable row level security;

revoke all on table public.webhook_receipts from anon, authenticated;

-- True when any of the keys was recorded before.
create function public.webhook_receipt_seen(p_keys bytea[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.webhook_receipts where key = any(p_keys))
$$;

-- Records the keys of a callback that was applied. Receipts older than 30 days are dropped now
-- and then (Twilio retries for hours at most; replays older than that are still harmless:
-- status only moves forward and a keyword acts only on a SID's first delivery).
create function public.record_webhook_receipt(p_endpoint text, p_keys bytea[])
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  insert into public.webhook_receipts (key, endpoint)
  select k, p_endpoint from unnest(p_keys) as k
  on conflict (key) do nothing;
  if random() < 0.001 then
    delete from public.webhook_receipts where received_at < now() - interval '30 days';
  end if;
end;
$$;

revoke execute on function public.webhook_receipt_seen(bytea[]) from public, anon, authenticated;
revoke execute on function public.record_webhook_receipt(text, bytea[]) from public, anon, authenticated;
grant execute on function public.webhook_receipt_seen(bytea[]) to service_role;
grant execute on function public.record_webhook_receipt(text, bytea[]) to service_role;
