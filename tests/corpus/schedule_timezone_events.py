"""A weekday cron in a local time zone (Argo supports time zones)."""

from metaflow import FlowSpec, schedule, step


@schedule(cron="30 6 * * 1-5", timezone="Europe/Oslo")
class WeekdayMorningFlow(FlowSpec):
    """Runs at 06:30 Oslo time on weekdays."""

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        print("morning run")


if __name__ == "__main__":
    WeekdayMorningFlow()
