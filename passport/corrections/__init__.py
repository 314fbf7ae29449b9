"""A person asks for her record to be corrected; HR of her trust accept or decline (issue 17)."""
