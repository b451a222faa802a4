"""How extractor output is scored against hand-labelled commitments (used by the corpus tests)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from commitments.importer.parser import ExtractedDocument

DATA = Path(__file__).parent / "data"
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u2011": "-", "\xa0": " "})


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.translate(_FOLD).lower())


def overlap(a: list[str], b: list[str]) -> float:
    """Shared tokens over the longer of the two: 1.0 only for the same words."""
    if not a or not b:
        return 0.0
    shared = sum((Counter(a) & Counter(b)).values())
    return shared / max(len(a), len(b))


@dataclass
class Score:
    recall: float
    precision: float
    pairs: list[tuple[int, int]]  # (predicted index, label index)
    missed: list[str]
    spurious: list[str]

    def report(self, name: str) -> str:
        lines = [f"{name}: recall {self.recall:.3f}, precision {self.precision:.3f}"]
        lines += [f"  missed:   {text}" for text in self.missed]
        lines += [f"  spurious: {text}" for text in self.spurious]
        return "\n".join(lines)


def score(predicted: list[str], labels: list[str], threshold: float = 0.9) -> Score:
    """One-to-one matching: equal normalised texts first, then the best overlaps >= threshold."""
    predicted_tokens = [tokens(t) for t in predicted]
    label_tokens = [tokens(t) for t in labels]
    candidates = []
    for i, p in enumerate(predicted_tokens):
        for j, label in enumerate(label_tokens):
            ratio = 1.0 if p == label else overlap(p, label)
            if ratio >= threshold:
                candidates.append((-ratio, i, j))
    candidates.sort()
    used_p: set[int] = set()
    used_l: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_p and j not in used_l:
            used_p.add(i)
            used_l.add(j)
            pairs.append((i, j))
    recall = len(pairs) / len(labels) if labels else 1.0
    precision = len(pairs) / len(predicted) if predicted else 1.0
    missed = [labels[j] for j in range(len(labels)) if j not in used_l]
    spurious = [predicted[i] for i in range(len(predicted)) if i not in used_p]
    return Score(recall, precision, sorted(pairs), missed, spurious)


def score_commitments(predicted: list[str], commitments: list[list[str]], threshold: float = 0.9) -> Score:
    """Like score(), where each labelled commitment may be printed more than once (its occurrences):
    a prediction of any occurrence finds it, and a second prediction of the same commitment is
    spurious (one commitment, one tracked item)."""
    predicted_tokens = [tokens(t) for t in predicted]
    occurrence_tokens = [[tokens(t) for t in occurrences] for occurrences in commitments]
    candidates = []
    for i, p in enumerate(predicted_tokens):
        for j, occurrences in enumerate(occurrence_tokens):
            ratio = max((1.0 if p == o else overlap(p, o)) for o in occurrences)
            if ratio >= threshold:
                candidates.append((-ratio, i, j))
    candidates.sort()
    used_p: set[int] = set()
    used_l: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_p and j not in used_l:
            used_p.add(i)
            used_l.add(j)
            pairs.append((i, j))
    recall = len(pairs) / len(commitments) if commitments else 1.0
    precision = len(pairs) / len(predicted) if predicted else 1.0
    missed = [commitments[j][0] for j in range(len(commitments)) if j not in used_l]
    spurious = [predicted[i] for i in range(len(predicted)) if i not in used_p]
    return Score(recall, precision, sorted(pairs), missed, spurious)


def load_labels(name: str) -> list[dict[str, object]]:
    labels: list[dict[str, object]] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return labels


def section_agreement(doc: ExtractedDocument, labels: list[dict[str, object]], result: Score) -> float:
    if not result.pairs:
        return 0.0
    same = sum(1 for i, j in result.pairs if list(doc.commitments[i].section) == labels[j]["section"])
    return same / len(result.pairs)


def test_identical_texts_match_one_to_one() -> None:
    result = score(["China will launch X.", "China will launch X."], ["China will launch X."])
    assert (result.recall, result.precision) == (1.0, 0.5)


def test_small_wording_differences_still_match() -> None:
    label = "Build commercial launch pads and launch sites to meet different commercial launch needs"
    assert score([label + ";"], [label]).recall == 1.0
    assert score(["Build commercial launch pads"], [label]).recall == 0.0


def test_curly_quotes_and_case_do_not_matter() -> None:
    assert tokens("China’s “Space” Day") == tokens('china\'s "space" day')
