"""The search's indexes, led by the town, built without locking the register (CONCURRENTLY,
so outside a transaction); then the indexes they replace are dropped, the same way, and the
planner's statistics refreshed."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('households', '0006_resident_town_backfill'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='resident',
            index=models.Index(models.F('town'), django.contrib.postgres.indexes.OpClass(models.F('name'), name='varchar_pattern_ops'), name='resident_town_name'),
        ),
        AddIndexConcurrently(
            model_name='resident',
            index=models.Index(models.F('town'), django.contrib.postgres.indexes.OpClass(models.F('name_initials'), name='varchar_pattern_ops'), name='resident_town_initials'),
        ),
        AddIndexConcurrently(
            model_name='resident',
            index=models.Index(models.F('town'), django.contrib.postgres.indexes.OpClass(models.F('name_pinyin'), name='varchar_pattern_ops'), name='resident_town_pinyin'),
        ),
        AddIndexConcurrently(
            model_name='resident',
            index=models.Index(models.F('town'), django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Reverse('name'), name='text_pattern_ops'), name='resident_town_name_reversed'),
        ),
        AddIndexConcurrently(
            model_name='resident',
            index=models.Index(models.F('town'), django.contrib.postgres.indexes.OpClass(models.Func(models.F('name_initials'), models.Value(' '), models.Value(2), function='split_part', output_field=models.TextField()), name='text_pattern_ops'), name='resident_town_initials_2'),
        ),
        AddIndexConcurrently(
            model_name='resident',
            index=models.Index(models.F('town'), django.contrib.postgres.indexes.OpClass(models.Func(models.F('name_initials'), models.Value(' '), models.Value(3), function='split_part', output_field=models.TextField()), name='text_pattern_ops'), name='resident_town_initials_3'),
        ),
        RemoveIndexConcurrently(
            model_name='resident',
            name='resident_name_start',
        ),
        RemoveIndexConcurrently(
            model_name='resident',
            name='resident_pinyin_start',
        ),
        RemoveIndexConcurrently(
            model_name='resident',
            name='resident_name_reversed',
        ),
        RemoveIndexConcurrently(
            model_name='resident',
            name='resident_initials_2',
        ),
        RemoveIndexConcurrently(
            model_name='resident',
            name='resident_initials_3',
        ),
        migrations.AlterField(
            model_name='resident',
            name='name_initials',
            field=models.CharField(editable=False, max_length=50),
        ),
        migrations.RunSQL("ANALYZE households_resident", migrations.RunSQL.noop),
    ]
