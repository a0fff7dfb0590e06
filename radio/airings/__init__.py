"""The as-run log: what each station aired, as append-only, hash-chained confirmations.

Plain functions over a SQLAlchemy session, no Flask: the web, the API, the CLI and the
scheduled jobs share them.
"""
