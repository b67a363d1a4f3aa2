-- Generic job queue drained by the worker (claim_jobs and friends). Closed to users.

create table public.queue_jobs (
  id uuid primary key default gen_random_uuid(),
  job_type text not null,
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'pending'
    constraint queue_jobs_status_check check (status in ('pending', 'processing', 'completed', 'failed', 'canceled')),
  -- Lower runs first: urgent 0, high 1, normal 2, low 3.
  priority smallint not null default 2,
  run_at timestamptz not null default now(),
  attempts integer not null default 0 constraint queue_jobs_attempts_check check (attempts >= 0),
  max_attempts integer not null default 5 constraint queue_jobs_max_attempts_check check (max_attempts >= 1),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  dedup_key text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz
);

-- A dedup key is unique while the job is still to be done.
create unique index queue_jobs_dedup_key_idx on public.queue_jobs (dedup_key)
  where status in ('pending', 'processing');
-- The claim path: due pending jobs by priority then time.
create index queue_jobs_claim_idx on public.queue_jobs (priority, run_at) where status = 'pending';
-- Expired leases (a worker died mid-job) are reclaimed from here.
create index queue_jobs_lease_idx on public.queue_jobs (locked_until) where status = 'processing';

alter table public.queue_jobs enable row level security;

create trigger queue_jobs_set_updated_at
  before update on public.queue_jobs
  for each row execute function public.set_updated_at();

-- No policies: nothing is visible to users; the service role bypasses RLS.
revoke all on table public.queue_jobs from anon, authenticated;
