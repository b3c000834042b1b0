"""Give `pgtrigger.ignore` a database-wide default ("ignore nothing").

The audit triggers read this setting on every row; while it is unset, reading it raises an
error that the trigger catches, which costs about 0.6 ms a row (a 60,000-row import spent two
minutes on it). A database default applies to every new session, also behind a connection
pooler, where a per-connection `options` parameter would be refused.
"""

from django.db import migrations

SET = """
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET pgtrigger.ignore = %L', current_database(), '{}');
END $$;
"""
RESET = """
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I RESET pgtrigger.ignore', current_database());
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("huaisi", "0001_initial")]

    operations = [migrations.RunSQL(SET, RESET)]
