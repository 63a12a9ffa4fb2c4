"""The print agent: a small process beside a print site's printers (a school's, or a bureau's that
prints for its schools). It connects out only: AMQP (over TLS in production) for its jobs and its
reports, HTTPS to the gateway for the documents. See README "Setting up a print site"."""
