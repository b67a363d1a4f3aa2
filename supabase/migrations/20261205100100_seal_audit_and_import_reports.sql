-- @node-step: seal-phones
-- The migration runner (packages/db/src/migrate.ts) first seals, in Node, the numbers the audit
-- history and the campaign uploads' reports still hold in clear (packages/db/src/phone-backfill.ts;
-- SEALED_PAYLOADS in packages/db/src/phone-columns.ts): old contact audit rows' `phone_number`
-- through internal.reseal_audit_phones (20261205100000), rejected and duplicate rows' cells in
-- each report. Run through anything else, or without the keys, this refuses rather than leave a
-- number in clear that the plaintext scan and the README say is sealed.
do $$
declare
  v_audit bigint;
  v_reports bigint;
begin
  select count(*) into v_audit from public.audit_log a
   where internal.audit_text_in_clear(a.before) or internal.audit_text_in_clear(a.after);
  select count(*) into v_reports from public.sms_campaign_imports i where internal.import_report_in_clear(i.report);
  if v_audit > 0 or v_reports > 0 then
    raise exception using errcode = 'P0001',
      message = format('audit_log: %s row(s), sms_campaign_imports: %s report(s) still hold numbers in clear: '
                       'run `npm run migrate` with PHONE_ENCRYPTION_KEYS and PHONE_INDEX_KEY set', v_audit, v_reports);
  end if;
end;
$$;
