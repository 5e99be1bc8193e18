"""SpamAssassin (Debian's package and its shipped rules) scoring our messages, as a receiving
server would, without the network: local tests only, but with the scores of the score set for
network and Bayes (set 3), the set a real server that checks both uses. Bayes has no training
here, so its rules never fire; DNS and URI blocklists are not asked.

Needs the spamassassin package (`.ci/run` installs it); skips without it on a developer's
machine, fails under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PERL = shutil.which("perl") or "/usr/bin/perl"

# The Perl API: Mail::SpamAssassin->check with local_tests_only, then the score set of network
# and Bayes (3); `spamassassin -L` alone would score with set 0 (or 2).
SCRIPT = r"""
use strict; use warnings;
use Mail::SpamAssassin;
use JSON::PP;
my $home = shift @ARGV;
my $sa = Mail::SpamAssassin->new({
  local_tests_only => 1, dont_copy_prefs => 1, home_dir_for_helpers => $home,
  userstate_dir => $home, userprefs_filename => "$home/user_prefs",
  post_config_text => "use_bayes 1\nbayes_auto_learn 0\nbayes_path $home/bayes\n"});
$sa->init(1);
$sa->{conf}->set_score_set(3);
my $scores = $sa->{conf}->{scores};
for my $file (@ARGV) {
  open(my $fh, '<:raw', $file) or die "$file: $!";
  my $raw = do { local $/; <$fh> };
  close $fh;
  my $mail = $sa->parse($raw);
  my $status = $sa->check($mail);
  my %hits = map { $_ => ($scores->{$_} // 0) + 0 }
             grep { length } split /,/, $status->get_names_of_tests_hit();
  print JSON::PP->new->canonical->encode({file => $file, set => $sa->{conf}->get_score_set(),
    score => $status->get_score() + 0, hits => \%hits}), "\n";
  $status->finish(); $mail->finish();
}
"""

# Rules that fire because of where the message is scored, not what it is: here it has not
# crossed any server yet (a receiving server sees the Received lines its relay adds).
ENVIRONMENT = {"NO_RECEIVED", "NO_RELAYS"}
# SpamAssassin's markers, scored 0.001 to say what a message is, not against it: each named.
INFORMATIONAL = {"HTML_MESSAGE"}  # "HTML included in message": our alternative to the text


def need_spamassassin() -> None:
    """Skip without SpamAssassin on a developer's machine; fail under CI, which installs it."""
    found = subprocess.run([PERL, "-MMail::SpamAssassin", "-e", "1"], capture_output=True)
    if found.returncode != 0:
        missing = "SpamAssassin is not installed (apt-get install spamassassin)"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)


@dataclass(frozen=True)
class Score:
    name: str
    score: float
    score_set: int
    hits: dict[str, float]

    @property
    def caused_by_us(self) -> dict[str, float]:
        """The rules hit that count against the message (a positive score), the environment's
        aside."""
        return {rule: score for rule, score in self.hits.items()
                if score > 0 and rule not in ENVIRONMENT | INFORMATIONAL}


def score_all(messages: dict[str, bytes], work: Path) -> dict[str, Score]:
    """Score each message (name: raw bytes) in one SpamAssassin process."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "user_prefs").write_text("")
    files = []
    for index, (name, raw) in enumerate(messages.items()):
        path = work / f"{index:02d}.eml"
        path.write_bytes(raw)
        files.append((name, path))
    done = subprocess.run([PERL, "-e", SCRIPT, str(work), *(str(p) for _n, p in files)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(files), done.stdout + done.stderr[-2000:]
    return {name: Score(name, result["score"], result["set"], result["hits"])
            for (name, _path), result in zip(files, results, strict=True)}
