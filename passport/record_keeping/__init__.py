"""How long records are kept: the retention schedule, its daily job, and legal holds (issue 17)."""
