-- Demo data for local mode (and `supabase db reset`). Runs at every local start, so every
-- statement is idempotent: existing rows (and anything you changed in them) are left alone.
--
--   alice@example.com  verified +14155550101, New York, quiet hours 22:00-07:00, a message history
--   bob@example.com    verified +14155550102, London, task reminders switched off
--   admin@example.com  verified +14155550103, admin role, owner of the "Demo" workspace
--   Demo workspace     slug demo: four contacts (one in Tokyo, one linked to alice's phone), texts to them
--
-- Users are looked up by e-mail after inserting, so a user who already signed in locally
-- (and so has another id) gets the demo data too.
--
-- Phone numbers are stored sealed (issue 11), and SQL holds no key: the Node seed step
-- (packages/db/src/migrate.ts `seed`) seals every number written below and hands them over in
-- the transaction-local setting `seed.phones` ({"+1415…": {"enc","hash","last4","calling_code"}});
-- pg_temp.seed_phone looks one up. No number is ever stored in clear, not even for a moment.

create or replace function pg_temp.seed_phone(p_e164 text)
returns public.sealed_phone
language plpgsql
stable
as $fn$
declare
  v jsonb := (nullif(current_setting('seed.phones', true), '')::jsonb) -> p_e164;
begin
  if v is null then
    raise exception 'seed.sql stores phone numbers sealed: run it through `npm run seed` / `npm start` (packages/db seed), which seals them with the phone keys';
  end if;
  return row(v ->> 'enc', v ->> 'hash', v ->> 'last4', v ->> 'calling_code')::public.sealed_phone;
end;
$fn$;

do $seed$
declare
  v_has_aud boolean;
  v_alice uuid;
  v_bob uuid;
  v_admin uuid;
  v_org uuid;
  v_user record;
  v_p_alice public.sealed_phone := pg_temp.seed_phone('+14155550101');
  v_p_bob public.sealed_phone := pg_temp.seed_phone('+14155550102');
  v_p_admin public.sealed_phone := pg_temp.seed_phone('+14155550103');
  v_p_grace public.sealed_phone := pg_temp.seed_phone('+14155550201');
  v_p_kenji public.sealed_phone := pg_temp.seed_phone('+819012345678');
  v_p_linus public.sealed_phone := pg_temp.seed_phone('+14155550203');
begin
  -- auth.users: Supabase's table has more columns (aud, instance_id) than the local compat
  -- table; fill them only where they exist so GoTrue can find these users by e-mail.
  select exists (
    select 1 from information_schema.columns
    where table_schema = 'auth' and table_name = 'users' and column_name = 'aud'
  ) into v_has_aud;

  for v_user in
    select * from (values
      ('a11ce000-0000-4000-8000-000000000001'::uuid, 'alice@example.com', 'Alice Example'),
      ('b0b00000-0000-4000-8000-000000000002'::uuid, 'bob@example.com', 'Bob Example'),
      ('ad000000-0000-4000-8000-000000000003'::uuid, 'admin@example.com', 'Ada Admin')
    ) as u(id, email, full_name)
  loop
    if not exists (select 1 from auth.users where email = v_user.email) then
      if v_has_aud then
        execute $sql$
          insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at,
                                  raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
          values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, now(),
                  '{"provider": "email", "providers": ["email"]}', jsonb_build_object('full_name', $3::text), now(), now())
          on conflict do nothing
        $sql$ using v_user.id, v_user.email, v_user.full_name;
      else
        insert into auth.users (id, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
        values (v_user.id, v_user.email, now(), '{"provider": "email", "providers": ["email"]}',
                jsonb_build_object('full_name', v_user.full_name))
        on conflict do nothing;
      end if;
    end if;
  end loop;

  select id into v_alice from auth.users where email = 'alice@example.com';
  select id into v_bob from auth.users where email = 'bob@example.com';
  select id into v_admin from auth.users where email = 'admin@example.com';

  insert into public.user_roles (user_id, role) values (v_admin, 'admin') on conflict do nothing;

  -- The Demo workspace: a fresh install's placeholder "default" workspace (created by the
  -- migration so single-workspace callers work) becomes it; otherwise it is created, unless
  -- the install already has workspaces of its own.
  select id into v_org from public.organizations where slug = 'demo';
  if v_org is null then
    select id into v_org from public.organizations where slug = 'default'
      and (select count(*) from public.organizations) = 1;
    if v_org is not null then
      update public.organizations set slug = 'demo', name = 'Demo' where id = v_org;
    elsif not exists (select 1 from public.organizations) then
      insert into public.organizations (slug, name) values ('demo', 'Demo') returning id into v_org;
    end if;
  end if;
  if v_org is not null then
    insert into public.organization_members (organization_id, user_id, role)
    values (v_org, v_admin, 'owner') on conflict do nothing;
  end if;

  insert into public.user_sms_preferences
    (user_id, phone_enc, phone_hash, phone_last4, calling_code, phone_verified, time_zone, quiet_hours_start, quiet_hours_end, daily_limit)
  values
    (v_alice, (v_p_alice).enc, (v_p_alice).hash, (v_p_alice).last4, (v_p_alice).calling_code, true, 'America/New_York', '22:00', '07:00', 10),
    (v_bob, (v_p_bob).enc, (v_p_bob).hash, (v_p_bob).last4, (v_p_bob).calling_code, true, 'Europe/London', null, null, 5),
    (v_admin, (v_p_admin).enc, (v_p_admin).hash, (v_p_admin).last4, (v_p_admin).calling_code, true, 'UTC', null, null, 50)
  on conflict do nothing;

  insert into public.user_sms_type_preferences (user_id, type_key, enabled)
  values (v_alice, 'daily_brief', true), (v_bob, 'task_reminder', false)
  on conflict do nothing;

  insert into public.sms_templates (organization_id, template_key, name, description, message_template, template_vars, notification_type, created_by)
  select v_org, v.* from (values
    ('task_reminder', 'Task reminder', 'Sent shortly before a task is due.',
     'Reminder: "{{task}}" is due {{due}}.', '["task", "due"]'::jsonb, 'task_reminder', v_admin),
    ('daily_brief', 'Daily brief', 'Morning summary.',
     'Good morning {{name}}! You have {{count}} tasks today. First up: {{first_task}}.',
     '["name", "count", "first_task"]'::jsonb, 'daily_brief', v_admin),
    ('urgent_alert', 'Urgent alert', 'Delivered even during quiet hours.',
     'URGENT: {{message}}', '["message"]'::jsonb, 'urgent_alert', v_admin),
    ('welcome', 'Welcome', 'After a phone number is verified.',
     'Welcome to {{app}}, {{name}}! Reply HELP for help, STOP to opt out.', '["app", "name"]'::jsonb, 'custom', v_admin)
  ) v (template_key, name, description, message_template, template_vars, notification_type, created_by)
  on conflict (organization_id, template_key) do nothing;

  -- A short history: delivered, undelivered, failed, suppressed, and an inbound reply.
  insert into public.sms_messages (
    id, organization_id, user_id, direction, phone_enc, phone_hash, phone_last4, calling_code, message_content, template_key, template_vars, notification_type,
    priority, status, provider_status, status_reason, twilio_sid, segments, encoding, price, price_unit,
    error_code, error_message, attempt_count, dispatched_at, sent_at, delivered_at, failed_at, created_at, updated_at
  )
  values
    ('5eed0000-0000-4000-8000-000000000001', coalesce(v_org, (select id from public.organizations order by created_at, id limit 1)), v_alice, 'outbound', (v_p_alice).enc, (v_p_alice).hash, (v_p_alice).last4, (v_p_alice).calling_code,
     'Reminder: "Submit expense report" is due today at 17:00.', 'task_reminder',
     '{"task": "Submit expense report", "due": "today at 17:00"}', 'task_reminder',
     'normal', 'delivered', 'delivered', null, 'SM5eed0000000000000000000000000001', 1, 'GSM-7', -0.0079, 'USD',
     null, null, 1, now() - interval '2 days', now() - interval '2 days' + interval '2 seconds',
     now() - interval '2 days' + interval '5 seconds', null, now() - interval '2 days', now() - interval '2 days'),
    ('5eed0000-0000-4000-8000-000000000002', coalesce(v_org, (select id from public.organizations order by created_at, id limit 1)), v_alice, 'outbound', (v_p_alice).enc, (v_p_alice).hash, (v_p_alice).last4, (v_p_alice).calling_code,
     'Good morning Alice! You have 3 tasks today. First up: Standup.', 'daily_brief',
     '{"name": "Alice", "count": "3", "first_task": "Standup"}', 'daily_brief',
     'low', 'undelivered', 'undelivered', 'Unreachable destination handset', 'SM5eed0000000000000000000000000002', 1, 'GSM-7', -0.0079, 'USD',
     30003, 'Unreachable destination handset', 1, now() - interval '1 day', now() - interval '1 day' + interval '2 seconds',
     null, now() - interval '1 day' + interval '30 seconds', now() - interval '1 day', now() - interval '1 day'),
    ('5eed0000-0000-4000-8000-000000000003', coalesce(v_org, (select id from public.organizations order by created_at, id limit 1)), v_alice, 'outbound', (v_p_alice).enc, (v_p_alice).hash, (v_p_alice).last4, (v_p_alice).calling_code,
     'Your weekly summary is ready.', null, null, 'custom',
     'normal', 'failed', 'failed', 'Unknown error', 'SM5eed0000000000000000000000000003', 1, 'GSM-7', null, null,
     30008, 'Unknown error', 1, now() - interval '20 hours', null, null, now() - interval '20 hours' + interval '3 seconds',
     now() - interval '20 hours', now() - interval '20 hours'),
    ('5eed0000-0000-4000-8000-000000000004', coalesce(v_org, (select id from public.organizations order by created_at, id limit 1)), v_bob, 'outbound', (v_p_bob).enc, (v_p_bob).hash, (v_p_bob).last4, (v_p_bob).calling_code,
     'URGENT: The production database is at 95% capacity.', 'urgent_alert',
     '{"message": "The production database is at 95% capacity."}', 'urgent_alert',
     'urgent', 'delivered', 'delivered', null, 'SM5eed0000000000000000000000000004', 1, 'GSM-7', -0.0079, 'USD',
     null, null, 1, now() - interval '5 hours', now() - interval '5 hours' + interval '1 second',
     now() - interval '5 hours' + interval '4 seconds', null, now() - interval '5 hours', now() - interval '5 hours'),
    ('5eed0000-0000-4000-8000-000000000005', coalesce(v_org, (select id from public.organizations order by created_at, id limit 1)), v_bob, 'outbound', (v_p_bob).enc, (v_p_bob).hash, (v_p_bob).last4, (v_p_bob).calling_code,
     'Reminder: "Renew passport" is due tomorrow.', 'task_reminder',
     '{"task": "Renew passport", "due": "tomorrow"}', 'task_reminder',
     'normal', 'suppressed', null, 'notification_type_disabled', null, null, null, null, null,
     null, null, 0, null, null, null, null, now() - interval '3 hours', now() - interval '3 hours'),
    ('5eed0000-0000-4000-8000-000000000006', coalesce(v_org, (select id from public.organizations order by created_at, id limit 1)), v_alice, 'inbound', (v_p_alice).enc, (v_p_alice).hash, (v_p_alice).last4, (v_p_alice).calling_code,
     'Thanks, done!', null, null, 'custom',
     'normal', 'received', 'received', null, 'SM5eed0000000000000000000000000006', 1, null, null, null,
     null, null, 0, null, null, null, null, now() - interval '2 days' + interval '10 minutes', now() - interval '2 days' + interval '10 minutes')
  on conflict do nothing;

  -- Event log for the history above (only when a message has no events yet).
  insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, error_code, error_message, payload, source, received_at, applied)
  select e.message_id, e.sid, e.raw_status, e.status, e.error_code, e.error_message, e.payload, e.source, m.created_at + e.after, true
  from (values
    ('5eed0000-0000-4000-8000-000000000001'::uuid, 'SM5eed0000000000000000000000000001', 'queued', 'queued', null::int, null::text, null::jsonb, 'api', interval '1 second'),
    ('5eed0000-0000-4000-8000-000000000001', 'SM5eed0000000000000000000000000001', 'sent', 'sent', null, null,
     '{"MessageStatus": "sent", "MessageSid": "SM5eed0000000000000000000000000001"}', 'webhook', interval '2 seconds'),
    ('5eed0000-0000-4000-8000-000000000001', 'SM5eed0000000000000000000000000001', 'delivered', 'delivered', null, null,
     '{"MessageStatus": "delivered", "MessageSid": "SM5eed0000000000000000000000000001"}', 'webhook', interval '5 seconds'),
    ('5eed0000-0000-4000-8000-000000000002', 'SM5eed0000000000000000000000000002', 'queued', 'queued', null, null, null, 'api', interval '1 second'),
    ('5eed0000-0000-4000-8000-000000000002', 'SM5eed0000000000000000000000000002', 'sent', 'sent', null, null,
     '{"MessageStatus": "sent", "MessageSid": "SM5eed0000000000000000000000000002"}', 'webhook', interval '2 seconds'),
    ('5eed0000-0000-4000-8000-000000000002', 'SM5eed0000000000000000000000000002', 'undelivered', 'undelivered', 30003, 'Unreachable destination handset',
     '{"MessageStatus": "undelivered", "ErrorCode": "30003", "MessageSid": "SM5eed0000000000000000000000000002"}', 'webhook', interval '30 seconds'),
    ('5eed0000-0000-4000-8000-000000000003', 'SM5eed0000000000000000000000000003', 'queued', 'queued', null, null, null, 'api', interval '1 second'),
    ('5eed0000-0000-4000-8000-000000000003', 'SM5eed0000000000000000000000000003', 'failed', 'failed', 30008, 'Unknown error',
     '{"MessageStatus": "failed", "ErrorCode": "30008", "MessageSid": "SM5eed0000000000000000000000000003"}', 'webhook', interval '3 seconds'),
    ('5eed0000-0000-4000-8000-000000000004', 'SM5eed0000000000000000000000000004', 'queued', 'queued', null, null, null, 'api', interval '1 second'),
    ('5eed0000-0000-4000-8000-000000000004', 'SM5eed0000000000000000000000000004', 'delivered', 'delivered', null, null,
     '{"MessageStatus": "delivered", "MessageSid": "SM5eed0000000000000000000000000004"}', 'webhook', interval '4 seconds'),
    ('5eed0000-0000-4000-8000-000000000005', null, null, 'suppressed', null, null,
     '{"reason": "notification_type_disabled"}', 'worker', interval '1 second'),
    ('5eed0000-0000-4000-8000-000000000006', 'SM5eed0000000000000000000000000006', 'received', 'received', null, null,
     '{"Body": "Thanks, done!", "From": "+14155550101"}', 'webhook', interval '0 seconds')
  ) as e(message_id, sid, raw_status, status, error_code, error_message, payload, source, after)
  join public.sms_messages m on m.id = e.message_id
  where not exists (
    select 1 from public.sms_delivery_events x where x.message_id = e.message_id and x.source = e.source
      and x.raw_status is not distinct from e.raw_status and x.status is not distinct from e.status
  );

  -- Contacts and a short history of texts to them.
  if v_org is not null then
    insert into public.contacts (id, organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, time_zone, external_id, attributes,
                                 consent_source, consented_at, tags)
    values
      ('c0000000-0000-4000-8000-000000000001', v_org, 'Grace Hopper', (v_p_grace).enc, (v_p_grace).hash, (v_p_grace).last4, (v_p_grace).calling_code, null, 'crm-1001',
       '{"event": "Launch party", "seat": "A1"}', 'signup form', now() - interval '30 days', '{attendee,vip}'),
      ('c0000000-0000-4000-8000-000000000002', v_org, 'Kenji Tanaka', (v_p_kenji).enc, (v_p_kenji).hash, (v_p_kenji).last4, (v_p_kenji).calling_code, 'Asia/Tokyo', 'crm-1002',
       '{"event": "Launch party", "seat": "B4"}', 'signup form', now() - interval '20 days', '{attendee}'),
      ('c0000000-0000-4000-8000-000000000003', v_org, 'Linus Example', (v_p_linus).enc, (v_p_linus).hash, (v_p_linus).last4, (v_p_linus).calling_code, 'Europe/Berlin', null,
       '{}', 'imported list', now() - interval '10 days', '{}'),
      ('c0000000-0000-4000-8000-000000000004', v_org, 'Alice Example', (v_p_alice).enc, (v_p_alice).hash, (v_p_alice).last4, (v_p_alice).calling_code, null, 'crm-1004',
       '{"event": "Launch party"}', 'signup form', now() - interval '5 days', '{attendee}')
    on conflict do nothing;

    insert into public.sms_messages (
      id, organization_id, contact_id, direction, phone_enc, phone_hash, phone_last4, calling_code, message_content, notification_type, priority,
      status, provider_status, status_reason, twilio_sid, segments, encoding, price, price_unit, error_code,
      error_message, attempt_count, dispatched_at, sent_at, delivered_at, failed_at, created_at, updated_at
    )
    select m.id::uuid, v_org, m.contact_id::uuid, 'outbound', c.phone_enc, c.phone_hash, c.phone_last4, c.calling_code, m.body, 'custom', 'normal',
           m.status, m.status, m.reason, m.sid, 1, 'GSM-7', case when m.status = 'delivered' then -0.0079 end,
           case when m.status = 'delivered' then 'USD' end, m.error_code, m.reason, 1,
           now() - m.ago, now() - m.ago + interval '2 seconds',
           case when m.status = 'delivered' then now() - m.ago + interval '5 seconds' end,
           case when m.status = 'undelivered' then now() - m.ago + interval '30 seconds' end,
           now() - m.ago, now() - m.ago
    from (values
      ('5eed0000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-000000000001',
       'Hi Grace, your seat for the Launch party is A1. Reply STOP to opt out.', 'delivered', null, null::int,
       'SM5eed0000000000000000000000000101', interval '3 days'),
      ('5eed0000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-000000000002',
       'Hi Kenji, your seat for the Launch party is B4. Reply STOP to opt out.', 'delivered', null, null,
       'SM5eed0000000000000000000000000102', interval '3 days'),
      ('5eed0000-0000-4000-8000-000000000103', 'c0000000-0000-4000-8000-000000000003',
       'Hi Linus, the Launch party starts at 19:00.', 'undelivered', 'Unreachable destination handset', 30003,
       'SM5eed0000000000000000000000000103', interval '1 day')
    ) as m(id, contact_id, body, status, reason, error_code, sid, ago)
    join public.contacts c on c.id = m.contact_id::uuid
    on conflict do nothing;
  end if;
end
$seed$;
