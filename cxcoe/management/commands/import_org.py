"""Import business units and people from CSV files, with the same checks and writes as the web import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxcoe import imports
from cxcoe.models import ImportJob, User


def _read(path: str | None) -> tuple[str, str]:
    if not path:
        return "", ""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text.") from exc
    if "\x00" in text:
        raise CommandError(f"{path} is not CSV text.")
    return Path(path).name, text


class Command(BaseCommand):
    help = ("Import business units and/or people from CSV (see the data README for the columns). Checks every "
            "row first; applies everything in one transaction, or nothing when a row has an error.")

    def add_arguments(self, parser):
        parser.add_argument("--units", metavar="FILE", help="business units CSV")
        parser.add_argument("--people", metavar="FILE", help="people CSV")
        parser.add_argument("--deactivate-missing", action="store_true",
                            help="deactivate active people who are not in the people file")
        parser.add_argument("--dry-run", action="store_true",
                            help="check and show what would change; the preview stays for the web page to apply")
        parser.add_argument("--as", dest="actor", metavar="EMAIL",
                            help="the person the audit log names (default: the system)")

    def handle(self, *args, units=None, people=None, deactivate_missing=False, dry_run=False, actor=None, **options):
        if not units and not people:
            raise CommandError("Give --units FILE, --people FILE, or both.")
        if deactivate_missing and not people:
            raise CommandError("--deactivate-missing needs --people: without it, everyone would be missing.")
        by = None
        if actor:
            by = User.objects.filter(email__iexact=actor.strip()).first()
            if by is None:
                raise CommandError(f"No person with the email {actor}.")
        units_name, units_text = _read(units)
        people_name, people_text = _read(people)
        job = imports.create_import(by=by, units_name=units_name, units_text=units_text, people_name=people_name,
                                    people_text=people_text, deactivate_missing=deactivate_missing)
        job = imports.validate_import(job_id=job.pk)
        self._check(job)
        if dry_run:
            self._counts(job, heading="Would change (dry run, nothing written):")
            self.stdout.write(f"The preview is saved as import #{job.pk}; apply it on its web page or run again "
                              "without --dry-run.")
            return
        imports.claim_apply(job=job, by=by)
        job = imports.apply_import(job_id=job.pk)
        self._check(job)
        self._counts(job, heading=f"Applied import #{job.pk}:")

    def _check(self, job: ImportJob) -> None:
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import #{job.pk} failed, nothing was changed: {job.failure}")
        if job.status == ImportJob.Status.INVALID:
            for error in job.errors:
                where = f"{error['file']}:{error['line']}" if error["line"] else error["file"] or "import"
                column = f" [{error['column']}]" if error["column"] else ""
                self.stderr.write(f"{where}{column}: {error['message']}")
            if job.error_count > len(job.errors):
                self.stderr.write(f"… and {job.error_count - len(job.errors)} more.")
            raise CommandError(f"Import #{job.pk} has {job.error_count} error(s); nothing was changed.")

    def _counts(self, job: ImportJob, *, heading: str) -> None:
        summary = job.summary
        self.stdout.write(heading)
        for kind in ("units", "people", "leaders", "roles"):
            counts = summary.get(kind, {})
            self.stdout.write(f"  {kind:8} " + ", ".join(f"{name} {count}" for name, count in counts.items()))
        if summary.get("deactivated_sample"):
            self.stdout.write("  deactivated: " + ", ".join(summary["deactivated_sample"])
                              + (" …" if summary["people"]["deactivated"] > len(summary["deactivated_sample"]) else ""))
