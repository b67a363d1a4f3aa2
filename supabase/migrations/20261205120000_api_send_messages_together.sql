-- POST /api/v1/messages arriving together (issue 15, scale: p99 < 50 ms at concurrency 20).
-- The web server's coalescer already sends the requests that arrive while others are in flight
-- as one statement and one commit; that statement ran public.api_send_message once a request,
-- one after another in one backend, so a request's wait grew with its batch (about 1.5 ms of
-- queue_sms_message a text, every text its own INSERT with its statement triggers), and batches
-- of 16 made the tail. public.api_send_messages takes the same requests and queues the plain ones
-- among them set-based, through the batch endpoint's own fast path (internal.api_send_batch_fast:
-- one statement checks them, one queue_sms_messages_bulk call queues them), answering each one
-- exactly as api_send_message does (the same internal.api_accepted over the text's row).
--
-- Plain: no Idempotency-Key, a body (no template), to a contact id, an external id alone or a
-- bare number, under the first request's key, which must exist and hold messages:write. Every
-- other request (an Idempotency-Key, a template, a user, contact details, another key, a refused
-- key) goes through public.api_send_message, one by one in arrival order, as before; so do the
-- plain ones when fewer than four arrived together. Should the fast path refuse any plain
-- request, the function raises and nothing is committed: the web server then runs each request
-- again alone (its rule for any refused statement), so each gets api_send_message's own answer
-- or error.
create function public.api_send_messages(
  p_key_hashes text[],
  p_key_prefixes text[],
  p_ips inet[],
  p_messages jsonb[],
  p_idempotency_keys text[],
  p_fingerprints text[]
)
returns table (request integer, answer json)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_n integer := coalesce(cardinality(p_key_hashes), 0);
  v_key record;
  v_plain integer[] := '{}';
  v_body json;
  v_i integer;
begin
  if v_n > 1 then
    -- The key once for all the plain ones (api_key_authenticate: its last use, once a minute).
    select k.key_id, k.organization_id, k.scopes, k.rate_limit_per_second into v_key
    from public.api_key_authenticate(p_key_hashes[1]) k;
    if v_key.key_id is not null and 'messages:write' = any (v_key.scopes) then
      select coalesce(array_agg(u.n order by u.n), '{}') into v_plain
      from unnest(p_key_hashes, p_idempotency_keys, p_messages) with ordinality as u (key_hash, idempotency_key, m, n)
      where u.key_hash = p_key_hashes[1] and u.idempotency_key is null
        and u.m ? 'body' and not (u.m ? 'template')
        and not (u.m -> 'to' ?| array['userId', 'name', 'attributes'])
        and not (u.m -> 'to' ? 'externalId' and u.m -> 'to' ? 'phone_sealed');
    end if;
    -- The set-based path costs about as much as three or four texts queued one by one (its
    -- statements and the answer), then a quarter of a millisecond a text: fewer go one by one.
    if cardinality(v_plain) < 4 then
      v_plain := '{}';
    end if;
  end if;

  for v_i in 1 .. v_n loop
    if not (v_i = any (v_plain)) then
      request := v_i;
      answer := public.api_send_message(p_key_hashes[v_i], p_key_prefixes[v_i], p_ips[v_i], p_messages[v_i],
                                        p_idempotency_keys[v_i], p_fingerprints[v_i]);
      return next;
    end if;
  end loop;
  if cardinality(v_plain) = 0 then
    return;
  end if;

  v_body := internal.api_send_batch_fast(v_key.organization_id, v_key.key_id,
    (select jsonb_agg(jsonb_build_object('index', p.n, 'message', p_messages[p.n]) order by p.n) from unnest(v_plain) as p (n)));
  if (v_body ->> 'rejected')::integer <> 0 then
    raise exception using errcode = 'AP010',
      message = 'a request sent together with others was refused: each runs again alone';
  end if;
  return query
  select o.idx::integer,
         json_build_object('status', 202,
           'body', internal.api_accepted(m.id, m.status, m.status_reason, m.phone_enc, m.phone_last4, m.scheduled_for, m.created_at,
                                         o.user_id::uuid, o.contact_id::uuid, o.external_id),
           'rateLimitPerSecond', v_key.rate_limit_per_second)
  from rows from (
    json_array_elements_text(v_body -> 'ok' -> 'index'),
    json_array_elements_text(v_body -> 'ok' -> 'id'),
    json_array_elements_text(v_body -> 'ok' -> 'userId'),
    json_array_elements_text(v_body -> 'ok' -> 'contactId'),
    json_array_elements_text(v_body -> 'ok' -> 'externalId')
  ) as o (idx, id, user_id, contact_id, external_id)
  join public.sms_messages m on m.id = o.id::uuid;
end;
$$;

revoke execute on function public.api_send_messages(text[], text[], inet[], jsonb[], text[], text[]) from public, anon, authenticated;
grant execute on function public.api_send_messages(text[], text[], inet[], jsonb[], text[], text[]) to service_role;
