-- The job queue's API, used by the worker with the service role.
--
-- Leases: claim_jobs marks jobs 'processing' for p_lease_seconds under the worker's id. Only
-- the lease holder may complete / fail / retry / release / reschedule a job (anyone else gets
-- false or null, never an error). A job whose lease expired is claimable again, so a crashed
-- worker never loses a job.

-- Enqueue a job; with a dedup key that is already pending or processing, returns that job.
create function public.enqueue_job(
  p_job_type text,
  p_payload jsonb default '{}'::jsonb,
  p_priority smallint default 2,
  p_run_at timestamptz default null,
  p_dedup_key text default null,
  p_max_attempts integer default 5
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  loop
    insert into public.queue_jobs (job_type, payload, priority, run_at, dedup_key, max_attempts)
    values (p_job_type, coalesce(p_payload, '{}'::jsonb), coalesce(p_priority, 2),
            coalesce(p_run_at, now()), p_dedup_key, coalesce(p_max_attempts, 5))
    on conflict (dedup_key) where status in ('pending', 'processing') do nothing
    returning id into v_id;

    if v_id is not null then
      perform pg_notify('sms_jobs', v_id::text);
      return v_id;
    end if;

    select id into v_id from public.queue_jobs
    where dedup_key = p_dedup_key and status in ('pending', 'processing');
    if v_id is not null then
      return v_id;
    end if;
    -- The conflicting job finished between our insert and our read: try again.
  end loop;
end;
$$;

-- Claim up to p_limit due jobs of the given types: expired leases first, then pending jobs by
-- priority and run_at. SKIP LOCKED lets many workers claim concurrently without waiting.
create function public.claim_jobs(
  p_worker_id text,
  p_job_types text[],
  p_limit integer default 10,
  p_lease_seconds integer default 60
)
returns setof public.queue_jobs
language plpgsql
volatile
security definer
set search_path = ''
rows 10
as $$
declare
  v_now timestamptz := clock_timestamp();
  v_until timestamptz := clock_timestamp() + make_interval(secs => greatest(p_lease_seconds, 1));
  v_claimed integer := 0;
begin
  if p_worker_id is null or p_limit is null or p_limit < 1 then
    return;
  end if;

  return query
  update public.queue_jobs j
  set status = 'processing', locked_by = p_worker_id, locked_until = v_until,
      attempts = j.attempts + 1, updated_at = v_now
  from (
    select id from public.queue_jobs
    where status = 'processing' and locked_until < v_now and job_type = any (p_job_types)
    order by locked_until
    limit p_limit
    for update skip locked
  ) expired
  where j.id = expired.id
  returning j.*;

  get diagnostics v_claimed = row_count;
  if v_claimed >= p_limit then
    return;
  end if;

  return query
  update public.queue_jobs j
  set status = 'processing', locked_by = p_worker_id, locked_until = v_until,
      attempts = j.attempts + 1, updated_at = v_now
  from (
    select id from public.queue_jobs
    where status = 'pending' and run_at <= v_now and job_type = any (p_job_types)
    order by priority, run_at
    limit p_limit - v_claimed
    for update skip locked
  ) due
  where j.id = due.id
  returning j.*;
end;
$$;

-- Extend the lease of a job this worker holds (long-running work).
create function public.extend_job_lease(p_job_id uuid, p_worker_id text, p_lease_seconds integer)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with extended as (
    update public.queue_jobs
    set locked_until = clock_timestamp() + make_interval(secs => greatest(p_lease_seconds, 1))
    where id = p_job_id and status = 'processing' and locked_by = p_worker_id
    returning 1
  )
  select exists (select 1 from extended)
$$;

create function public.complete_job(p_job_id uuid, p_worker_id text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with done as (
    update public.queue_jobs
    set status = 'completed', completed_at = now(), locked_until = null, last_error = null
    where id = p_job_id and status = 'processing' and locked_by = p_worker_id
    returning 1
  )
  select exists (select 1 from done)
$$;

-- Permanent failure: the job will not run again.
create function public.fail_job(p_job_id uuid, p_worker_id text, p_error text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with failed as (
    update public.queue_jobs
    set status = 'failed', completed_at = now(), locked_until = null, last_error = p_error
    where id = p_job_id and status = 'processing' and locked_by = p_worker_id
    returning 1
  )
  select exists (select 1 from failed)
$$;

-- Transient failure: back to pending at the caller's time, or 'failed' once attempts are used
-- up. Returns the new status, or null when the caller does not hold the lease.
create function public.retry_job(p_job_id uuid, p_worker_id text, p_error text, p_run_at timestamptz)
returns text
language sql
volatile
security definer
set search_path = ''
as $$
  update public.queue_jobs
  set status = case when attempts >= max_attempts then 'failed' else 'pending' end,
      run_at = case when attempts >= max_attempts then run_at else coalesce(p_run_at, now()) end,
      completed_at = case when attempts >= max_attempts then now() end,
      locked_by = null, locked_until = null, last_error = p_error
  where id = p_job_id and status = 'processing' and locked_by = p_worker_id
  returning status
$$;

-- Give back claimed jobs that were never started (e.g. on shutdown) without counting the attempt.
create function public.release_jobs(p_worker_id text, p_job_ids uuid[])
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with released as (
    update public.queue_jobs
    set status = 'pending', attempts = greatest(attempts - 1, 0), locked_by = null, locked_until = null
    where id = any (p_job_ids) and status = 'processing' and locked_by = p_worker_id
    returning 1
  )
  select count(*)::integer from released
$$;

-- Defer a claimed job (quiet hours, daily limit) without counting the attempt.
create function public.reschedule_job(p_job_id uuid, p_worker_id text, p_run_at timestamptz)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with deferred as (
    update public.queue_jobs
    set status = 'pending', run_at = p_run_at, attempts = greatest(attempts - 1, 0),
        locked_by = null, locked_until = null
    where id = p_job_id and status = 'processing' and locked_by = p_worker_id
    returning 1
  )
  select exists (select 1 from deferred)
$$;

-- Cancel a job that has not started (e.g. the message was canceled). Returns true if canceled.
create function public.cancel_job(p_job_id uuid)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with canceled as (
    update public.queue_jobs
    set status = 'canceled', completed_at = now(), locked_by = null, locked_until = null
    where id = p_job_id and status = 'pending'
    returning 1
  )
  select exists (select 1 from canceled)
$$;

revoke execute on function public.enqueue_job(text, jsonb, smallint, timestamptz, text, integer) from public, anon, authenticated;
revoke execute on function public.claim_jobs(text, text[], integer, integer) from public, anon, authenticated;
revoke execute on function public.extend_job_lease(uuid, text, integer) from public, anon, authenticated;
revoke execute on function public.complete_job(uuid, text) from public, anon, authenticated;
revoke execute on function public.fail_job(uuid, text, text) from public, anon, authenticated;
revoke execute on function public.retry_job(uuid, text, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.release_jobs(text, uuid[]) from public, anon, authenticated;
revoke execute on function public.reschedule_job(uuid, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.cancel_job(uuid) from public, anon, authenticated;

grant execute on function public.enqueue_job(text, jsonb, smallint, timestamptz, text, integer) to service_role;
grant execute on function public.claim_jobs(text, text[], integer, integer) to service_role;
grant execute on function public.extend_job_lease(uuid, text, integer) to service_role;
grant execute on function public.complete_job(uuid, text) to service_role;
grant execute on function public.fail_job(uuid, text, text) to service_role;
grant execute on function public.retry_job(uuid, text, text, timestamptz) to service_role;
grant execute on function public.release_jobs(text, uuid[]) to service_role;
grant execute on function public.reschedule_job(uuid, text, timestamptz) to service_role;
grant execute on function public.cancel_job(uuid) to service_role;
