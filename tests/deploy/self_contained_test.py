#!/usr/bin/env python3
"""Checks that the repository stands on its own.

  python3 tests/deploy/self_contained_test.py SOURCE_DIR

A fresh clone must build and pass its tests with nothing beside it: no file
may refer to the team's reference shelf next to the checkout, nor to an
absolute path of somebody's machine (a home folder, a build machine's
workspace). Files are those git tracks, or every file when the source is
not a git checkout. Every failure names the file, the line and the text.
"""
import os
import re
import subprocess
import sys
import unittest

SOURCE_DIR = ""

# Written in pieces so that this file does not match itself.
FORBIDDEN = re.compile(
    "|".join([
        re.escape(".." + "/shared"),
        r"(?<![\w.])/" + "work/",
        r"(?<![\w.])/" + "home/",
        r"(?<![\w.])/" + "root/",
        r"(?<![\w.])/" + "Users/",
    ]))
SKIPPED_SUFFIXES = (".png", ".xsd")


def project_files():
    try:
        listed = subprocess.run(["git", "-C", SOURCE_DIR, "ls-files", "-z"],
                                check=True, capture_output=True).stdout
        return [name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for folder, subfolders, files in os.walk(SOURCE_DIR):
            subfolders[:] = [s for s in subfolders
                             if s != ".git" and not s.startswith("build")]
            names += [os.path.relpath(os.path.join(folder, f), SOURCE_DIR)
                      for f in files]
        return names


class SelfContainedTest(unittest.TestCase):

    def test_no_file_refers_outside_the_repository(self):
        found = []
        for name in project_files():
            if name.endswith(SKIPPED_SUFFIXES):
                continue
            path = os.path.join(SOURCE_DIR, name)
            with open(path, encoding="utf-8", errors="replace") as text:
                for number, line in enumerate(text, 1):
                    match = FORBIDDEN.search(line)
                    if match:
                        found.append(f"{name}:{number}: {match.group(0)!r} "
                                     f"in {line.strip()[:100]!r}")
        self.assertEqual(found, [], "\n".join(found))

    def test_the_sepa_schema_ships_with_the_repository(self):
        schema = os.path.join(SOURCE_DIR, "deploy/schemas/pain.001.001.03.xsd")
        with open(schema, encoding="utf-8") as text:
            self.assertIn("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
                          text.read(2000))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    SOURCE_DIR = sys.argv.pop(1)
    unittest.main()
