"""The library part of the demo organization: about 40 resources of every kind, some stale, some drafts, one
archived and a few linked to a standard that changed since; and content requests at each stage of the advisory
service (`seed_requests`). Called by `manage.py seed_demo` through LibraryConfig.seed_demo, after the standards demo.

Every write goes through the services, so the audit log tells the same story as the pages. Where the story needs
the past (a resource published months ago, now stale), the dates are moved back right after the service call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cxcoe.models import BusinessUnit, User
from standards.models import Principle, Standard

from .models import ContentRequest, Resource, ResourceRevision, ResourceView
from .search import index_for_search
from .services.requests import accept_request, decline_request, deliver_request, merge_request, request_content
from .services.resources import archive_resource, create_resource, publish_resource, update_resource

OLIVIA, LEO, NADIA = "olivia@acme.example", "leo@acme.example", "nadia@acme.example"
AMIR, BIANCA, KEMI = "amir@acme.example", "bianca@acme.example", "kemi@acme.example"

# (title, kind, summary, tags, principle index, standard code, owner, state, days since publication, readers)
# state: published, draft (no impact statement yet), archived; a publication older than 90 days is stale.
RESOURCES = [
    ("Calling back a customer who complained", "playbook", "A five-step call script for the first call back "
     "after a complaint, with what to say and what never to say.", "complaints, phone, recovery", 2, "CX-STD-003",
     BIANCA, "published", 20, 34),
    ("Writing letters customers understand", "article", "How to turn a billing letter into plain words: short "
     "sentences, the amount first, one action.", "writing, billing, plain language", 0, "CX-STD-001", OLIVIA,
     "published", 40, 51),
    ("First-contact resolution checklist", "checklist", "What to check before ending a support call so the "
     "customer does not need to call again.", "support, phone, resolution", 0, "CX-STD-002", NADIA, "published",
     130, 18),
    ("Journey map template", "template", "A one-page template to map a customer journey: stages, actions, "
     "thoughts, feelings and moments of truth.", "journey mapping, workshop", 1, "", OLIVIA, "published", 60, 44),
    ("How Field Service cut repeat visits by a third", "case_study", "What the Field Service team changed in "
     "scheduling and first-visit kits, and what it did to repeat visits.", "field service, case study", 0, "",
     NADIA, "published", 150, 9),
    ("Empathy on the phone in five minutes", "video", "A short film of three real calls, annotated: what the "
     "agent heard, and what they said back.", "empathy, phone, training", 2, "", BIANCA, "published", 30, 62),
    ("The customer effort score, explained", "link", "The research behind measuring effort, and how we ask the "
     "question after each contact.", "measurement, effort", 0, "CX-STD-005", OLIVIA, "published", 100, 12),
    ("Complaint log template (CSV)", "file", "The spreadsheet columns every team uses to log complaints, so the "
     "CoE can see causes across units.", "complaints, data", 2, "CX-STD-003", OLIVIA, "published", 25, 27),
    ("Running a voice-of-the-customer workshop", "playbook", "Plan and run a two-hour workshop where a team "
     "listens to real customer calls and agrees one change.", "workshop, voice of the customer", 1, "", KEMI,
     "published", 45, 21),
    ("Handover between teams without repeating questions", "article", "What to pass on when a customer moves "
     "from Sales to Support, so nobody asks twice.", "handover, sales, support", 1, "CX-STD-004", LEO,
     "published", 200, 6),
    ("Accessible emails: a checklist", "checklist", "Headings, contrast, link text and alternatives for images "
     "in every customer email.", "accessibility, email, writing", 3, "", KEMI, "published", 15, 19),
    ("Welcoming a new business customer", "playbook", "The first 30 days of a new business account: calls, "
     "emails and the check-in that prevents early churn.", "onboarding, sales, churn", 1, "", AMIR, "published",
     70, 30),
    ("Saying no without losing the customer", "article", "When we can't do what the customer asks: explain why, "
     "offer what we can, and follow up.", "recovery, phone, writing", 2, "", BIANCA, "published", 95, 14),
    ("Billing dispute decision tree", "template", "Which billing disputes an agent can settle on the call, and "
     "which go to Billing, with the limits.", "billing, empowerment", 4, "", NADIA, "published", 10, 25),
    ("The web form that halved abandoned sign-ups", "case_study", "How Web & App removed six fields and a "
     "password rule, and what it did to completed sign-ups.", "digital, effort, case study", 0, "", KEMI,
     "published", 120, 8),
    ("Service recovery in 60 seconds", "video", "The apology, the fix and the follow-up, shown in one minute by "
     "our Tier 1 team.", "recovery, training", 2, "", BIANCA, "published", 50, 40),
    ("NPS survey design guide", "link", "The external guide we follow for the wording and timing of "
     "relationship surveys.", "measurement, nps, survey", 3, "", OLIVIA, "published", 300, 0),
    ("Closing the loop with detractors", "playbook", "Call back every customer who scores us 0 to 6 within two "
     "working days: the script and the log.", "nps, recovery, phone", 2, "CX-STD-005", AMIR, "published", 35, 16),
    ("Ambassador meeting agenda", "template", "A 45-minute agenda for the monthly CX ambassador meeting in a "
     "business unit.", "ambassadors, meetings", 3, "", OLIVIA, "published", 55, 22),
    ("Plain language word list", "article", "The words we use instead of jargon: \u201cbill\u201d not "
     "\u201cinvoice statement\u201d, \u201ccancel\u201d not \u201cterminate\u201d.", "writing, plain language",
     0, "CX-STD-001", OLIVIA, "published", 5, 37),
    ("Chat tone of voice", "article", "How we sound in chat: warm, short and clear, with examples of good and "
     "poor replies.", "chat, writing, tone", 2, "", KEMI, "published", 140, 5),
    ("Escalation checklist for Tier 1", "checklist", "When to hand a contact to Tier 2, and what to tell the "
     "customer while they wait.", "support, escalation", 4, "", NADIA, "published", 65, 28),
    ("Customer interview guide", "template", "Twelve open questions for a 30-minute interview with a customer, "
     "and how to take notes.", "research, interviews", 1, "", KEMI, "published", 80, 11),
    ("Retention offers that respect the customer", "article", "What we offer a customer who wants to leave, and "
     "why we never make leaving hard.", "churn, retention, sales", 4, "CX-STD-006", LEO, "published", 20, 17),
    ("Field visit preparation checklist", "checklist", "What a technician checks before leaving for a visit so "
     "the job is done the first time.", "field service, resolution", 0, "", NADIA, "published", 110, 7),
    ("Measuring first-contact resolution", "link", "How the support dashboard counts first-contact resolution, "
     "and its known limits.", "measurement, support", 3, "CX-STD-002", OLIVIA, "published", 45, 13),
    ("Small business onboarding call", "playbook", "A 20-minute call script for new small business customers in "
     "their first week.", "onboarding, sales", 1, "", AMIR, "published", 25, 10),
    ("Quarterly CX review slides", "template", "The slide outline each business unit uses for its quarterly CX "
     "review with its leader.", "reporting, leaders", 3, "", LEO, "published", 180, 3),
    ("What customers told us in 2026", "case_study", "The ten things customers said most often this year, with "
     "the changes each led to.", "voice of the customer, research", 1, "", OLIVIA, "published", 8, 58),
    ("Apology letter examples", "article", "Five apology letters that worked, and what each one does well.",
     "writing, recovery", 2, "CX-STD-003", BIANCA, "published", 60, 20),
    ("Moments of truth in billing", "article", "The four points in the billing journey where customers decide "
     "whether to trust us.", "billing, journey mapping", 1, "", NADIA, "published", 100, 4),
    ("Team huddle card: one customer story a week", "checklist", "A ten-minute weekly huddle where a team shares "
     "one customer story and one thing to change.", "ambassadors, meetings, habits", 3, "", OLIVIA, "published",
     12, 15),
    ("Video call etiquette for account managers", "video", "Camera, sound, agenda and follow-up: a short guide "
     "for customer video calls.", "sales, video calls", 2, "", AMIR, "published", 90, 9),
    # Drafts: the impact statement is not written yet.
    ("Self-service article style guide", "article", "How to write a help-centre article customers find and "
     "follow.", "digital, writing, self-service", 0, "", KEMI, "draft", 0, 0),
    ("Proactive outage messages", "template", "What we tell customers before they notice a service outage.",
     "outages, proactive, writing", 2, "", NADIA, "draft", 0, 0),
    ("Leader walk-along guide", "playbook", "How a leader spends half a day beside front-line staff and what "
     "they do with what they learn.", "leaders, habits", 3, "", OLIVIA, "draft", 0, 0),
    # Archived: replaced, kept for the record.
    ("Call script 2024", "playbook", "The call script we used until 2025, replaced by the complaint call-back "
     "playbook.", "phone, complaints", 2, "", BIANCA, "archived", 400, 0),
]

IMPACT = {
    "importance": "Teams asked for a practical way to do this well every time, not only on good days.",
    "impact_customers": "Customers get a clear, consistent answer and don't have to chase us.",
    "impact_employees": "People know what good looks like and feel confident doing it.",
    "impact_business": "Fewer repeat contacts and complaints, and customers who stay longer.",
}

BODY = {
    "article": "## Why this matters\n\n{summary}\n\n## How to do it\n\n1. Start from what the customer is trying "
               "to do.\n2. Say the most important thing first.\n3. End with what happens next, and when.\n\n"
               "> Ask an ambassador in your unit if you want a second pair of eyes.",
    "playbook": "## When to use it\n\n{summary}\n\n## The steps\n\n1. **Prepare**: read the customer's history "
                "first.\n2. **Listen**: let them finish before you answer.\n3. **Agree** what you will do.\n4. "
                "**Do it**, and tell them when it is done.\n5. **Follow up** within two working days.",
    "template": "## How to use this template\n\n{summary}\n\n| Part | What to write |\n|---|---|\n| Goal | One "
                "sentence |\n| Customer | Who, and what they want |\n| Next step | Who does what, by when |",
    "checklist": "## Checklist\n\n{summary}\n\n- [ ] The customer's question is answered\n- [ ] They know what "
                 "happens next\n- [ ] The notes are saved for the next colleague\n- [ ] Anything repeated is "
                 "reported to your ambassador",
    "case_study": "## The situation\n\n{summary}\n\n## What changed\n\nThe team listened to customers, tried one "
                  "change at a time, and measured each.\n\n## The result\n\nFewer repeat contacts within a "
                  "quarter, and better scores in the follow-up survey.",
}
LINKS = {"video": "https://videos.acme.example/cx/{n}", "link": "https://www.example.org/cx-guide-{n}"}
COMPLAINT_LOG = b"date,customer,channel,cause,resolved_on_first_contact,follow_up_by\n" \
                b"2026-11-02,ACME-1042,phone,billing error,no,2026-11-04\n"


def seed(stdout) -> list[Resource]:
    """Seed the library demo once; a second run finds the resources and changes nothing."""
    if Resource.objects.exists():
        stdout.write(f"Demo library already there: {Resource.objects.count()} resources.")
        return list(Resource.objects.all())
    today = timezone.localdate()
    people = {person.email: person for person in User.objects.filter(email__in=[OLIVIA, LEO, NADIA, AMIR, BIANCA,
                                                                                 KEMI])}
    olivia = people[OLIVIA]
    principles = list(Principle.objects.order_by("position"))
    standards = {standard.code: standard for standard in Standard.objects.all()}
    units = {unit.code: unit for unit in BusinessUnit.objects.all()}
    readers = list(User.objects.active().order_by("pk")[:60])
    made = []
    for n, (title, kind, summary, tags, principle, code, owner, state, days_ago, views) in enumerate(RESOURCES):
        values = {"kind": kind, "title": title, "summary": summary, "tags": [t.strip() for t in tags.split(",")],
                  "owner": people[owner], "principles": [principles[principle]] if principles else [],
                  "standards": [standards[code]] if code in standards else []}
        if state != "draft":
            values.update(IMPACT)
            values["metric"] = "Repeat contacts within 7 days" if n % 3 == 0 else ""
        if kind in BODY:
            values["body"] = BODY[kind].format(summary=summary)
        elif kind in LINKS:
            values["url"] = LINKS[kind].format(n=n)
        else:
            values["file"] = SimpleUploadedFile("complaint-log.csv", COMPLAINT_LOG, content_type="text/csv")
        if kind == "checklist" and n % 2:
            values["audience_units"] = [units["SUP"]] if "SUP" in units else []
        resource = create_resource(by=olivia, **values)
        if state != "draft":
            resource = publish_resource(resource=resource, by=olivia, today=today - timedelta(days=days_ago))
            _in_the_past(resource, days_ago)
        if state == "archived":
            archive_resource(resource=resource, by=olivia, note="Replaced by the complaint call-back playbook")
        _read_by(resource, readers[:views], today)
        made.append(resource)
    _edit_one(made[0], people[BIANCA])
    index_for_search()
    stale = Resource.objects.stale(today).count()
    stdout.write(f"Demo library ready: {len(made)} resources, {stale} of them stale, "
                 f"{Resource.objects.filter(status=Resource.Status.DRAFT).count()} drafts.")
    return made


def _in_the_past(resource: Resource, days_ago: int) -> None:
    """Published `days_ago`: its dates (and those of its first revision) moved back to then."""
    when = timezone.now() - timedelta(days=days_ago)
    Resource.objects.filter(pk=resource.pk).update(published_at=when, links_checked_at=when, created_at=when,
                                                   updated_at=when)
    ResourceRevision.objects.filter(resource=resource).update(created_at=when)
    resource.refresh_from_db()


def _read_by(resource: Resource, readers: list[User], today) -> None:
    """`readers` opened it once each, on days spread over the last weeks."""
    if not readers or resource.status == Resource.Status.DRAFT:
        return
    ResourceView.objects.bulk_create([ResourceView(resource=resource, person=person, day=today - timedelta(days=n % 40))
                                      for n, person in enumerate(readers)], ignore_conflicts=True)
    Resource.objects.filter(pk=resource.pk).update(view_count=len(readers), last_viewed_on=today)


def _edit_one(resource: Resource, by: User) -> None:
    """The complaint call-back playbook was edited after publication: it has a second revision to compare."""
    update_resource(resource=resource, by=by, change_note="Call back within one working day, not two",
                    body=resource.body.replace("within two working days", "within one working day"))


# (key, who asks, their team's code, what, why, urgency, days ago): each request as it was asked.
ASKED = [
    ("callback", "bianca@acme.example", "SUP-T1", "A script for calling back a customer who complained",
     "Customers who complained tell us the call back felt like a second complaint: agents improvise, and some "
     "argue about the original problem again.", ContentRequest.Urgency.HIGH, 3),
    ("tier1", "eve@acme.example", "SUP-T1", "Call-back scripts for Tier 1",
     "New agents in Tier 1 don't know what to say when they call a customer back, so they put it off and the "
     "customer waits.", ContentRequest.Urgency.NORMAL, 2),
    ("errors", "kemi@acme.example", "DIG-WEB", "Examples of plain-language error messages for the app",
     "Customers call Support to understand what an error in the app means; a clear message would save them the "
     "call.", ContentRequest.Urgency.LOW, 6),
    ("bill", "tom@acme.example", "OPS-BIL", "A checklist for explaining a surprise bill",
     "A higher bill than expected is our first reason for complaints in Billing, and each agent explains it "
     "differently.", ContentRequest.Urgency.HIGH, 12),
    ("onboarding", "amir@acme.example", "SAL-ENT", "A template for the first 90 days of a new enterprise account",
     "New enterprise customers say nobody tells them what happens after they sign.", ContentRequest.Urgency.NORMAL,
     20),
    ("poster", "sara@acme.example", "SUP-FLD", "A poster of our CX principles for the service vans",
     "Customers meet our field technicians more than anyone else at Acme.", ContentRequest.Urgency.LOW, 25),
    ("handover", "leo@acme.example", "SAL", "A playbook for handing a deal over to onboarding",
     "Customers repeat everything they told Sales to the onboarding team: the journey breaks at the hand-over.",
     ContentRequest.Urgency.NORMAL, 40),
]
DETAILS = {
    "callback": "Something agents can keep open during the call: how to open, how to listen, what to promise.",
    "bill": "The three most common causes, and what to offer the customer for each.",
}


def _published(resources: Iterable[Resource] | Mapping[str, Resource]) -> list[Resource]:
    """The published ones, the hand-over article first: it answers the request the demo delivers."""
    found = resources.values() if isinstance(resources, Mapping) else resources
    published = [resource for resource in found if resource.status == Resource.Status.PUBLISHED]
    return sorted(published, key=lambda resource: not resource.title.startswith("Handover"))


def seed_requests(stdout, resources: Iterable[Resource] | Mapping[str, Resource]) -> None:
    """Seed the content requests once: new, accepted (with an owner and a date), declined, merged and delivered
    (with a published resource of `resources`, the hand-over article when it is there). A second run finds the
    requests and changes nothing."""
    if ContentRequest.objects.exists():
        stdout.write(f"Demo content requests already there: {ContentRequest.objects.count()}.")
        return
    emails = {email for _key, email, *_rest in ASKED} | {OLIVIA, LEO, NADIA}
    people = {person.email: person for person in User.objects.filter(email__in=emails)}
    units = {unit.code: unit for unit in BusinessUnit.objects.filter(code__in=[row[2] for row in ASKED])}
    olivia = people[OLIVIA]
    today = timezone.localdate()
    asked: dict[str, ContentRequest] = {}
    for key, email, code, need, why, urgency, days_ago in ASKED:
        if email not in people:
            continue
        asked[key] = request_content(by=people[email], need=need, why=why, details=DETAILS.get(key, ""),
                                     team=units.get(code), urgency=urgency)
        # Demo back-dating: the request was asked `days_ago` days ago.
        ContentRequest.objects.filter(pk=asked[key].pk).update(
            created_at=timezone.now() - timedelta(days=days_ago))

    if "bill" in asked:
        accept_request(request=asked["bill"], by=olivia, owner=people.get(NADIA, olivia),
                       target_on=today + timedelta(days=21))
    if "onboarding" in asked:
        accept_request(request=asked["onboarding"], by=olivia, owner=olivia, target_on=today + timedelta(days=10))
    if "poster" in asked:
        decline_request(request=asked["poster"], by=olivia,
                        reason="The principles are for every team to put in their own words, not on a poster. Your "
                               "ambassador can run the team meeting kit with the field technicians instead.")
    if "tier1" in asked and "callback" in asked:
        merge_request(request=asked["tier1"], by=olivia, into=asked["callback"])
    published = _published(resources)
    if "handover" in asked and published:
        accept_request(request=asked["handover"], by=olivia, owner=olivia, target_on=today + timedelta(days=7))
        deliver_request(request=asked["handover"], by=olivia, resource=published[0])
    by_status = {status: ContentRequest.objects.filter(status=status).count() for status in ContentRequest.Status}
    stdout.write("Demo content requests ready: " + ", ".join(
        f"{count} {ContentRequest.Status(status).label.lower()}" for status, count in by_status.items()) + ".")
