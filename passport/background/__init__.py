"""Long work as jobs on a task queue (Huey): the job's state, progress and outcome live in the database.

A request, API call or command creates a ``Job`` row in its own transaction; the job is put on the queue
only once that transaction commits, so a worker never looks for a job that is not there yet. Any worker
runs it (``runner.run_job``), any web instance reports on it, and the sweeper puts back on the queue a
job whose worker died. See docs/operations.md.
"""
