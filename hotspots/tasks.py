from celery import shared_task

from grids.models import Town

from .services import analyse_all, analyse_town


@shared_task(name="hotspots.tasks.analyse_task")
def analyse_task(town_id: int | None = None) -> int:
    """Hourly for every town (beat), or one town on demand from the hotspots page."""
    if town_id is None:
        return analyse_all()
    town = Town.objects.filter(pk=town_id).first()
    return analyse_town(town=town).hotspots if town is not None else 0
