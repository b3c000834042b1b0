# Patrol inspections move from the grids app to their own app (issue 15). The tables stay as
# they are (each model keeps its db_table `grids_…`): this migration only creates the models in
# Django's state, after grids 0004 removed them from grids' state, and moves their content types
# (and so their permissions and admin log entries) to the new app label.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("inspection", "inspectionvisit", "inspectionfinding", "inspectionphoto", "visittarget")


def _relabel(apps, schema_editor, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        # A database where the target's row was created already (by post_migrate) keeps it.
        if not rows.filter(app_label=target, model=model).exists():
            rows.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "grids", "patrols")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "patrols", "grids")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('grids', '0004_inspections_to_patrols'),
        ('households', '0007_resident_town_indexes'),
        ('tickets', '0005_co_handling_opinion'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Inspection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('client_uuid', models.UUIDField(unique=True, verbose_name='client id')),
                        ('place', models.CharField(max_length=200, verbose_name='place')),
                        ('started_at', models.DateTimeField(verbose_name='started at')),
                        ('ended_at', models.DateTimeField(verbose_name='ended at')),
                        ('fingerprint', models.CharField(max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='received at')),
                        ('grid', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inspections', to='grids.grid', verbose_name='grid')),
                        ('inspector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inspections', to=settings.AUTH_USER_MODEL, verbose_name='inspector')),
                    ],
                    options={
                        'verbose_name': 'inspection',
                        'verbose_name_plural': 'inspections',
                        'db_table': 'grids_inspection',
                        'ordering': ['-started_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='InspectionFinding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                        ('type', models.CharField(choices=[('safety_hazard', 'Safety hazard'), ('environment', 'Environment'), ('straw_burning', 'Straw burning'), ('illegal_construction', 'Illegal construction'), ('dispute', 'Dispute'), ('facilities_damaged', 'Facilities damaged'), ('other', 'Other')], max_length=24, verbose_name='type')),
                        ('description', models.TextField(max_length=2000, verbose_name='description')),
                        ('lat', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='latitude')),
                        ('lng', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='longitude')),
                        ('accuracy_m', models.DecimalField(blank=True, decimal_places=1, max_digits=7, null=True, verbose_name='accuracy (m)')),
                        ('outcome', models.CharField(choices=[('fixed', 'Fixed on the spot'), ('report', 'Report as a work order')], max_length=8, verbose_name='outcome')),
                        ('fixed_note', models.CharField(blank=True, max_length=500, verbose_name='what was done')),
                        ('far_outside', models.BooleanField(default=False, verbose_name='far outside the grid')),
                        ('inspection', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='findings', to='patrols.inspection')),
                        ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tickets.workorder', verbose_name='work order')),
                    ],
                    options={
                        'verbose_name': 'finding',
                        'verbose_name_plural': 'findings',
                        'db_table': 'grids_inspectionfinding',
                        'ordering': ['inspection', 'position'],
                    },
                ),
                migrations.CreateModel(
                    name='InspectionPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                        ('image', models.FileField(upload_to='inspections/%Y/%m/')),
                        ('thumbnail', models.FileField(upload_to='inspections/%Y/%m/thumbs/')),
                        ('width', models.PositiveIntegerField()),
                        ('height', models.PositiveIntegerField()),
                        ('digest', models.CharField(max_length=64)),
                        ('finding', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to='patrols.inspectionfinding')),
                    ],
                    options={
                        'verbose_name': 'inspection photo',
                        'verbose_name_plural': 'inspection photos',
                        'db_table': 'grids_inspectionphoto',
                    },
                ),
                migrations.CreateModel(
                    name='InspectionVisit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('visited_at', models.DateTimeField()),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inspection_visits', to='households.household')),
                        ('inspection', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='patrols.inspection')),
                    ],
                    options={
                        'verbose_name': 'household visit',
                        'verbose_name_plural': 'household visits',
                        'db_table': 'grids_inspectionvisit',
                    },
                ),
                migrations.AddField(
                    model_name='inspection',
                    name='households',
                    field=models.ManyToManyField(related_name='inspections', through='patrols.InspectionVisit', to='households.household', verbose_name='households visited'),
                ),
                migrations.CreateModel(
                    name='VisitTarget',
                    fields=[
                        ('grid', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='visit_target', serialize=False, to='grids.grid')),
                        ('every_days', models.PositiveSmallIntegerField(verbose_name='visit every (days)')),
                        ('care_every_days', models.PositiveSmallIntegerField(verbose_name='visit households with a care tag every (days)')),
                    ],
                    options={
                        'verbose_name': 'visit target',
                        'verbose_name_plural': 'visit targets',
                        'db_table': 'grids_visittarget',
                        'constraints': [models.CheckConstraint(condition=models.Q(('every_days__gte', 1), ('every_days__lte', 366), ('care_every_days__gte', 1), ('care_every_days__lte', 366)), name='visittarget_days_range')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='inspectionfinding',
                    constraint=models.UniqueConstraint(fields=('inspection', 'position'), name='finding_position'),
                ),
                migrations.AddConstraint(
                    model_name='inspectionfinding',
                    constraint=models.CheckConstraint(condition=models.Q(('type__in', ['safety_hazard', 'environment', 'straw_burning', 'illegal_construction', 'dispute', 'facilities_damaged', 'other'])), name='finding_type_valid'),
                ),
                migrations.AddConstraint(
                    model_name='inspectionfinding',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('order__isnull', True), ('outcome', 'fixed')), models.Q(('order__isnull', False), ('outcome', 'report')), _connector='OR'), name='finding_report_has_order'),
                ),
                migrations.AddConstraint(
                    model_name='inspectionfinding',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('accuracy_m__isnull', True), ('lat__isnull', True), ('lng__isnull', True)), models.Q(('lat__gte', -90), ('lat__isnull', False), ('lat__lte', 90), ('lng__gte', -180), ('lng__isnull', False), ('lng__lte', 180)), _connector='OR'), name='finding_position_valid'),
                ),
                migrations.AddConstraint(
                    model_name='inspectionfinding',
                    constraint=models.CheckConstraint(condition=models.Q(('accuracy_m__isnull', True), models.Q(('accuracy_m__gte', 0), ('accuracy_m__lte', 5000)), _connector='OR'), name='finding_accuracy_sensible'),
                ),
                migrations.AddConstraint(
                    model_name='inspectionphoto',
                    constraint=models.UniqueConstraint(fields=('finding', 'position'), name='inspectionphoto_position'),
                ),
                migrations.AddIndex(
                    model_name='inspectionvisit',
                    index=models.Index(fields=['household', '-visited_at'], name='inspectionvisit_last'),
                ),
                migrations.AddConstraint(
                    model_name='inspectionvisit',
                    constraint=models.UniqueConstraint(fields=('inspection', 'household'), name='inspectionvisit_once'),
                ),
                migrations.AddIndex(
                    model_name='inspection',
                    index=models.Index(fields=['inspector', '-started_at'], name='inspection_inspector_recent'),
                ),
                migrations.AddIndex(
                    model_name='inspection',
                    index=models.Index(fields=['grid', '-started_at'], name='inspection_grid_recent'),
                ),
                migrations.AddConstraint(
                    model_name='inspection',
                    constraint=models.CheckConstraint(condition=models.Q(('ended_at__gte', models.F('started_at'))), name='inspection_end_after_start'),
                ),
                migrations.AddConstraint(
                    model_name='inspection',
                    constraint=models.CheckConstraint(condition=models.Q(('place', ''), _negated=True), name='inspection_place_not_blank'),
                ),
                migrations.AddConstraint(
                    model_name='inspection',
                    constraint=models.CheckConstraint(condition=models.Q(('fingerprint__regex', '^[0-9a-f]{64}$')), name='inspection_fingerprint_hex'),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
