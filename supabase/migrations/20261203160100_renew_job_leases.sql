-- Lease renewal: a worker extends the leases of the jobs it still holds (a send slower than the
-- lease — a slow provider, a short WORKER_LEASE_SECONDS — was claimed again, by itself or
-- another worker, while the first call was on its way, and the text went out twice).
-- One statement for all of a worker's jobs. Only jobs still `processing` under this worker's id
-- are extended, never shortened; a job another worker took over is not taken back. Rows locked
-- by a transaction settling them right now are skipped rather than waited for (so a renewal
-- never waits behind, or deadlocks with, a batch completing its jobs); the next round gets them
-- if that transaction rolled back. Returns how many leases it extended.
create function public.renew_job_leases(p_worker_id text, p_job_ids uuid[], p_lease_seconds integer)
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with mine as (
    select j.id from public.queue_jobs j
    where j.id = any (p_job_ids) and j.status = 'processing' and j.locked_by = p_worker_id
    order by j.id
    for update skip locked
  ), renewed as (
    update public.queue_jobs j
    set locked_until = greatest(j.locked_until, clock_timestamp() + make_interval(secs => greatest(p_lease_seconds, 1)))
    from mine
    where j.id = mine.id
    returning 1
  )
  select count(*)::integer from renewed
$$;

revoke execute on function public.renew_job_leases(text, uuid[], integer) from public, anon, authenticated;
grant execute on function public.renew_job_leases(text, uuid[], integer) to service_role;
