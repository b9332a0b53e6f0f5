"""The standards part of the demo organization: principles, standards in every state, acknowledgements
partly done, and two communication plans. Called by `manage.py seed_demo` through StandardsConfig.seed_demo.

Every write goes through the services (standards/services/), so the audit log tells the same story as the pages. The
services only act "now": where the story needs the past (a standard published months ago, an
acknowledgement deadline already missed), the dates are moved back right after the service call, and each
place says so.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.utils import timezone

from cxcoe.models import BusinessUnit, User

from .models import (
    Acknowledgement,
    AudienceRole,
    Communication,
    CommunicationPlan,
    Principle,
    Standard,
    StandardVersion,
)
from .services.acknowledgements import acknowledge_standard
from .services.catalogue import create_standard, retire_standard
from .services.plans import create_communication, create_plan, send_communication, set_communication_status
from .services.principles import create_principle
from .services.versions import approve_version, save_draft, send_back, start_revision, submit_version

OLIVIA, LEO, NADIA = "olivia@acme.example", "leo@acme.example", "nadia@acme.example"
EVE, AMIR, BIANCA = "eve@acme.example", "amir@acme.example", "bianca@acme.example"

PRINCIPLES = [
    {
        "title": "We make it easy",
        "statement": "Customers get what they came for with as little effort as possible, on the channel they chose.",
        "explanation": (
            "Effort is the strongest predictor of disloyalty we measure. Every extra form, transfer or "
            "\u201cplease call back later\u201d is a reason to leave.\n\n"
            "Making it easy is **everyone's** job: the billing letter, the web form and the phone call are one "
            "experience to the customer."
        ),
        "examples": (
            "- Ask for information **once**, and reuse what we already know.\n"
            "- Write letters and emails in plain words; a customer should never need to call us to understand us.\n"
            "- Fix the cause of a repeated question, not only the question: tell the CoE what keeps coming back."
        ),
    },
    {
        "title": "We know our customers",
        "statement": "We understand who our customers are, what they are trying to do and what they have already "
                     "told us.",
        "explanation": (
            "Customers expect us to remember them. When they have to repeat themselves, they feel like a ticket "
            "number.\n\n"
            "Knowing customers also means knowing **why** they contact us: every contact reason we record is "
            "data for improving the journey."
        ),
        "examples": (
            "- Read the account history before calling a customer back.\n"
            "- Record the reason for every contact with the shared list of reasons.\n"
            "- Join at least one customer interview or support listening session a quarter."
        ),
    },
    {
        "title": "We keep our promises",
        "statement": "When we tell a customer we will do something, we do it, by the time we said.",
        "explanation": (
            "Trust is built one kept promise at a time and lost with one broken one. Most complaints we receive "
            "are not about the original problem but about a call-back that never came.\n\n"
            "Only promise what you control, and when a promise can't be kept, say so **before** the deadline."
        ),
        "examples": (
            "- Give a time, not \u201csoon\u201d: *\u201cI will call you back by 3 pm tomorrow.\u201d*\n"
            "- Put every promise in the customer record so a colleague can keep it if you are away.\n"
            "- Call before the deadline when something slips, with a new date you can keep."
        ),
    },
    {
        "title": "We own the whole journey",
        "statement": "Whoever the customer reaches owns the problem until it is solved, even when other teams do "
                     "the work.",
        "explanation": (
            "Customers don't see our org chart. A hand-over between teams is where most journeys break: "
            "context is lost and nobody feels responsible.\n\n"
            "Owning the journey does not mean doing everything yourself; it means making sure it gets done and "
            "that the customer knows what happens next."
        ),
        "examples": (
            "- Warm hand-overs: introduce the customer and the case to the colleague who takes over.\n"
            "- Check the case is closed, from the customer's point of view, before you close it.\n"
            "- Invite the other teams of a journey to its review."
        ),
    },
    {
        "title": "We learn from every voice",
        "statement": "Every piece of feedback, from customers and from colleagues, is a chance to get better, and "
                     "we show what we changed.",
        "explanation": (
            "Surveys, complaints, compliments and frontline ideas only matter when they lead to action. "
            "Closing the loop, telling people what we changed because of them, is what makes them speak "
            "up again."
        ),
        "examples": (
            "- Call back every detractor within two working days.\n"
            "- Share one customer insight in every team meeting.\n"
            "- Publish a short \u201cyou said, we did\u201d note each quarter."
        ),
    },
]

# code -> how the standard came about. "state" is one of draft, submitted, sent_back, published, retired,
# three_versions. "days_ago" is when its (last) version took effect; "ack" the share of its audience who have
# acknowledged it, as (n, every): n people out of each group of `every`, in email order.
STANDARDS: list[dict[str, Any]] = [
    {
        "code": "CX-STD-001", "principle": 0, "state": "published", "days_ago": 25, "ack": (1, 2),
        "owner": OLIVIA, "author": OLIVIA, "approver": NADIA, "units": [], "requires_ack": True,
        "keep_pending": [EVE, AMIR],
        "title": "Write to customers in plain language",
        "statement": "Every letter, email and web page a customer reads uses short sentences and everyday words, "
                     "and says what happens next and what the customer needs to do.",
        "rationale_customers": "Customers understand us the first time and don't have to call to ask what we "
                               "meant.",
        "rationale_employees": "Fewer \u201cwhat does this letter mean?\u201d calls, and templates everyone can "
                               "reuse.",
        "rationale_business": "Unclear letters cause about one in eight support calls; each avoided call saves "
                              "money.",
        "metric": "Share of customer templates scoring 60+ on the readability check",
        "target": "90% of active templates",
        "data_source": "Quarterly template audit by the CoE",
    },
    {
        "code": "CX-STD-002", "principle": 2, "state": "three_versions", "days_ago": 10, "ack": (1, 2),
        "owner": NADIA, "author": NADIA, "approver": None, "units": ["SUP"], "requires_ack": True,
        "keep_pending": [EVE, BIANCA],
        "title": "Reply to every customer message within one working day",
        "statement": "Every email, web form and chat message from a customer gets a personal reply within one "
                     "working day, even when the full answer takes longer.",
        "rationale_customers": "Customers know their message arrived and when to expect an answer.",
        "rationale_employees": "A clear target makes queues easier to plan and to share between teams.",
        "rationale_business": "Customers who wait more than a day contact us again, which doubles the cost of "
                              "the case.",
        "metric": "Share of customer messages with a first reply within one working day",
        "target": "90% or more every week",
        "data_source": "Helpdesk weekly service report",
    },
    {
        "code": "CX-STD-003", "principle": 2, "state": "published", "days_ago": 50, "ack": (2, 3),
        "owner": LEO, "author": LEO, "approver": None, "units": ["SAL"], "requires_ack": True,
        # Published 50 days ago with 30 days to acknowledge: the deadline passed 20 days ago, beyond the
        # escalation threshold, so pending people get overdue reminders and their leaders an escalation.
        "keep_pending": [AMIR],
        "title": "Call back when we said we would",
        "statement": "When we promise a customer a call-back, we agree a time with them, record it in the CRM, "
                     "and call at that time. If we can't, we warn the customer before it.",
        "rationale_customers": "Customers can plan their day and don't sit waiting for a call that never "
                               "comes.",
        "rationale_employees": "Promises in the CRM can be kept by a colleague when the account owner is away.",
        "rationale_business": "Missed call-backs are the first reason for complaints in Sales and a known "
                              "driver of lost renewals.",
        "metric": "Share of promised call-backs made within 15 minutes of the agreed time",
        "target": "95%",
        "data_source": "CRM call-back tasks, monthly export",
    },
    {
        "code": "CX-STD-004", "principle": 1, "state": "published", "days_ago": 200,
        "owner": LEO, "author": LEO, "approver": None, "units": ["SAL"], "requires_ack": False,
        "title": "Read the account history before every customer call",
        "statement": "Before calling a customer, read the last three contacts and any open case in the CRM, so "
                     "the customer never has to repeat themselves.",
        "rationale_customers": "Customers are recognised and don't have to tell their story twice.",
        "rationale_employees": "Calls are shorter and less awkward when you know what happened last time.",
        "rationale_business": "Repeating information is the top effort driver in our relationship survey.",
        "metric": "\u201cI had to repeat myself\u201d answers in the relationship survey",
        "target": "Below 10% of answers",
        "data_source": "Relationship survey, quarterly",
    },
    {
        "code": "CX-STD-005", "principle": 3, "state": "published", "days_ago": 12, "ack": (1, 3),
        "owner": OLIVIA, "author": OLIVIA, "approver": LEO, "units": [], "requires_ack": True,
        "title": "Hand over with context, never a cold transfer",
        "statement": "When another team must take over, introduce the customer and their case to the colleague, "
                     "write the summary in the case, and tell the customer who will contact them and when.",
        "rationale_customers": "Customers don't start again from zero with every team.",
        "rationale_employees": "The next colleague gets what they need to help, without chasing anyone.",
        "rationale_business": "Cases with a warm hand-over close 30% faster in the pilot teams.",
        "metric": "Share of transferred cases with a hand-over note",
        "target": "85% or more",
        "data_source": "Case management system, hand-over field",
    },
    {
        "code": "CX-STD-006", "principle": 4, "state": "published", "days_ago": 5, "ack": (1, 2),
        "owner": OLIVIA, "author": OLIVIA, "approver": LEO, "units": [], "role": AudienceRole.LEADERS,
        "requires_ack": True,
        "title": "Leaders close the loop with every detractor in their units",
        "statement": "Each unit leader makes sure every customer who scored us 0 to 6 is called back within two "
                     "working days, and reviews the themes with their team every month.",
        "rationale_customers": "Unhappy customers are heard by someone who can change things.",
        "rationale_employees": "Teams see that feedback leads to action, not only to a score.",
        "rationale_business": "Detractors who get a call-back are twice as likely to renew.",
        "metric": "Detractors called back within two working days",
        "target": "80% or more",
        "data_source": "Survey platform closed-loop report",
    },
    {
        "code": "CX-STD-007", "principle": 1, "state": "draft",
        "owner": NADIA, "author": NADIA, "approver": None, "units": ["SUP"], "requires_ack": True,
        "title": "Record the reason for every contact",
        "statement": "Choose a contact reason from the shared list for every call, chat and email before closing "
                     "it. *Draft: the list of reasons is being agreed with Digital.*",
        "rationale_customers": "",
        "rationale_employees": "",
        "rationale_business": "We can only remove the reasons customers contact us if we know them.",
        "metric": "Contacts with a reason recorded",
        "target": "",
        "data_source": "",
    },
    {
        "code": "CX-STD-008", "principle": 0, "state": "submitted",
        "owner": OLIVIA, "author": OLIVIA, "approver": LEO, "units": ["SAL"], "requires_ack": True,
        "title": "Send quotes customers can read in two minutes",
        "statement": "Every quote starts with a one-page summary: what the customer gets, what it costs each "
                     "month, and what happens after they sign.",
        "rationale_customers": "Customers can compare and decide without calling us to decode the quote.",
        "rationale_employees": "Fewer back-and-forth emails before a deal closes.",
        "rationale_business": "Clear quotes shorten the sales cycle and reduce billing disputes later.",
        "metric": "Quotes sent with the one-page summary",
        "target": "95%",
        "data_source": "Quote tool usage report",
    },
    {
        "code": "CX-STD-009", "principle": 3, "state": "sent_back",
        "owner": OLIVIA, "author": OLIVIA, "approver": NADIA, "units": ["SUP"], "requires_ack": True,
        "title": "Own the problem until it is solved",
        "statement": "The first person a customer reaches stays their contact until the problem is solved.",
        "rationale_customers": "One person to talk to, who knows the whole story.",
        "rationale_employees": "",
        "rationale_business": "Fewer repeat contacts.",
        "metric": "Cases reopened within 30 days",
        "target": "",
        "data_source": "",
        "comment": "The idea is right, but as written it means a Tier 1 specialist follows every field visit. "
                   "Please say what \u201cstays their contact\u201d means when Field Service takes over, add a "
                   "target, and fill in why it matters to employees.",
    },
    {
        "code": "CX-STD-010", "principle": 2, "state": "retired", "days_ago": 400,
        "owner": NADIA, "author": NADIA, "approver": None, "units": ["SUP-FLD"], "requires_ack": False,
        "title": "Phone every customer the day before a field visit",
        "statement": "A technician or coordinator phones the customer the day before each visit to confirm the "
                     "time window.",
        "rationale_customers": "Customers know when we are coming and can be at home.",
        "rationale_employees": "Fewer wasted trips.",
        "rationale_business": "Missed appointments cost a technician hour each.",
        "metric": "Visits confirmed the day before",
        "target": "98%",
        "data_source": "Field scheduling system",
        "note": "Replaced by the automatic text message confirmations in the field app.",
    },
    {
        "code": "CX-STD-011", "principle": 4, "state": "published", "days_ago": 340,
        "owner": NADIA, "author": NADIA, "approver": None, "units": [], "requires_ack": False,
        "title": "Share one customer insight in every team meeting",
        "statement": "Each team meeting starts with one thing we learned from a customer this week: a "
                     "complaint, a compliment, a survey comment or an idea from the front line.",
        "rationale_customers": "What customers tell us reaches the people who can act on it.",
        "rationale_employees": "Everyone sees the customer's side, not only the frontline teams.",
        "rationale_business": "Cheap, regular and visible: the habit that keeps CX from fading.",
        "metric": "Teams reporting an insight in at least three meetings a month",
        "target": "75% of teams",
        "data_source": "Ambassador monthly check-in",
    },
    {
        "code": "CX-STD-012", "principle": 0, "state": "published", "days_ago": 0, "ack": (2, 3),
        "owner": OLIVIA, "author": OLIVIA, "approver": NADIA, "units": ["SUP"], "requires_ack": True,
        "title": "Offer a call-back instead of a queue longer than five minutes",
        "statement": "When the expected wait on the phone is over five minutes, offer the customer a call-back "
                     "at a time they choose, and keep it.",
        "rationale_customers": "Nobody likes holding music; customers choose when we call.",
        "rationale_employees": "Smoother peaks: call-backs fill the quiet hours.",
        "rationale_business": "Abandoned calls fall, and so do the repeat calls they cause.",
        "metric": "Calls abandoned after waiting more than five minutes",
        "target": "Below 3%",
        "data_source": "Telephony platform daily report",
    },
]

# The three versions of CX-STD-002: what changed, whether people must acknowledge again, and when.
REVISIONS_002: list[dict[str, Any]] = [
    {"days_ago": 120, "needs_reacknowledgement": False,
     "change_summary": "Minor fix: the data source is the weekly service report, not the monthly one.",
     "data_source": "Helpdesk weekly service report"},
    {"days_ago": 10, "needs_reacknowledgement": True,
     "change_summary": "Chat messages are included and the target rises from 90% to 95%, after six months at 93%.",
     "statement": "Every email, web form **and chat** message from a customer gets a personal reply within one "
                  "working day, even when the full answer takes longer.",
     "target": "95% or more every week"},
]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def _backdate(version: StandardVersion, *, days_ago: int, today: date, first: bool) -> None:
    """Demo back-dating: approve_version refuses past effective dates, so versions are approved today and
    their dates (and the deadlines and acknowledgements that follow from them) are moved back here."""
    if days_ago <= 0:
        return
    effective = today - timedelta(days=days_ago)
    standard = version.standard
    fields = {"created_at": _moment(effective - timedelta(days=9)), "submitted_at": _moment(effective - timedelta(
        days=3)), "decided_at": _moment(effective - timedelta(days=1)), "effective_on": effective}
    version.refresh_from_db()
    if version.ack_due_on is not None:
        fields["ack_due_on"] = effective + timedelta(days=standard.ack_days)
        rows = Acknowledgement.objects.filter(version=version)
        rows.update(due_on=fields["ack_due_on"], created_at=_moment(effective))
        # People acknowledged on different days after publication, none later than today.
        for index, row in enumerate(rows.filter(status=Acknowledgement.Status.ACKNOWLEDGED).order_by("pk")):
            Acknowledgement.objects.filter(pk=row.pk).update(
                acknowledged_at=min(_moment(effective + timedelta(days=1 + index % 9)), timezone.now()))
    StandardVersion.objects.filter(pk=version.pk).update(**fields)
    if first:
        Standard.objects.filter(pk=standard.pk).update(
            created_at=fields["created_at"],
            next_review_on=effective + timedelta(days=standard.review_interval_days))


def _acknowledge(standard: Standard, *, share: tuple[int, int], keep_pending: list[str], today: date) -> None:
    """A deterministic part of the audience acknowledges: n people out of every `every`, in email order."""
    standard.refresh_from_db()
    taken, every = share
    pending = (Acknowledgement.objects.pending().filter(version_id=standard.ack_version_id)
               .select_related("person").order_by("person__email"))
    for index, row in enumerate(pending):
        if index % every < taken and row.person.email not in keep_pending:
            acknowledge_standard(standard=standard, by=row.person, today=today)


def _create(spec: dict, people: dict[str, User], principles: list[Principle],
            units: dict[str, BusinessUnit]) -> Standard:
    version = {name: spec[name] for name in ["title", "statement", "rationale_customers", "rationale_employees",
                                             "rationale_business", "metric", "target", "data_source"]}
    version["change_summary"] = "First version."
    return create_standard(
        by=people[spec["author"]], version=version,
        code=spec["code"], principle=principles[spec["principle"]], owner=people[spec["owner"]],
        approver=people[spec["approver"]] if spec["approver"] else None,
        requires_acknowledgement=spec["requires_ack"], audience_role=spec.get("role", AudienceRole.EVERYONE),
        review_interval_days=365, audience_units=[units[code] for code in spec["units"]],
    )


def _approver(standard: Standard, people: dict[str, User]) -> User:
    # Without a named approver, any CoE staff member decides; in the demo that is Olivia.
    return standard.approver or people[OLIVIA]


def _open_version(standard: Standard) -> StandardVersion:
    if (version := standard.open_version()) is None:
        raise RuntimeError(f"{standard.code} has no open version")
    return version


def _owner(standard: Standard, people: dict[str, User]) -> User:
    return standard.owner or people[OLIVIA]


def _publish(standard: Standard, people: dict[str, User], *, today: date) -> StandardVersion:
    version = _open_version(standard)
    submit_version(version=version, by=version.created_by)
    version = approve_version(version=version, by=_approver(standard, people), today=today,
                                       comment="Approved for the demo organization.")
    standard.refresh_from_db()
    return version


def _revise(standard: Standard, people: dict[str, User], change: dict, *, today: date) -> StandardVersion:
    owner = _owner(standard, people)
    draft = start_revision(standard=standard, by=owner)
    text = {name: value for name, value in change.items() if name != "days_ago"}
    save_draft(version=draft, by=owner, **text)
    submit_version(version=draft, by=owner)
    version = approve_version(version=draft, by=_approver(standard, people), today=today)
    standard.refresh_from_db()
    return version


def _seed_standard(spec: dict, people, principles, units, *, today: date) -> Standard:
    standard = _create(spec, people, principles, units)
    state = spec["state"]
    if state == "draft":
        return standard
    if state in ("submitted", "sent_back"):
        version = _open_version(standard)
        submit_version(version=version, by=version.created_by)
        if state == "sent_back":
            send_back(version=version, by=_approver(standard, people), comment=spec["comment"])
        return standard
    version = _publish(standard, people, today=today)
    if state == "three_versions":
        # v1 was acknowledged by most of Support; the minor fix in v2 kept those acknowledgements; v3
        # changed the target, so everyone is asked again and about half have answered.
        _acknowledge(standard, share=(2, 3), keep_pending=spec["keep_pending"], today=today)
        versions = [version]
        for change in REVISIONS_002:
            versions.append(_revise(standard, people, change, today=today))
        _acknowledge(standard, share=spec["ack"], keep_pending=spec["keep_pending"], today=today)
        ages = [260, *(change["days_ago"] for change in REVISIONS_002)]
        for index, (each, days_ago) in enumerate(zip(versions, ages, strict=True)):
            _backdate(each, days_ago=days_ago, today=today, first=index == 0)
        # Demo back-dating: a version was superseded when the next one was approved.
        for older, newer in pairwise(versions):
            newer.refresh_from_db(fields=["decided_at"])
            StandardVersion.objects.filter(pk=older.pk).update(superseded_at=newer.decided_at)
        return standard
    if spec.get("ack"):
        _acknowledge(standard, share=spec["ack"], keep_pending=spec.get("keep_pending", []), today=today)
    _backdate(version, days_ago=spec["days_ago"], today=today, first=True)
    if state == "retired":
        retire_standard(standard=standard, by=people[OLIVIA], note=spec["note"])
    return standard


def _seed_plans(people: dict[str, User], principles: list[Principle], standards: dict[str, Standard],
                units: dict[str, BusinessUnit], *, today: date) -> None:
    olivia, leo, nadia = people[OLIVIA], people[LEO], people[NADIA]
    launch = create_plan(
        title="Launch our five CX principles", owner=olivia,
        objective="By the end of the quarter, every employee can name our five principles and give one "
                  "example from their own work.\n\nWe will know from the **pulse survey** (target: 80% "
                  "name at least three) and from the acknowledgements of the whole-organization standards.",
        starts_on=today - timedelta(days=45), ends_on=today + timedelta(days=60),
        by=olivia, principles=principles,
        standards=[standards["CX-STD-001"], standards["CX-STD-005"], standards["CX-STD-006"]])
    sales = create_plan(
        title="Promises we keep in Sales", owner=leo,
        objective="Sales keeps every call-back promise it makes. Missed call-backs in the CRM fall below 5% "
                  "by the end of the plan.",
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=45),
        by=leo, audience_units=[units["SAL"]], principles=[principles[2], principles[1]],
        standards=[standards["CX-STD-003"], standards["CX-STD-004"]])

    # (plan, title, channel, days from today, owner, message, what happens to it)
    items = [
        (launch, "Meet our five CX principles", Communication.Channel.EMAIL, -3, olivia,
         "Today we publish **five CX principles**: the promises every team at Acme keeps to customers. Read "
         "them on the Standards page and tell your ambassador which one your team finds hardest.", "send"),
        (launch, "Town hall: the principles in practice", Communication.Channel.TOWN_HALL, -21, leo,
         "Leo and Nadia tell one customer story for each principle, followed by questions.", "held"),
        (launch, "Team meeting kit: We make it easy", Communication.Channel.TEAM_MEETING, -4, nadia,
         "A 10-minute kit for team leads: one customer story, two questions, one action.", "planned"),
        (launch, "Newsletter: We keep our promises", Communication.Channel.NEWSLETTER, 5, olivia,
         "How Billing cut missed call-backs by half, and the new call-back standard.", "planned"),
        (launch, "Intranet story: a journey we owned end to end", Communication.Channel.INTRANET, 18, olivia,
         "A field repair that crossed four teams and still felt like one conversation.", "ready"),
        (launch, "Principles pulse survey", Communication.Channel.EMAIL, 40, olivia,
         "Five questions, two minutes: can you name our principles?", "planned"),
        (sales, "Sales kick-off: the call-back promise", Communication.Channel.TEAM_MEETING, -14, leo,
         "Why missed call-backs are our first complaint reason, and the new standard CX-STD-003.", "held"),
        (sales, "Regional roadshow", Communication.Channel.TOWN_HALL, 9, leo,
         "Visit to the regional offices. Replaced by the kick-off recording.", "cancelled"),
        (sales, "Call-back reminder", Communication.Channel.EMAIL, 10, olivia,
         "A short reminder of CX-STD-003 with the three most common reasons a call-back slips.", "ready"),
        (sales, "Chat post: three promises kept this month", Communication.Channel.CHAT, 30, leo,
         "Three stories from the team, nominated by their colleagues.", "planned"),
    ]
    for plan, title, channel, days, owner, message, outcome in items:
        communication = create_communication(plan=plan, by=plan.owner, title=title, channel=channel, owner=owner,
                                             message=message, scheduled_on=today + timedelta(days=days))
        if outcome in ("ready", "send", "held"):
            set_communication_status(communication=communication, by=owner, status="ready")
        if outcome == "send":
            send_communication(communication=communication, by=owner)
        elif outcome == "held":
            set_communication_status(communication=communication, by=owner, status="sent")
        elif outcome == "cancelled":
            set_communication_status(communication=communication, by=owner, status="cancelled")


def seed(stdout) -> None:
    """Seed the standards demo once; a second run finds the principles and changes nothing."""
    if Principle.objects.exists():
        stdout.write(f"Demo standards already there: {Principle.objects.count()} principles, "
                     f"{Standard.objects.count()} standards.")
        return
    today = timezone.localdate()
    people = {person.email: person for person in User.objects.filter(email__in=[OLIVIA, LEO, NADIA])}
    units = {unit.code: unit for unit in BusinessUnit.objects.all()}
    olivia = people[OLIVIA]
    principles = [create_principle(by=olivia, **fields) for fields in PRINCIPLES]
    standards = {spec["code"]: _seed_standard(spec, people, principles, units, today=today) for spec in STANDARDS}
    _seed_plans(people, principles, standards, units, today=today)
    current = Acknowledgement.objects.filter(version_id__in=Standard.objects.published().values("ack_version_id"))
    acknowledged = current.filter(status=Acknowledgement.Status.ACKNOWLEDGED).count()
    asked = current.exclude(status=Acknowledgement.Status.WITHDRAWN).count()
    stdout.write(f"Demo standards ready: {len(principles)} principles, {len(standards)} standards, "
                 f"{acknowledged} of {asked} acknowledgements done, {CommunicationPlan.objects.count()} plans.")

