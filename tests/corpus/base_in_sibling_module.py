"""The deployable flow is a scheduled subclass of a base flow defined in a sibling module:
no steps of its own."""

from metaflow import schedule

from corpus_base_flows import BaseParamsFlow


@schedule(cron="*/30 * * * *")
class CronParamFlow(BaseParamsFlow):
    pass


if __name__ == "__main__":
    CronParamFlow()
