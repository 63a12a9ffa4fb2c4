import sqlalchemy as sa

metadata = sa.MetaData(schema="probe_sender")
notes = sa.Table("notes", metadata, sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
                 sa.Column("text", sa.Text, nullable=False))
