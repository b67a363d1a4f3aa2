-- When the worker's next job falls due (issue 13, throttle accuracy). A campaign's jobs are
-- staggered 1/throttle apart, so no NOTIFY announces each one; a worker that found nothing
-- due asks this and sleeps until then (at most its poll interval) instead of a whole poll,
-- which sent a 50/s campaign in bursts a poll apart. Read from queue_jobs_claim_idx
-- (priority, run_at): the priorities in use found by a loose index scan, then one short probe
-- each, not a scan of the waiting jobs.
create function public.next_job_run_at(p_job_types text[])
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  with recursive p (priority) as (
    (select j.priority from public.queue_jobs j where j.status = 'pending' order by j.priority limit 1)
    union all
    select (select j.priority from public.queue_jobs j
            where j.status = 'pending' and j.priority > p.priority order by j.priority limit 1)
    from p where p.priority is not null
  )
  select min(n.run_at)
  from p
  cross join lateral (
    select j.run_at from public.queue_jobs j
    where j.status = 'pending' and j.priority = p.priority and j.run_at > now()
      and j.job_type = any (p_job_types)
    order by j.run_at
    limit 1
  ) n
  where p.priority is not null
$$;
revoke execute on function public.next_job_run_at(text[]) from public, anon, authenticated;
grant execute on function public.next_job_run_at(text[]) to service_role;
