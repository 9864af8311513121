"""The dialogue's names, in one place: `names` (what domain.yml and data/ call things, as the code
says them) and `topics` (the buttons that point at a topic). Imports nothing of the project and no
Rasa, so actions/, web/, chinese_nlp/, tickets/ and shapes/ may all import it."""
