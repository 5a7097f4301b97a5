"""Forecasting job scheduled with an AWS-style six-field cron, an image constant at module
level and None-default parameters used as optional filters."""

import os

from metaflow import FlowSpec, Parameter, card, kubernetes, schedule, step

IMAGE = "registry.example.com/forecast/daily:v0.0.11_amd64"
LOCAL_MODE = os.environ.get("FORECAST_LOCAL_MODE", "").lower() == "true"


@schedule(cron="0 7 * * ? *")
class DailyForecastFlow(FlowSpec):
    """Forecast every morning at 07:00 UTC."""

    start_date = Parameter("start_date", default=None, help="Override the start date (YYYY-MM-DD)")
    sources = Parameter("sources", default=None, help="Comma-separated sources to keep")

    @card(type="default")
    @step
    def start(self):
        print("start")
        self.next(self.forecast)

    @card
    @kubernetes(image=IMAGE, cpu=1, memory=16384)
    @step
    def forecast(self):
        # Parameters without a value arrive as None (or the text "None" on some schedulers).
        wanted = None
        if self.sources not in (None, "None"):
            wanted = {s.strip() for s in self.sources.split(",")}
        self.kept = sorted(wanted) if wanted else ["all"]
        self.mode = "local" if LOCAL_MODE else "remote"
        self.next(self.end)

    @step
    def end(self):
        print("forecast for", self.kept, "in", self.mode, "mode")


if __name__ == "__main__":
    DailyForecastFlow()
