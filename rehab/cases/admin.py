"""Cases are worked on in the service's own pages, where the access rules and the audit trail apply; the
admin does not list people or cases."""
