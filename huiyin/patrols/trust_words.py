"""The words for watching people that a patrol's text may never hold (DESIGN.md principle 1:
Huiyin tracks matters, not people). Kept apart, as the project's trust checks keep their word
lists, so that nothing else in the code names these concepts."""

#: Words for watching people: a finding is never about one.
PERSON_WORDS = ("可疑人员", "重点人员", "稳控", "截访", "劝返", "行踪")
