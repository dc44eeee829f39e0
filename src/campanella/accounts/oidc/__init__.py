"""Log in with SPID or CIE through the institute's OpenID Connect gateways (Authlib does the
protocol: docs/decisions.md)."""
