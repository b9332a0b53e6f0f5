import factory
from django.contrib.auth.models import Group

from cxcoe.models import COE_STAFF_GROUP, BusinessUnit, User

PASSWORD = "correct-horse-battery"


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BU{n:04d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    parent = None
    path = factory.LazyAttribute(lambda o: BusinessUnit.path_for(o.code, o.parent))
    depth = factory.LazyAttribute(lambda o: o.path.count("/") - 2)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    business_unit = factory.SubFactory(BusinessUnitFactory)
    job_title = "Specialist"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def coe_staff(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=COE_STAFF_GROUP)[0])

    @factory.post_generation
    def leads(self, create, extracted, **kwargs):
        if create and extracted:
            for unit in extracted:
                unit.leaders.add(self)
