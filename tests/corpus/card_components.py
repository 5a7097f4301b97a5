"""Cards as real flows use them: a default card, a blank card built from components,
two cards on one step addressed by id, and components created in a helper."""

from metaflow import FlowSpec, Parameter, card, current, step
from metaflow.cards import Artifact, Markdown, Table


def summary_rows(scores):
    """Table rows for a score dictionary, best first."""
    return [[name, round(value, 3)] for name, value in sorted(scores.items(), key=lambda kv: -kv[1])]


class CardReportFlow(FlowSpec):
    """Score a few candidates and report them on cards."""

    number = Parameter("number", default=3)

    @card
    @step
    def start(self):
        self.candidates = ["alpha", "beta", "gamma", "delta"][: self.number]
        self.next(self.score)

    @card(type="blank")
    @step
    def score(self):
        current.card.append(Markdown("# Guess my number"))
        if self.number > 5:
            current.card.append(Markdown("My number is **smaller** ⬇️"))
        elif self.number < 5:
            current.card.append(Markdown("My number is **larger** ⬆️"))
        else:
            current.card.append(Markdown("## Correct! 🎉"))
        self.scores = {c: len(c) / 10 for c in self.candidates}
        current.card.append(Table(summary_rows(self.scores), headers=["candidate", "score"]))
        current.card.append(Artifact(self.scores))
        self.next(self.end)

    @card(type="blank", id="summary")
    @card(type="blank", id="details")
    @step
    def end(self):
        best = max(self.scores, key=self.scores.get)
        current.card["summary"].append(Markdown(f"Best candidate: **{best}**"))
        current.card["details"].extend([Markdown("## All scores"), Table(summary_rows(self.scores))])
        print("best:", best)


if __name__ == "__main__":
    CardReportFlow()
