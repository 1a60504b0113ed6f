"""Hand-offs are worked on in the service's own pages, where the access rules and the audit trail apply; the
admin does not list them. The service catalogue they draw on is kept in the reference data's admin."""
