"""Fill in the town of the residents that were there before 0005, in batches of 20,000 rows,
each in its own transaction: a big register stays readable and writable meanwhile (new and
moved residents get their town from 0005's triggers already)."""

from django.db import migrations

BATCH = 20_000

BACKFILL = """
UPDATE households_resident r SET town_id = v.town_id
FROM households_household h
JOIN grids_microgrid m ON m.id = h.microgrid_id
JOIN grids_grid g ON g.id = m.grid_id
JOIN grids_village v ON v.id = g.village_id
WHERE h.id = r.household_id AND r.id >= %s AND r.id < %s AND r.town_id IS NULL
"""


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM households_resident")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, BATCH):
        with connection.cursor() as cursor:
            cursor.execute(BACKFILL, [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('households', '0005_resident_town'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
