-- POST /messages arriving together, under several keys: the route gathers whatever requests
-- arrive, and a workspace's services each have their own key. Grouped by the first request's key
-- alone, most of such a batch went one api_send_message at a time (bench/api-v1, four keys: 10,401
-- of 12,000 texts), each costing what a text alone costs. Now each distinct key is checked once,
-- and each workspace's plain requests (two or more) go through the fast path together, each
-- text's metadata kept under its own request's key.

-- Restated from 20261206100000 with only the key a text's metadata is kept under changed: the
-- item's own (keyId), else the call's.
create or replace function internal.api_send_batch_fast(p_org uuid, p_key_id uuid, p_items jsonb)
returns json
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_items internal.api_batch_item[];
  v_sent internal.api_batch_sent[];
  v_gone uuid[];
  v_new_contacts boolean;
  v_has_metadata boolean;
  -- Each item's key (for its metadata), in v_items' order.
  v_key_ids uuid[];
begin
  perform internal.sms_bulk_rows_ready();
  -- Checked before any contact is created, so a refused text leaves no new contact behind.
  with s as materialized (
    select x.idx, x.key_id, nullif(x.metadata, '{}'::jsonb) as metadata, x.problem, x.to_sealed, x.body, x.priority, x.send_at, x.type,
           r.contact_id, r.user_id, r.external_id, r.phone_hash, r.phone_enc, r.phone_last4, r.calling_code,
           v.code, v.message, v.field
    from (
      -- Each value taken out of the JSON once (offset 0: not again at every use below); the
      -- operators are cheaper here than jsonb_to_record.
      select (e ->> 'index')::integer as idx, e -> 'message' -> 'metadata' as metadata, e -> 'problem' as problem,
             e -> 'message' -> 'to' ? 'contactId' as has_contact, e -> 'message' -> 'to' ? 'externalId' as has_external,
             (e -> 'message' -> 'to' ->> 'contactId')::uuid as to_contact,
             e -> 'message' -> 'to' ->> 'externalId' as to_external,
             e -> 'message' -> 'to' -> 'phone_sealed' as to_sealed,
             e -> 'message' -> 'to' -> 'phone_sealed' ->> 'hash' as to_hash,
             e -> 'message' ->> 'body' as body, coalesce(e -> 'message' ->> 'priority', 'normal') as priority,
             (e -> 'message' ->> 'sendAt')::timestamptz as send_at,
             coalesce(e -> 'message' ->> 'type', 'custom') as type,
             coalesce((e ->> 'keyId')::uuid, p_key_id) as key_id
      from jsonb_array_elements(p_items) e
      offset 0
    ) x
    left join public.contacts cid on cid.organization_id = p_org and cid.id = x.to_contact
    left join public.contacts cex on cex.organization_id = p_org and cex.external_id = x.to_external
    left join public.contacts cph on cph.organization_id = p_org and cph.phone_hash = x.to_hash
      and x.to_contact is null and x.to_external is null
    left join public.sms_notification_types nt on nt.key = x.type
    cross join lateral (
      -- The text copies its contact's number as stored; a new contact's is the one given.
      select coalesce(cid.id, cex.id, cph.id) as contact_id,
             coalesce(cid.user_id, cex.user_id, cph.user_id) as user_id,
             coalesce(cid.external_id, cex.external_id, cph.external_id, x.to_external) as external_id,
             coalesce(cid.phone_hash, cex.phone_hash, x.to_hash) as phone_hash,
             coalesce(cid.phone_enc, cex.phone_enc, cph.phone_enc, x.to_sealed ->> 'enc') as phone_enc,
             coalesce(cid.phone_last4, cex.phone_last4, cph.phone_last4, x.to_sealed ->> 'last4') as phone_last4,
             case when coalesce(cid.id, cex.id, cph.id) is not null then coalesce(cid.calling_code, cex.calling_code, cph.calling_code)
                  else x.to_sealed ->> 'calling_code' end as calling_code
    ) r
    cross join lateral internal.sms_queue_problem(
      x.body, x.priority, null, true, null, false, x.type, nt.key is not null,
        case when x.to_sealed is not null then internal.sealed_phone_from_json(x.to_sealed) end, r.phone_hash) pr
    cross join lateral (
      select
        case when x.problem is not null then null
             when x.has_contact and r.contact_id is null then 'AP002'
             when x.has_external and r.contact_id is null then 'AP003'
             else pr.code end as code,
        case when x.problem is not null then null
             when x.has_contact and r.contact_id is null then 'is not a contact of this workspace'
             when x.has_external and r.contact_id is null then 'has no contact in this workspace; include phone (and name) to create it'
             else pr.message end as message,
        case when x.problem is not null then null
             when x.has_contact and r.contact_id is null then 'to.contactId'
             when x.has_external and r.contact_id is null then 'to.externalId' end as field
    ) v
  ),
  -- The good texts, in input order (ord: the index + 1); a new contact's id is set below.
  good as (
    insert into pg_temp.sms_bulk_rows (ord, id, job_id, phone_enc, phone_hash, phone_last4, calling_code, message, priority,
                                       scheduled_for, notification_type, organization_id, contact_id)
    select s.idx + 1, gen_random_uuid(), gen_random_uuid(), s.phone_enc, s.phone_hash, s.phone_last4, s.calling_code, s.body, s.priority,
           s.send_at, s.type, p_org, s.contact_id
    from s
    where s.problem is null and s.code is null
  )
  select
    array_agg(row(s.idx, s.metadata, s.problem, s.contact_id, s.user_id, s.external_id, s.phone_hash, s.code, s.message, s.field, s.to_sealed)::internal.api_batch_item
              order by s.idx),
    coalesce(bool_or(s.problem is null and s.code is null and s.contact_id is null), false),
    coalesce(bool_or(s.metadata is not null), false),
    array_agg(s.key_id order by s.idx)
  into v_items, v_new_contacts, v_has_metadata, v_key_ids
  from s;
  -- A bare number is the workspace's contact with that number, created when new.
  if v_new_contacts then
    -- No name (not its number): a contact is named by whoever knows the person.
    insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, consent_source, consented_at)
    select distinct on (b.phone_hash) p_org, null, b.sealed ->> 'enc', b.phone_hash, b.sealed ->> 'last4', b.sealed ->> 'calling_code', 'api', now()
    from unnest(v_items) b
    where b.problem is null and b.code is null and b.contact_id is null
    on conflict (organization_id, phone_hash) do nothing;
    v_items := array(
      select row(b.idx, b.metadata, b.problem, coalesce(b.contact_id, c.id),
        case when b.contact_id is null then c.user_id else b.user_id end,
        case when b.contact_id is null then c.external_id else b.external_id end,
        b.phone_hash, b.code, b.message, b.field, b.sealed)::internal.api_batch_item
      from unnest(v_items) with ordinality b
      left join public.contacts c on b.problem is null and b.code is null and b.contact_id is null
        and c.organization_id = p_org and c.phone_hash = b.phone_hash
      order by b.ordinality);
    -- Their texts copy the contact's number as stored (one created concurrently has its own).
    update pg_temp.sms_bulk_rows r
    set contact_id = c.id, phone_enc = c.phone_enc, phone_last4 = c.phone_last4, calling_code = c.calling_code
    from public.contacts c
    where r.contact_id is null and c.organization_id = p_org and c.phone_hash = r.phone_hash;
  end if;

  loop
    begin
      v_sent := array(
        select row(w.ord - 1, w.id, w.status, w.status_reason, w.scheduled_for, w.created_at, w.phone_enc, w.phone_last4)::internal.api_batch_sent
        from internal.sms_bulk_write() w);
      exit;
    exception when foreign_key_violation then
      -- A contact deleted since the check above (a concurrent DELETE /contacts): its texts are
      -- refused as queue_sms_messages_bulk words it (WS018), the others written without them.
      v_gone := array(select distinct r.contact_id from pg_temp.sms_bulk_rows r
                      where not exists (select 1 from public.contacts c where c.id = r.contact_id));
      if cardinality(v_gone) = 0 then
        raise;
      end if;
      delete from pg_temp.sms_bulk_rows r where r.contact_id = any (v_gone);
      v_items := array(
        select case when b.problem is null and b.code is null and b.contact_id = any (v_gone)
            then row(b.idx, b.metadata, b.problem, b.contact_id, b.user_id, b.external_id, b.phone_hash,
                     'WS018', format('unknown_contact: no contact %s in this workspace', b.contact_id), b.field, b.sealed)::internal.api_batch_item
            else row(b.idx, b.metadata, b.problem, b.contact_id, b.user_id, b.external_id, b.phone_hash,
                     b.code, b.message, b.field, b.sealed)::internal.api_batch_item end
        from unnest(v_items) with ordinality b
        order by b.ordinality);
    end;
  end loop;
  if v_has_metadata then
    -- A text without metadata needs no row (reads take a missing one as {}).
    insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata)
    select w.id, p_org, v_key_ids[b.ordinality], b.metadata
    from unnest(v_items) with ordinality b join unnest(v_sent) w on w.idx = b.idx
    where b.metadata is not null;
  end if;
  return internal.api_batch_answer(v_items, v_sent);
end;
$$;


-- Restated from 20261206100000: every distinct key checked once, one fast call a workspace.
-- (Its grants, from 20261205120000, stay with it.)
create or replace function public.api_send_messages(
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
  -- Per request: its key's workspace when it may go set-based (else null), its key, its key's rate.
  v_org_of uuid[];
  v_key_of uuid[];
  v_rate_of integer[];
  -- The workspaces with two or more such requests, in order of their first request.
  v_orgs uuid[] := '{}';
  v_org uuid;
  v_body json;
  v_i integer;
begin
  if v_n > 1 then
    -- Each distinct key once (api_key_authenticate: its last use, once a minute); a key unknown,
    -- revoked or without the scope leaves its requests to api_send_message, which refuses them.
    with keys as (
      select d.key_hash, a.key_id, a.organization_id, a.rate_limit_per_second
      from (select distinct h as key_hash from unnest(p_key_hashes) h) d
      cross join lateral public.api_key_authenticate(d.key_hash) a
      where 'messages:write' = any (a.scopes)
    )
    select array_agg(case when k.key_id is not null and u.idempotency_key is null
                            and u.m ? 'body' and not (u.m ? 'template')
                            and not (u.m -> 'to' ?| array['userId', 'name', 'attributes'])
                            and not (u.m -> 'to' ? 'externalId' and u.m -> 'to' ? 'phone_sealed')
                          then k.organization_id end order by u.n),
           array_agg(k.key_id order by u.n),
           array_agg(k.rate_limit_per_second order by u.n)
    into v_org_of, v_key_of, v_rate_of
    from unnest(p_key_hashes, p_idempotency_keys, p_messages) with ordinality as u (key_hash, idempotency_key, m, n)
    left join keys k on k.key_hash = u.key_hash;
    -- With no JSON rebuilt and no read-back the set-based path is cheap from two texts on.
    v_orgs := array(
      select x.o from unnest(v_org_of) with ordinality as x (o, n)
      where x.o is not null group by x.o having count(*) >= 2 order by min(x.n));
  end if;

  for v_i in 1 .. v_n loop
    if v_n = 1 or not (v_org_of[v_i] is not null and v_org_of[v_i] = any (v_orgs)) then
      request := v_i;
      answer := public.api_send_message(p_key_hashes[v_i], p_key_prefixes[v_i], p_ips[v_i], p_messages[v_i],
                                        p_idempotency_keys[v_i], p_fingerprints[v_i]);
      return next;
    end if;
  end loop;

  foreach v_org in array v_orgs loop
    v_body := internal.api_send_batch_fast(v_org, null,
      (select jsonb_agg(jsonb_build_object('index', x.n, 'message', p_messages[x.n], 'keyId', v_key_of[x.n]) order by x.n)
       from unnest(v_org_of) with ordinality as x (o, n) where x.o = v_org));
    if (v_body ->> 'rejected')::integer <> 0 then
      raise exception using errcode = 'AP010',
        message = 'a request sent together with others was refused: each runs again alone';
    end if;
    -- Each answer from the fast path's (what its write wrote), not read back: a join to
    -- sms_messages kept as a generic plan came to scan the whole table once it grew.
    return query
    select o.idx::integer,
           json_build_object('status', 202,
             'body', internal.api_accepted(o.id::uuid, o.status, o.status_reason, o.phone, o.phone_last4, o.send_at::timestamptz,
                                           o.created_at::timestamptz, o.user_id::uuid, o.contact_id::uuid, o.external_id),
             'rateLimitPerSecond', v_rate_of[o.idx::integer])
    from rows from (
      json_array_elements_text(v_body -> 'ok' -> 'index'),
      json_array_elements_text(v_body -> 'ok' -> 'id'),
      json_array_elements_text(v_body -> 'ok' -> 'status'),
      json_array_elements_text(v_body -> 'ok' -> 'statusReason'),
      json_array_elements_text(v_body -> 'ok' -> 'sendAt'),
      json_array_elements_text(v_body -> 'ok' -> 'createdAt'),
      json_array_elements_text(v_body -> 'ok' -> 'userId'),
      json_array_elements_text(v_body -> 'ok' -> 'contactId'),
      json_array_elements_text(v_body -> 'ok' -> 'externalId'),
      json_array_elements_text(v_body -> 'ok' -> 'phone'),
      json_array_elements_text(v_body -> 'ok' -> 'phoneLast4')
    ) as o (idx, id, status, status_reason, send_at, created_at, user_id, contact_id, external_id, phone, phone_last4);
  end loop;
end;
$$;
