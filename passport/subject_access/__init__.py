"""A person's own data: subject access (issue 17)."""
