from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cxcoe import imports
from cxcoe.models import COE_STAFF_GROUP, AuditEvent, BusinessUnit, ImportJob, User
from cxcoe.people import services
from tests.factories import BusinessUnitFactory, UserFactory

DATA = Path(__file__).resolve().parent.parent / "data"
UNITS_HEADER = "code,name,parent_code,leader_emails\n"
PEOPLE_HEADER = "email,display_name,bu_code,job_title,roles\n"


def sample(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


def check(*, by, units: str = "", people: str = "", deactivate_missing: bool = False) -> ImportJob:
    job = imports.create_import(by=by, units_name="business_units.csv" if units else "", units_text=units,
                                people_name="people.csv" if people else "", people_text=people,
                                deactivate_missing=deactivate_missing)
    return imports.validate_import(job_id=job.pk)


def apply(job: ImportJob, *, by) -> ImportJob:
    assert imports.claim_apply(job=job, by=by)
    return imports.apply_import(job_id=job.pk)


def run(*, by, units: str = "", people: str = "", deactivate_missing: bool = False) -> ImportJob:
    job = check(by=by, units=units, people=people, deactivate_missing=deactivate_missing)
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    return apply(job, by=by)


def db_state():
    """Everything an import can write, except the ImportJob rows themselves."""
    return (
        list(BusinessUnit.objects.order_by("code").values_list("code", "name", "parent__code", "path", "depth")),
        list(User.objects.order_by("email").values_list("email", "display_name", "business_unit__code", "job_title",
                                                        "is_active", "password")),
        list(BusinessUnit.leaders.through.objects.order_by("businessunit__code", "user__email")
             .values_list("businessunit__code", "user__email")),
        list(User.groups.through.objects.order_by("user__email").values_list("user__email", "group__name")),
        list(AuditEvent.objects.order_by("pk").values_list("verb", "target_id")),
    )


def leader_emails(code: str) -> set[str]:
    return set(BusinessUnit.objects.get(code=code).leaders.values_list("email", flat=True))


def staff_emails() -> set[str]:
    return set(User.objects.filter(groups__name=COE_STAFF_GROUP).values_list("email", flat=True))


def test_sample_files_create_the_whole_organization(olivia):
    job = run(by=olivia, units=sample("business_units.csv"), people=sample("people.csv"))

    assert job.status == ImportJob.Status.DONE
    assert job.summary["units"] == {"created": 30, "updated": 1, "unchanged": 0}  # ACME came from the fixture
    assert job.summary["people"] == {"created": 60, "updated": 0, "unchanged": 0, "reactivated": 0, "deactivated": 0}
    assert job.summary["leaders"] == {"added": 28, "removed": 0}
    assert job.summary["roles"] == {"granted": 1, "revoked": 0}
    assert BusinessUnit.objects.count() == 31
    assert BusinessUnit.objects.get(code="ACME").name == "Acme Communications"
    team = BusinessUnit.objects.get(code="SAL-01-T001")
    assert (team.path, team.depth, team.parent.code) == ("/ACME/SAL/SAL-01/SAL-01-T001/", 3, "SAL-01")
    assert BusinessUnit.objects.get(code="SAL").path == "/ACME/SAL/"
    assert leader_emails("SAL") == {"lina.novak@acme.example"}
    assert leader_emails("PRD-01") == leader_emails("PRD-02") == {"yusuf.olsen@acme.example"}
    assert leader_emails("SAL-01-T001") == set()
    priya = User.objects.get(email="priya.ahmed@acme.example")
    assert (priya.display_name, priya.business_unit.code, priya.job_title) == ("Priya Ahmed", "SAL-01-T001",
                                                                              "Account Executive")
    assert priya.is_active
    assert not priya.has_usable_password()
    assert staff_emails() == {"olivia@acme.example", "yara.jensen@acme.example"}
    assert list(AuditEvent.objects.filter(verb="role.granted").values_list("target_label", "actor")) == [
        ("Yara Jensen", olivia.pk)]
    applied = AuditEvent.objects.get(verb="import.applied")
    assert (applied.target_id, applied.actor, applied.details) == (str(job.pk), olivia, job.summary)
    assert job.applied_by == olivia
    assert job.finished_at is not None


def test_reimporting_the_same_files_changes_nothing(olivia):
    run(by=olivia, units=sample("business_units.csv"), people=sample("people.csv"))
    before = db_state()

    again = run(by=olivia, units=sample("business_units.csv"), people=sample("people.csv"))

    assert again.summary["units"] == {"created": 0, "updated": 0, "unchanged": 31}
    assert again.summary["people"] == {"created": 0, "updated": 0, "unchanged": 60, "reactivated": 0,
                                       "deactivated": 0}
    assert again.summary["leaders"] == {"added": 0, "removed": 0}
    assert again.summary["roles"] == {"granted": 0, "revoked": 0}
    assert imports.describe_changes(again.summary) == []
    after = db_state()
    assert after[:4] == before[:4]
    assert after[4] == [*before[4], ("import.applied", str(again.pk))]


def test_a_dry_run_writes_nothing_but_the_job(olivia):
    before = db_state()

    job = check(by=olivia, units=sample("business_units.csv"), people=sample("people.csv"),
                deactivate_missing=True)

    assert job.status == ImportJob.Status.PREVIEW
    assert job.summary["units"]["created"] == 30
    assert job.summary["people"]["created"] == 60
    assert job.summary["people"]["deactivated"] == 0  # olivia runs it, so she stays
    assert imports.describe_changes(job.summary)[:3] == ["create 30 business units", "update 1 business unit",
                                                        "create 60 people"]
    assert db_state() == before


def test_upper_and_lower_case_keys_a_bom_and_shuffled_columns_are_accepted(olivia, sales):
    units = "\ufeffName,CODE,Parent_Code\nNew team,sal-09,sal\n"
    people = "Bu_Code ,EMAIL,display_name\nsal-09,Nina.Gray@Acme.Example,Nina Gray\n"

    job = run(by=olivia, units=units, people=people)

    assert job.status == ImportJob.Status.DONE
    nina = User.objects.get(email="nina.gray@acme.example")
    assert nina.business_unit.path == "/ACME/SAL/SAL-09/"
    assert nina.job_title == ""


BAD_ROWS = {
    "a required column is missing": (
        "", "email,display_name,job_title\nnew@acme.example,New,Analyst\n", [("people.csv", 1, "bu_code")]),
    "an unknown column": (
        "", "email,display_name,bu_code,active\nnew@acme.example,New,SAL,yes\n", [("people.csv", 1, "active")]),
    "an invalid unit code": (
        "code,name\nNEW,New unit\nSAL 02,Bad code\n", "", [("business_units.csv", 3, "code")]),
    "a unit code twice (in any case)": (
        "code,name\nNEW,New unit\nnew,Again\n", "", [("business_units.csv", 3, "code")]),
    "an empty unit name": (
        "code,name\nNEW,New unit\nNEW2,\n", "", [("business_units.csv", 3, "name")]),
    "a unit name that is too long": (
        f"code,name\nNEW,New unit\nNEW2,{'x' * 201}\n", "", [("business_units.csv", 3, "name")]),
    "an unknown parent": (
        "code,name,parent_code\nNEW,New unit,SAL\nNEW2,Orphan,NOPE\n", "", [("business_units.csv", 3, "parent_code")]),
    "a unit as its own parent": (
        "code,name,parent_code\nNEW,New unit,NEW\n", "", [("business_units.csv", 2, "parent_code")]),
    "a loop inside the file": (
        "code,name,parent_code\nNEW,New unit,SAL\nLOOPA,A,LOOPB\nLOOPB,B,LOOPA\n", "",
        [("business_units.csv", 3, "parent_code"), ("business_units.csv", 4, "parent_code")]),
    "a loop through the database": (
        "code,name,parent_code\nNEW,New unit,SAL\nSAL,Sales,SAL-01\n", "", [("business_units.csv", 3, "parent_code")]),
    "an unknown leader": (
        "code,name,leader_emails\nNEW,New unit,leo@acme.example\nNEW2,Other,leo@acme.example;nobody@acme.example\n",
        "", [("business_units.csv", 3, "leader_emails")]),
    "an invalid leader email": (
        "code,name,leader_emails\nNEW,New unit,leo@acme.example\nNEW2,Other,not-an-email\n", "",
        [("business_units.csv", 3, "leader_emails")]),
    "an invalid email": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nnew.acme.example,Bad,SAL,,\n", [("people.csv", 3, "email")]),
    "an email twice (in any case)": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nNEW@acme.example,Again,SAL,,\n", [("people.csv", 3, "email")]),
    "an empty name": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nnew2@acme.example,,SAL,,\n",
        [("people.csv", 3, "display_name")]),
    "a name that is too long": (
        "", PEOPLE_HEADER + f"new@acme.example,New,SAL,,\nnew2@acme.example,{'x' * 151},SAL,,\n",
        [("people.csv", 3, "display_name")]),
    "a job title that is too long": (
        "", PEOPLE_HEADER + f"new@acme.example,New,SAL,,\nnew2@acme.example,New 2,SAL,{'x' * 151},\n",
        [("people.csv", 3, "job_title")]),
    "an empty unit code": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nnew2@acme.example,New 2,,,\n", [("people.csv", 3, "bu_code")]),
    "an unknown unit": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nnew2@acme.example,New 2,NOPE,,\n",
        [("people.csv", 3, "bu_code")]),
    "an unknown role": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nnew2@acme.example,New 2,SAL,,coe_staff;admin\n",
        [("people.csv", 3, "roles")]),
    "too many values on a line": (
        "", PEOPLE_HEADER + "new@acme.example,New,SAL,,\nnew2@acme.example,New 2,SAL,,,extra\n",
        [("people.csv", 3, "")]),
    "line numbers count quoted line breaks and blank lines": (
        "", PEOPLE_HEADER + 'new@acme.example,New,SAL,"Two\nlines",\n\nnew2@acme.example,New 2,NOPE,,\n',
        [("people.csv", 5, "bu_code")]),
    "a unit in neither file nor cxcoe": (
        "code,name,parent_code\nNEW,New unit,SAL\n", "email,display_name,bu_code\nnew@acme.example,New,NEW2\n",
        [("people.csv", 2, "bu_code")]),
}


@pytest.mark.parametrize(("units", "people", "expected"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_reported_by_file_line_and_column_and_nothing_changes(olivia, leo, enterprise_sales, units,
                                                                            people, expected):
    before = db_state()

    job = check(by=olivia, units=units, people=people)

    assert job.status == ImportJob.Status.INVALID
    assert [(error["file"], error["line"], error["column"]) for error in job.errors] == expected
    assert job.error_count == len(expected)
    assert all(error["message"] for error in job.errors)
    assert not imports.claim_apply(job=job, by=olivia)
    assert db_state() == before


def test_every_error_is_counted_but_only_the_first_500_are_kept(olivia, sales):
    people = PEOPLE_HEADER + "".join(f"bad-{n},Bad,SAL,,\n" for n in range(600))

    job = check(by=olivia, people=people)

    assert job.error_count == 600
    assert len(job.errors) == imports.MAX_STORED_ERRORS
    assert job.errors[0]["line"] == 2


def test_deactivating_missing_people_needs_their_leaders_in_the_file(olivia, leo, sales):
    units = "code,name,leader_emails\nSAL,Sales,leo@acme.example\n"
    people = PEOPLE_HEADER + "eve@acme.example,Eve Walker,SAL,,\n"

    job = check(by=olivia, units=units, people=people, deactivate_missing=True)

    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "leader_emails")]


def test_deactivating_missing_people_needs_a_people_file(olivia, sales):
    job = check(by=olivia, units="code,name\nSAL,Sales\n", deactivate_missing=True)

    assert job.status == ImportJob.Status.INVALID
    assert job.errors[0]["file"] == ""


def test_apply_checks_again_and_writes_nothing_when_the_database_changed(olivia, sales):
    temporary = BusinessUnitFactory(code="TEMP", parent=sales)
    job = check(by=olivia, people=PEOPLE_HEADER + "new@acme.example,New,TEMP,,\n")
    assert job.status == ImportJob.Status.PREVIEW
    temporary.delete()
    before = db_state()

    job = apply(job, by=olivia)

    assert job.status == ImportJob.Status.INVALID
    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "bu_code")]
    assert db_state() == before


def test_an_unexpected_error_rolls_everything_back_and_marks_the_job_failed(olivia, leo, sales, monkeypatch):
    job = check(by=olivia, people=PEOPLE_HEADER + "new@acme.example,New,SAL,,coe_staff\n", deactivate_missing=True)
    before = db_state()

    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    # Fault injection: the crash comes after units, people and roles are written, in the last step.
    monkeypatch.setattr(services, "deactivate_people", crash)
    job = apply(job, by=olivia)

    assert job.status == ImportJob.Status.FAILED
    assert job.failure == "RuntimeError: disk on fire"
    assert db_state() == before


def test_deactivating_missing_people_ends_their_sessions(client, olivia, leo, eve, sales):
    client.force_login(leo)
    assert client.get("/").status_code == 200
    people = PEOPLE_HEADER + "eve@acme.example,Eve Walker,SUP,Support Specialist,\n"

    job = run(by=olivia, people=people, deactivate_missing=True)

    assert job.summary["people"]["deactivated"] == 1
    assert job.summary["deactivated_sample"] == ["leo@acme.example"]
    leo.refresh_from_db()
    assert not leo.is_active
    assert leo.deactivated_at is not None
    assert User.objects.get(pk=olivia.pk).is_active
    assert User.objects.get(pk=eve.pk).is_active
    event = AuditEvent.objects.get(verb="person.deactivated")
    assert (event.target_id, event.actor, event.details) == (
        str(leo.pk), olivia, {"reason": f"Missing from import #{job.pk}", "no_longer_leads": ["SAL"]}
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_deactivating_missing_people_spares_site_admins(olivia, eve, sales):
    admin = UserFactory(email="root@acme.example", is_superuser=True, is_staff=True, business_unit=sales)
    people = PEOPLE_HEADER + "eve@acme.example,Eve Walker,SUP,Support Specialist,\n"

    job = run(by=olivia, people=people, deactivate_missing=True)

    assert job.summary["people"]["deactivated"] == 0
    assert User.objects.get(pk=admin.pk).is_active


def test_people_in_the_file_who_were_deactivated_are_reactivated(olivia, eve):
    services.deactivate_person(person=eve, by=olivia)

    job = run(by=olivia, people=PEOPLE_HEADER + "eve@acme.example,Eve Walker,SUP,Support Specialist,\n")

    assert job.summary["people"]["reactivated"] == 1
    eve.refresh_from_db()
    assert eve.is_active
    assert eve.deactivated_at is None
    assert AuditEvent.objects.filter(verb="person.reactivated", target_id=str(eve.pk)).count() == 1


def test_only_a_full_import_revokes_the_coe_staff_role_and_never_from_whoever_runs_it(olivia, eve):
    colleague = UserFactory(email="cora@acme.example", display_name="Cora Lind", business_unit=eve.business_unit,
                            coe_staff=True)
    people = PEOPLE_HEADER + "".join(f"{p.email},{p.display_name},{p.business_unit.code},,\n"
                                     for p in (olivia, eve, colleague))

    partial = run(by=olivia, people=people)
    assert partial.summary["roles"] == {"granted": 0, "revoked": 0}
    assert staff_emails() == {"olivia@acme.example", "cora@acme.example"}

    full = run(by=olivia, people=people, deactivate_missing=True)

    assert full.summary["roles"] == {"granted": 0, "revoked": 1}
    assert staff_emails() == {"olivia@acme.example"}
    event = AuditEvent.objects.get(verb="role.revoked")
    assert (event.target_id, event.actor, event.details["role"]) == (str(colleague.pk), olivia, COE_STAFF_GROUP)


def test_moving_a_unit_moves_everything_below_it(olivia, amir, enterprise_sales, support):
    units = "code,name,parent_code\nSAL,Sales,SUP\nSAL-01-T1,New team,SAL-01\n"

    job = run(by=olivia, units=units)

    assert job.summary["units"] == {"created": 1, "updated": 1, "unchanged": 0}
    paths = dict(BusinessUnit.objects.values_list("code", "path"))
    assert paths["SAL"] == "/ACME/SUP/SAL/"
    assert paths["SAL-01"] == "/ACME/SUP/SAL/SAL-01/"
    assert paths["SAL-01-T1"] == "/ACME/SUP/SAL/SAL-01/SAL-01-T1/"
    assert BusinessUnit.objects.get(code="SAL-01-T1").depth == 4
    assert BusinessUnit.objects.get(code="SAL-01").depth == 3
    assert set(support.subtree().values_list("code", flat=True)) == {"SUP", "SAL", "SAL-01", "SAL-01-T1"}


def test_the_leaders_in_the_file_replace_a_units_leaders(olivia, leo, eve, sales):
    job = run(by=olivia, units="code,name,leader_emails\nSAL,Sales,eve@acme.example\n")

    assert job.summary["leaders"] == {"added": 1, "removed": 1}
    assert leader_emails("SAL") == {"eve@acme.example"}


def test_a_file_without_an_optional_column_leaves_that_field_alone(olivia, leo, sales):
    job = run(by=olivia, units="code,name\nSAL,Sales\n",
              people="email,display_name,bu_code\nleo@acme.example,Leo Marsh,SAL\n")

    assert job.summary["units"]["unchanged"] == 1
    assert job.summary["people"]["unchanged"] == 1
    assert leader_emails("SAL") == {"leo@acme.example"}
    assert User.objects.get(pk=leo.pk).job_title == "VP Sales"


def test_validation_writes_progress_for_the_web_page(olivia, sales, monkeypatch):
    seen = []
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    original = imports._Progress._write

    def spy(self):
        original(self)
        seen.append(imports.read_progress(ImportJob(pk=self.job_id)))

    monkeypatch.setattr(imports._Progress, "_write", spy)

    run(by=olivia, people=PEOPLE_HEADER + "".join(f"p{n}@acme.example,P {n},SAL,,\n" for n in range(5)))

    assert {"phase": "checking", "done": 4, "total": 6, "percent": 66, "label": "Checking rows"} in seen
    assert any(progress["phase"] == "people" for progress in seen)


def test_the_command_imports_and_prints_the_counts(olivia, tmp_path):
    out = StringIO()

    call_command("import_org", "--units", str(DATA / "business_units.csv"), "--people", str(DATA / "people.csv"),
                 "--as", "OLIVIA@acme.example", stdout=out)

    assert "Applied import" in out.getvalue()
    assert "people   created 60" in out.getvalue()
    assert User.objects.count() == 61
    job = ImportJob.objects.get()
    assert (job.status, job.created_by, job.applied_by) == (ImportJob.Status.DONE, olivia, olivia)


def test_the_command_dry_run_changes_nothing(olivia):
    before = db_state()
    out = StringIO()

    call_command("import_org", "--people", str(DATA / "people.csv"), "--units", str(DATA / "business_units.csv"),
                 "--dry-run", stdout=out)

    assert "dry run" in out.getvalue()
    assert db_state() == before
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEW


def test_the_command_runs_as_the_system_without_as(olivia, eve):
    out = StringIO()
    call_command("import_org", "--units", str(DATA / "business_units.csv"), "--people", str(DATA / "people.csv"),
                 "--deactivate-missing", stdout=out)

    job = ImportJob.objects.get()
    assert job.created_by is None
    assert job.status == ImportJob.Status.DONE
    assert not User.objects.get(pk=olivia.pk).is_active  # nobody is protected when the system runs it
    assert AuditEvent.objects.get(verb="import.applied").actor is None


def test_the_command_prints_errors_and_fails(olivia, sales, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE_HEADER + "new@acme.example,New,SAL,,\nbad,Bad,NOPE,,\n", encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match="2 error"):
        call_command("import_org", "--people", str(people), stdout=StringIO(), stderr=err)

    assert "people.csv:3 [email]" in err.getvalue()
    assert "people.csv:3 [bu_code]" in err.getvalue()
    assert not User.objects.filter(email="new@acme.example").exists()


def test_exports_import_back_unchanged_even_with_formula_like_names(client, olivia, leo, amir, sales):
    UserFactory(email="eq@acme.example", display_name="=1+2 Team", business_unit=sales)
    client.force_login(olivia)
    units = b"".join(client.get(reverse("unit-export")).streaming_content).decode()
    people = b"".join(client.get(reverse("person-export")).streaming_content).decode()
    assert "'=1+2 Team" in people

    job = check(by=olivia, units=units, people=people)

    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert job.summary["people"]["updated"] == 0
    assert job.summary["units"]["updated"] == 0
    assert imports.describe_changes(job.summary) == []


def test_leader_changes_from_an_import_are_audited_per_unit(olivia, leo, amir, sales):
    units = UNITS_HEADER + "SAL,Sales,ACME,amir@acme.example\n"

    run(by=olivia, units=units)

    event = AuditEvent.objects.get(verb="role.leaders_changed", target_id=str(sales.pk))
    assert event.details["added"] == ["amir@acme.example"]
    assert event.details["removed"] == ["leo@acme.example"]
    assert event.actor == olivia


def test_a_stuck_import_can_be_cancelled(olivia, time_machine):
    job = imports.create_import(by=olivia, people_name="people.csv", people_text=PEOPLE_HEADER)
    assert not imports.cancel_import(job=job, by=olivia)
    time_machine.move_to(job.created_at + timedelta(hours=2))
    assert imports.cancel_import(job=job, by=olivia)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
