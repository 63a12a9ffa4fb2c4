import sqlalchemy as sa

metadata = sa.MetaData(schema="probe_receiver")
# No unique key on purpose: a doubled delivery would show as two rows.
received = sa.Table("received", metadata, sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
                    sa.Column("note_id", sa.BigInteger, nullable=False),
                    sa.Column("event_id", sa.Text, nullable=False))
