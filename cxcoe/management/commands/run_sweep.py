from django.core.management.base import BaseCommand, CommandError

from cxcoe.notifications import reminders


class Command(BaseCommand):
    help = "Run reminder sweeps now (beat runs them daily), then deliver what is due."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="sweeps to run; all of them when left out")
        parser.add_argument("--no-send", action="store_true", help="only declare the reminders")

    def handle(self, *args, names, no_send, **options):
        unknown = set(names) - reminders.SWEEPS.keys()
        if unknown:
            raise CommandError(f"Unknown sweeps: {', '.join(sorted(unknown))}. Known: {', '.join(reminders.SWEEPS)}")
        for name in names or reminders.SWEEPS:
            run = reminders.run_sweep(name=name)
            self.stdout.write(f"{name}: {run.declared} new reminders")
        if not no_send:
            self.stdout.write(f"delivered: {reminders.send_reminders()}")
