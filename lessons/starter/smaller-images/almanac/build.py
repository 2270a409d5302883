"""Builds the almanac's static web site: public/index.html from facts.txt."""

import html
import pathlib

facts = [line.strip() for line in open("facts.txt", encoding="utf-8") if line.strip()]
items = "\n".join(f"  <li>{html.escape(fact)}</li>" for fact in facts)
page = f"""<!doctype html>
<meta charset="utf-8">
<meta name="generator" content="almanac build.py">
<title>Almanac</title>
<h1>Almanac</h1>
<p>{len(facts)} facts, built ahead of time.</p>
<ul>
{items}
</ul>
"""
out = pathlib.Path("public")
out.mkdir(exist_ok=True)
(out / "index.html").write_text(page, encoding="utf-8")
print(f"wrote public/index.html with {len(facts)} facts")
