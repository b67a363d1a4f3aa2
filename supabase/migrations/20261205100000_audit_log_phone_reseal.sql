-- The audit log's numbers (issue 11): contact rows written before the send path was sealed
-- (20261204100100) hold `phone_number` in clear in before/after, and rows written since hold
-- the contact's `phone_enc` (which key rotation must re-encrypt). The log stays append-only;
-- this adds one narrow door, internal.reseal_audit_phones, for the two Node steps that hold the
-- key: the migration's seal step (packages/db/src/phone-backfill.ts) and key rotation
-- (packages/db/src/phone-rotate.ts). Both run as the table owner.
--
-- What the door lets through, checked by the trigger on every row (not trusted to the caller):
--   * a top-level "phone_number": "<E.164>" replaced by "phone_enc": "p1.…" + "phone_hash": "h1.…"
--     (the shape rows written since carry, so forget_contact and the audit page see one shape);
--   * any string holding an E.164-looking number replaced, where it stands, by a sealed value;
--   * a sealed value replaced by another sealed value (rotation) — blind indexes never change;
--   nothing else: no other column, no other field, no key added or dropped, no row deleted.
-- Who: only a caller acting as the table's owner, and only while the function runs (it sets a
-- transaction-local setting and clears it again). Nobody else may even update the table
-- (20261201030100 grants SELECT only), and the function is executable by its owner alone.

-- Whether p_new is p_old with numbers sealed (or sealed values re-encrypted), and nothing else.
create function internal.audit_phones_resealed(p_old jsonb, p_new jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_sealed constant text := '^p1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$';
  v_number constant text := '\+[1-9][0-9]{6,14}';
  v_key text;
  v_i integer;
begin
  if p_old is null or p_new is null then
    return p_old is null and p_new is null;
  end if;
  if jsonb_typeof(p_old) = 'object' and jsonb_typeof(p_new) = 'object' then
    if p_old ? 'phone_number' and not p_new ? 'phone_number' then
      if jsonb_typeof(p_old -> 'phone_number') <> 'string'
         or (p_old ->> 'phone_number') operator(pg_catalog.!~) ('^' || v_number || '$')
         or p_old ? 'phone_enc' or p_old ? 'phone_hash'
         or coalesce(jsonb_typeof(p_new -> 'phone_enc'), '') <> 'string'
         or (p_new ->> 'phone_enc') operator(pg_catalog.!~) v_sealed
         or coalesce(jsonb_typeof(p_new -> 'phone_hash'), '') <> 'string'
         or (p_new ->> 'phone_hash') operator(pg_catalog.!~) '^h1\.[A-Za-z0-9_-]+$' then
        return false;
      end if;
      return internal.audit_phones_resealed(p_old - 'phone_number', p_new - 'phone_enc' - 'phone_hash');
    end if;
    if (select array_agg(k order by k) from jsonb_object_keys(p_old) k)
       is distinct from (select array_agg(k order by k) from jsonb_object_keys(p_new) k) then
      return false;
    end if;
    for v_key in select jsonb_object_keys(p_old) loop
      if not internal.audit_phones_resealed(p_old -> v_key, p_new -> v_key) then
        return false;
      end if;
    end loop;
    return true;
  end if;
  if jsonb_typeof(p_old) = 'array' and jsonb_typeof(p_new) = 'array' then
    if jsonb_array_length(p_old) <> jsonb_array_length(p_new) then
      return false;
    end if;
    for v_i in 0 .. jsonb_array_length(p_old) - 1 loop
      if not internal.audit_phones_resealed(p_old -> v_i, p_new -> v_i) then
        return false;
      end if;
    end loop;
    return true;
  end if;
  if p_old = p_new then
    return true;
  end if;
  return jsonb_typeof(p_old) = 'string' and jsonb_typeof(p_new) = 'string'
     and (p_new #>> '{}') operator(pg_catalog.~) v_sealed
     and ((p_old #>> '{}') operator(pg_catalog.~) v_number or (p_old #>> '{}') operator(pg_catalog.~) v_sealed);
end;
$$;

revoke execute on function internal.audit_phones_resealed(jsonb, jsonb) from public;

-- [20261202070000] restated with the second exception; the forget_contact one is unchanged.
create or replace function internal.audit_log_immutable()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and old.target_type = 'contact'
     and old.target_id = nullif(current_setting('internal.forgetting_contact', true), '')
     and (to_jsonb(new) - 'before' - 'after') = (to_jsonb(old) - 'before' - 'after') then
    return new;
  end if;
  if tg_op = 'UPDATE'
     and current_setting('internal.resealing_audit_phones', true) = 'on'
     and pg_catalog.pg_has_role(current_user,
           (select c.relowner from pg_catalog.pg_class c where c.oid = 'public.audit_log'::regclass), 'MEMBER')
     and (to_jsonb(new) - 'before' - 'after') = (to_jsonb(old) - 'before' - 'after')
     and internal.audit_phones_resealed(old.before, new.before)
     and internal.audit_phones_resealed(old.after, new.after) then
    return new;
  end if;
  raise exception using errcode = 'WS022',
    message = 'immutable_audit: audit rows cannot be changed or deleted';
end;
$$;

-- The door. p_rows: [{id, before_old, after_old, before_new, after_new}], as Node read the rows
-- and as they should become. Compare-and-set: a row no longer as read (forget_contact ran
-- meanwhile) is skipped. Returns how many rows were rewritten; the trigger refuses (WS022) a
-- batch with any change that is not sealing a number (and the setting then goes with the
-- failed statement's transaction or savepoint).
create function internal.reseal_audit_phones(p_rows jsonb)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_count integer;
begin
  perform set_config('internal.resealing_audit_phones', 'on', true);
  update public.audit_log a
     set before = r.before_new, after = r.after_new
    from jsonb_to_recordset(p_rows) as r(id bigint, before_old jsonb, after_old jsonb, before_new jsonb, after_new jsonb)
   where a.id = r.id
     and a.before is not distinct from r.before_old
     and a.after is not distinct from r.after_old;
  get diagnostics v_count = row_count;
  perform set_config('internal.resealing_audit_phones', '', true);
  return v_count;
end;
$$;

revoke execute on function internal.reseal_audit_phones(jsonb) from public, anon, authenticated, service_role;

-- [20261204110000] restated: an old row's clear `phone_number` is forgotten too (until the
-- seal step has run, and for any row it could not reach).
create or replace function internal.forget_audit_fields(p_row jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_row is null or jsonb_typeof(p_row) <> 'object' then p_row
    else p_row || coalesce((
      select jsonb_object_agg(k, to_jsonb('[forgotten]'::text))
        from jsonb_object_keys(p_row) k
       where k = any (array['name', 'phone_number', 'phone_enc', 'phone_hash', 'phone_last4', 'external_id', 'attributes', 'tags'])), '{}'::jsonb) end
$$;

-- Whether an audit before/after still holds an E.164-looking number in clear, outside the keys
-- that hold a workspace's own sender numbers (from_number, sender: public, like the columns they
-- copy). The seal step (phone-columns.ts SEALED_PAYLOADS) and 20261205100100's check use it.
create function internal.audit_text_in_clear(p_row jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce((case when jsonb_typeof(p_row) = 'object' then p_row - 'from_number' - 'sender' else p_row end)::text
                  operator(pg_catalog.~) '\+[1-9][0-9]{6,14}', false)
$$;

revoke execute on function internal.audit_text_in_clear(jsonb) from public;

-- Whether a campaign upload's report (sms_campaign_imports.report) still holds cells as typed:
-- rejected rows' cells as an array, an invalid value or a duplicate's number not sealed
-- (packages/db/src/phone-import-report.ts writes the sealed shape).
create function internal.import_report_in_clear(p_report jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(
    jsonb_path_exists(p_report, 'strict $.rejected[*] ? (@.values.type() == "array")', '{}', true)
    or jsonb_path_exists(p_report, 'strict $.invalid[*] ? (@.value != "" && !(@.value starts with "p1."))', '{}', true)
    or jsonb_path_exists(p_report, 'strict $.duplicateRows[*] ? (!(@.phone starts with "p1.") || (@.value != "" && !(@.value starts with "p1.")))', '{}', true),
    false)
$$;

revoke execute on function internal.import_report_in_clear(jsonb) from public;
