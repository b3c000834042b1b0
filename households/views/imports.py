"""Import and export pages: upload, dry run, import with a progress bar, templates, exports."""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability, user_can
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from ..models import House, Household, ImportJob, Resident
from ..services import exporting, importing

PROBLEMS_SHOWN = 200
RECENT_JOBS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SizeCapUploadHandler(FileUploadHandler):
    """Stops taking an upload once it passes the import's size cap. The rest of the request is
    read and dropped (not cut off), so the browser gets the page that says why."""

    too_big = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > importing.MAX_FILE_BYTES:
            self.too_big = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=[(k, ImportJob.Kind(k).label) for k in reversed(ImportJob.Kind.values)],
        initial=ImportJob.Kind.ROSTER,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
        error_messages={"required": gettext_lazy("Choose the file to import.")},
    )


def _job_for_user(request, pk: int) -> ImportJob:
    """One of the user's own import jobs (any job for a superuser); 404 for anyone else's."""
    require_capability(request.user, Capability.IMPORT_REGISTER)
    jobs = (
        ImportJob.objects.all()
        if request.user.is_superuser
        else ImportJob.objects.filter(user=request.user)
    )
    try:
        return jobs.get(pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def _import_page(request, form: ImportForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "kinds": ImportJob.Kind.choices,
        "jobs": ImportJob.objects.filter(user=request.user).order_by("-created_at")[:RECENT_JOBS],
        "max_mb": importing.MAX_FILE_BYTES // (1024 * 1024),
        "can_export": exporting.user_may_export(request.user),
    }
    return render(request, "households/import_form.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@login_required
def import_create(request: HtmxHttpRequest) -> HttpResponse:
    """Upload a file: it is checked as a whole here, and row by row by a worker (the dry run).

    The size cap is enforced while the upload streams in, so the handler must be in place
    before anything reads the body, the CSRF check included (hence csrf_exempt here and
    csrf_protect on the inner view)."""
    require_capability(request.user, Capability.IMPORT_REGISTER)
    cap = SizeCapUploadHandler(request)
    if request.method == "POST":
        request.upload_handlers.insert(0, cap)
    return _import_create(request, cap)


@csrf_protect
def _import_create(request: HtmxHttpRequest, cap: SizeCapUploadHandler) -> HttpResponse:
    if request.method != "POST":
        # "Upload a corrected file" comes back with the kind of the file it corrects.
        kind = request.GET.get("kind")
        initial = {"kind": kind} if kind in ImportJob.Kind.values else {}
        return _import_page(request, ImportForm(initial=initial))
    form = ImportForm(request.POST, request.FILES)
    if cap.too_big:
        # The handler dropped the file, so the form would also say "choose the file": the
        # size is the one reason, shown beside the file box.
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", importing.too_big_message())
        return _import_page(request, form, status=400)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        job = importing.import_start(
            user=request.user,
            kind=form.cleaned_data["kind"],
            file_name=upload.name,
            data=upload.read(),
        )
    except ValidationError as error:
        form.add_error("file", error)
        return _import_page(request, form, status=400)
    return redirect("import-detail", job.pk)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def import_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The job's page; htmx polls its status part every second while a worker has the job."""
    job = _job_for_user(request, pk)
    progress = importing.read_progress(job.pk) if job.working else {}
    percent = 100 if job.status == ImportJob.Status.DONE else int(progress.get("percent") or 0)
    context = {
        "job": job,
        "percent": percent,
        "stage": progress.get("stage", ""),
        "problems": job.problems[:PROBLEMS_SHOWN],
        "problems_hidden": job.problem_count - min(len(job.problems), PROBLEMS_SHOWN),
        "summary": job.summary,
    }
    template = "households/import_detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, context)


@require_POST
@login_required
def import_apply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    try:
        importing.import_confirm(job=job)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("import-detail", job.pk)


@require_GET
@login_required
def import_problems(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Every problem the dry run listed, as CSV (with a BOM, so Chinese Excel opens it)."""
    job = _job_for_user(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    if job.error:
        writer.writerow(["", "", job.error])
    writer.writerows(job.problems)
    return response


def _kind_or_404(kind: str) -> str:
    if kind not in ImportJob.Kind.values:
        raise Http404
    return kind


@require_GET
@login_required
def import_template(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    require_capability(request.user, Capability.IMPORT_REGISTER)
    kind = _kind_or_404(kind)
    response = HttpResponse(exporting.template_workbook(kind=kind), content_type=XLSX)
    name = f"{importing.SHEET_TITLES[kind]}-template.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_GET
@login_required
def export_list(request: HtmxHttpRequest) -> HttpResponse:
    if not exporting.user_may_export(request.user):
        raise PermissionDenied
    counts = {
        ImportJob.Kind.RESIDENTS: exporting.exportable(
            request.user, Resident.objects.all()
        ).count(),
        ImportJob.Kind.HOUSEHOLDS: exporting.exportable(
            request.user, Household.objects.all()
        ).count(),
        ImportJob.Kind.HOUSES: exporting.exportable(request.user, House.objects.all()).count(),
    }
    context = {
        "kinds": [(kind, ImportJob.Kind(kind).label, count) for kind, count in counts.items()],
        "full_ids": user_can(request.user, Capability.REVEAL_ID_NUMBER),
        "full_phones": user_can(request.user, Capability.REVEAL_PHONE),
        "can_import": user_can(request.user, Capability.IMPORT_REGISTER),
    }
    return render(request, "households/export_list.html", context)


@require_GET
@login_required
def register_export(request: HtmxHttpRequest, kind: str) -> FileResponse:
    if not exporting.user_may_export(request.user):
        raise PermissionDenied
    kind = _kind_or_404(kind)
    if kind not in exporting.ROWS:  # the roster is an import format only
        raise Http404
    if kind == ImportJob.Kind.RESIDENTS:
        exporting.export_record_reveals(user=request.user, path=request.path)
    handle = exporting.export_workbook(user=request.user, kind=kind)
    return FileResponse(
        handle, as_attachment=True, filename=exporting.export_file_name(kind), content_type=XLSX
    )
