"""The tutorial shape: a foreach over categories, a join that gathers per-item results,
and a card built with components in the join."""

from metaflow import FlowSpec, Parameter, card, current, step
from metaflow.cards import Markdown, Table

MOVIES = [
    ("Heat", "crime", 1995),
    ("Alien", "horror", 1979),
    ("Fargo", "crime", 1996),
    ("Up", "animation", 2009),
    ("Coco", "animation", 2017),
    ("Us", "horror", 2019),
]


class GenreStatsFlow(FlowSpec):
    """Per genre: count the movies and find the newest."""

    min_year = Parameter("min_year", help="Ignore older movies", default=1900)

    @step
    def start(self):
        """Load the catalogue and list the genres."""
        self.movies = [m for m in MOVIES if m[2] >= self.min_year]
        self.genres = sorted({m[1] for m in self.movies})
        self.next(self.genre_stats, foreach="genres")

    @step
    def genre_stats(self):
        """One genre per task."""
        self.genre = self.input
        titles = [m for m in self.movies if m[1] == self.genre]
        self.count = len(titles)
        self.newest = max(titles, key=lambda m: m[2])[0]
        self.next(self.join)

    @card(type="blank")
    @step
    def join(self, inputs):
        """Gather one row per genre."""
        self.stats = {i.genre: (i.count, i.newest) for i in inputs}
        current.card.append(Markdown("# Genres"))
        current.card.append(
            Table(
                [[g, c, n] for g, (c, n) in sorted(self.stats.items())],
                headers=["genre", "movies", "newest"],
            )
        )
        self.next(self.end)

    @step
    def end(self):
        for genre, (count, newest) in sorted(self.stats.items()):
            print(f"{genre}: {count} (newest {newest})")


if __name__ == "__main__":
    GenreStatsFlow()
