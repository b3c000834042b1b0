# Patrol inspections move to the patrols app (issue 15): their models leave grids' state only.
# The tables stay, with their data; patrols 0001 takes the models over under the same names.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0003_inspections'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='inspectionfinding',
                    name='inspection',
                ),
                migrations.RemoveField(
                    model_name='inspectionvisit',
                    name='inspection',
                ),
                migrations.RemoveField(
                    model_name='inspectionfinding',
                    name='order',
                ),
                migrations.RemoveField(
                    model_name='inspectionphoto',
                    name='finding',
                ),
                migrations.RemoveField(
                    model_name='inspectionvisit',
                    name='household',
                ),
                migrations.RemoveField(
                    model_name='visittarget',
                    name='grid',
                ),
                migrations.DeleteModel(
                    name='Inspection',
                ),
                migrations.DeleteModel(
                    name='InspectionFinding',
                ),
                migrations.DeleteModel(
                    name='InspectionPhoto',
                ),
                migrations.DeleteModel(
                    name='InspectionVisit',
                ),
                migrations.DeleteModel(
                    name='VisitTarget',
                ),
            ],
        ),
    ]
