"""Make psycopg2 cooperative under eventlet. Import before anything opens a connection."""
from psycogreen.eventlet import patch_psycopg

patch_psycopg()
